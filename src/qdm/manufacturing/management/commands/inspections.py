"""``qdm inspections due [--site CODE] [--json]``: the inspections due now and overdue."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.core.models import Site
from qdm.manufacturing.services.schedule import due_inspections


class Command(BaseCommand):
    help = (
        "Inspection scheduling. 'due': per site and line, the inspections of released plans "
        "that are due now or overdue (last inspection per plan line against its frequency)."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        due = sub.add_parser("due", help="list the due and overdue inspections")
        due.add_argument("--site", help="only this site (its code)")
        due.add_argument("--json", action="store_true", help="JSON instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        site = None
        if options.get("site"):
            site = Site.objects.filter(code=options["site"]).first()
            if site is None:
                raise CommandError(f"no site with code {options['site']!r}")
        items = due_inspections(None, site=site)
        if options.get("json"):
            self.stdout.write(json.dumps([i.as_dict() for i in items], ensure_ascii=False))
            return
        if not items:
            self.stdout.write("Nothing due.")
            return
        header = ("STATUS", "SITE", "LINE", "PLAN", "CHARACTERISTIC", "FREQUENCY", "UNIT", "DUE")
        rows = [header] + [
            (
                i.status.upper(),
                i.site.code,
                i.line.code if i.line is not None else "-",
                f"{i.plan.code} v{i.plan.version}",
                i.plan_line.characteristic.code,
                i.plan_line.frequency
                + (f" {i.plan_line.frequency_hours}h" if i.plan_line.frequency == "hours" else ""),
                i.unit.code if i.unit is not None else "-",
                f"{i.due_at.astimezone(UTC):%Y-%m-%d %H:%M}Z"
                + (f" (+{i.late_hours}h)" if i.late_hours else ""),
            )
            for i in items
        ]
        widths = [max(len(str(r[c])) for r in rows) for c in range(len(header))]
        for row in rows:
            self.stdout.write(
                "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
        overdue = sum(1 for i in items if i.status == "overdue")
        self.stdout.write(f"{len(items)} due, {overdue} overdue")

"""``qdm trace backward SERIAL`` / ``qdm trace forward CODE``: the genealogy both ways.

Exit 0 with the trace (a readable summary, or ``--json`` the same document as the API);
exit 1 with a message naming the code when no such unit exists (or, with ``--user``, it is
outside that user's scope). Without ``--user`` the operator's shell sees every unit.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qdm.data.trace import service


class Command(BaseCommand):
    help = "Trace a module backward to its lots, or a lot forward to modules and customers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("direction", choices=["backward", "forward"])
        parser.add_argument("code", help="module serial (backward) or any unit code (forward)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--limit",
            type=int,
            default=service.DEFAULT_LIMIT,
            help=f"forward: module serials per page (default {service.DEFAULT_LIMIT})",
        )
        parser.add_argument("--offset", type=int, default=0, help="forward: first serial")
        parser.add_argument("--user", help="trace as this user (their scope applies)")

    def handle(self, *args: Any, direction: str, code: str, **options: Any) -> None:
        user = None
        if options.get("user"):
            from qdm.core.models import User

            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("No active user named “%s”.") % options["user"], returncode=2)
        limit, offset = options["limit"], options["offset"]
        if limit < 1 or offset < 0:
            raise CommandError(
                _("--limit must be at least 1 and --offset at least 0."), returncode=2
            )
        try:
            if direction == "backward":
                trace = service.backward(code, user)
            else:
                trace = service.forward(code, user, limit=limit, offset=offset)
        except service.UnitNotFound as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if options["json"]:
            self.stdout.write(jsonlib.dumps(trace.payload, ensure_ascii=False, indent=2))
        elif direction == "backward":
            self.write_backward(trace.payload)
        else:
            self.write_forward(trace.payload)

    def write_backward(self, data: dict[str, Any]) -> None:
        out = self.stdout.write
        out(f"{data['serial']} ({service.kind_label(data['kind'])})")
        for row in data["upstream"]:
            if row["restricted"]:
                out(
                    f"  {row['depth']:>2}  {service.kind_label(row['kind'])}  "
                    + _("(outside your scope)")
                )
                continue
            extras = [
                row[k]
                for k in ("material", "supplier", "supplier_lot", "site", "line", "produced_at")
                if row[k]
            ]
            out(
                f"  {row['depth']:>2}  {row['code']:<24} {service.kind_label(row['kind']):<18} "
                + "  ".join(str(e) for e in extras)
            )
        flash, el = data["flash"], data["el"]
        out(
            _("flash test: %s")
            % (
                f"{flash['pmax_w']:.2f} W  FF {flash['ff_pct']:.2f} %  {flash['tested_at']}"
                if flash
                else "-"
            )
        )
        out(_("EL: %s") % (f"{el['stage']} {el['grade']}  {el['tested_at']}" if el else "-"))
        out(
            _("process measurements (±%(hours)s h): %(count)s")
            % {"hours": f"{data['process_window_hours']:g}", "count": len(data["process"])}
        )

    def write_forward(self, data: dict[str, Any]) -> None:
        out = self.stdout.write
        out(f"{data['code']} ({service.kind_label(data['kind'])})")
        for kind, count in data["counts"].items():
            out(f"  {service.kind_label(kind):<18} {count:>9}")
        if data["restricted"]:
            out(
                _("outside your scope (counted, not listed): %s")
                % ", ".join(f"{service.kind_label(k)} {n}" for k, n in data["restricted"].items())
            )
        first = data["offset"] + 1 if data["modules"] else 0
        out(
            _("modules %(first)s-%(last)s of %(total)s:")
            % {
                "first": first,
                "last": data["offset"] + len(data["modules"]),
                "total": data["modules_total"],
            }
        )
        for serial in data["modules"]:
            out(f"  {serial}")
        out(_("pallets: %s") % (", ".join(data["pallets"]) or "-"))
        for shipment in data["shipments"]:
            out(f"  {shipment['code']}  {shipment['customer'] or '-'}  {shipment['project'] or ''}")
        for customer in data["customers"]:
            out(f"{customer['code']} {customer['name']}: {', '.join(customer['projects']) or '-'}")

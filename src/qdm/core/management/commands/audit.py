"""``qdm audit verify``: check the hash chains of the audit trail and the domain events."""

from __future__ import annotations

import json as jsonlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.core.services.audit import chain_lengths, verify_all


class Command(BaseCommand):
    help = "Audit trail tools. 'verify' exits 0 on intact chains, 1 naming the first bad row."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, action: str, json: bool = False, **options: Any) -> None:
        problems = verify_all()
        lengths = chain_lengths()
        if json:
            self.stdout.write(
                _dumps(
                    {"ok": not problems, "rows": lengths, "problems": [str(p) for p in problems]}
                )
            )
        if problems:
            raise CommandError(
                "audit chain broken: " + "; ".join(str(p) for p in problems), returncode=1
            )
        if not json:
            counts = ", ".join(f"{name}: {n} rows" for name, n in lengths.items())
            self.stdout.write(self.style.SUCCESS(f"audit chains intact ({counts})"))


def _dumps(data: Any) -> str:
    return jsonlib.dumps(data)

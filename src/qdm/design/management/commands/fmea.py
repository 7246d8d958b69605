"""``qdm fmea lessons [--json]``: turn closed 8D/CAPA records that name an FMEA into FMEA
review tasks. Idempotent: run it daily from cron (or after closing an 8D)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from qdm.design.services.lessons import scan_closed_capas


class Command(BaseCommand):
    help = "FMEA tools. 'lessons' creates review tasks from closed 8D/CAPA records."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["lessons"])
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: Any, action: str, as_json: bool = False, **options: Any) -> None:
        result = scan_closed_capas()
        if as_json:
            payload = {
                "created": [
                    {
                        "id": t.pk,
                        "capa": t.capa.number,
                        "fmea": t.fmea_number,
                        "row": t.row,
                        "kind": t.kind,
                        "proposed_occurrence": t.proposed_occurrence,
                        "proposed_detection": t.proposed_detection,
                    }
                    for t in result.created
                ],
                "existing": result.existing,
                "unmatched": result.unmatched,
            }
            self.stdout.write(json.dumps(payload))
            return
        for task in result.created:
            self.stdout.write(f"created {task}")
        for text in result.unmatched:
            self.stderr.write(f"no FMEA row matches {text}")
        self.stdout.write(
            f"{len(result.created)} review task(s) created, {result.existing} already existed, "
            f"{len(result.unmatched)} reference(s) unmatched"
        )

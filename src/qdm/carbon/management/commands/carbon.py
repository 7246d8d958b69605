"""``qdm carbon ecs-table load FILE --version V [--official] [--source TEXT]
[--rounding-step N --rounding-mode nearest|up] [--threshold NAME=VALUE …]``: load one
version of the French simplified carbon evaluation (ECS) table from a CSV or XLSX file
(format: ``docs/carbon.md`` and ``qdm.quality.pcf_ecs``). Every error names its row and
column; nothing is stored unless the whole file is valid; a version is never overwritten.

``qdm carbon ecs-table list``: the loaded versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.carbon.models import EcsTableVersion
from qdm.carbon.services import ecs
from qdm.quality import pcf


def _threshold(text: str) -> tuple[str, float]:
    name, sep, value = text.rpartition("=")
    try:
        if not sep or not name.strip():
            raise ValueError
        return name.strip(), float(value)
    except ValueError:
        raise CommandError(
            f"--threshold {text!r}: write NAME=VALUE, e.g. 'CRE ground=550'."
        ) from None


class Command(BaseCommand):
    help = "Carbon platform tools. 'ecs-table load FILE --version V' loads an ECS table."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        # "--version" is the table version here, not Django's own version flag
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("group", choices=["ecs-table"])
        parser.add_argument("action", choices=["load", "list"])
        parser.add_argument("file", nargs="?", help="CSV or XLSX file (for 'load')")
        parser.add_argument("--version", dest="table_version", help="table version, e.g. PPE2-V2")
        parser.add_argument("--source", default="", help="document, version/date and URL")
        parser.add_argument("--official", action="store_true", help="values of the CRE text")
        parser.add_argument("--rounding-step", type=float, default=0.0)
        parser.add_argument("--rounding-mode", default="none", choices=list(pcf.ROUNDING_MODES))
        parser.add_argument("--threshold", action="append", default=[], help="NAME=VALUE")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for tv in EcsTableVersion.objects.order_by("version"):
                flag = "official" if tv.official else "not official"
                self.stdout.write(f"{tv.version}\t{tv.components} components\t{flag}\t{tv.source}")
            return
        if not options.get("file"):
            raise CommandError("Give the CSV or XLSX file to load.")
        if not options.get("table_version"):
            raise CommandError("Give the table version with --version (e.g. PPE2-V2).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        thresholds = dict(_threshold(t) for t in options["threshold"])
        try:
            tv = ecs.load_table(
                path.read_bytes(),
                path.name,
                version=options["table_version"],
                source=options["source"],
                official=options["official"],
                rounding_step=options["rounding_step"],
                rounding_mode=options["rounding_mode"],
                thresholds=thresholds,
            )
        except pcf.PcfError as exc:
            errors = getattr(exc, "errors", [str(exc)])
            raise CommandError(
                f"{path.name}: nothing loaded.\n" + "\n".join(f"  {e}" for e in errors)
            ) from exc
        self.stdout.write(
            f"ECS table {tv.version} loaded: {tv.components} components, "
            f"{len(tv.table['gwp'])} coefficients (library {tv.library})."
        )

"""``qdm ingest PATH --kind flash|el|cells|measurements [--site CODE] [--profile NAME]
[--strict] [--json] [--user USERNAME]``: ingest one tester, MES or LIMS file.

Exit status: 0 when no row was rejected, 1 when some were (they are in quarantine), 2 when
the file cannot be read (encoding, missing required columns, unknown kind, no such file).
A progress bar goes to stderr when it is a terminal and ``--json`` is not given.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qdm.data.ingest.profiles import KINDS, PROFILES
from qdm.data.ingest.service import UnreadableFile, ingest_file


class ProgressBar:
    """A one-line progress bar on a terminal stream, redrawn at most ten times a second."""

    def __init__(self, stream: Any, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.last = 0.0
        self.started = time.monotonic()

    def __call__(self, position: int, total: int, rows: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and position < total:
            return
        self.last = now
        share = min(position / total, 1.0) if total else 0.0
        filled = int(share * self.width)
        rate = rows / max(now - self.started, 1e-9)
        self.stream.write(
            "\r[{}{}] {:3.0f}% {}".format(
                "#" * filled,
                "." * (self.width - filled),
                share * 100,
                _("%(rows)s rows, %(rate)s rows/s") % {"rows": f"{rows:,}", "rate": f"{rate:,.0f}"},
            )
        )
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Ingest a CSV or XLSX file of flash tests, EL results, cell sorter results or "
        "measurements. Exit 0: all rows valid; 1: rows rejected; 2: file unreadable."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--kind", required=True, help=", ".join(KINDS))
        parser.add_argument("--site", help="site code (required unless the file has a site column)")
        parser.add_argument("--profile", help="column profile: " + ", ".join(PROFILES))
        parser.add_argument(
            "--strict", action="store_true", help="store nothing if a row is invalid"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--user", help="user name the batch is attributed to")

    def handle(self, *args: Any, **options: Any) -> None:
        from qdm.core.models import Site, User

        site = None
        if options["site"]:
            site = Site.objects.filter(code=options["site"].strip().upper()).first()
            if site is None:
                raise CommandError(
                    _("Unknown site %(code)s.") % {"code": options["site"]}, returncode=2
                )
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(
                    _("Unknown user %(name)s.") % {"name": options["user"]}, returncode=2
                )
        as_json = options["json"]
        bar = ProgressBar(sys.stderr) if not as_json and sys.stderr.isatty() else None
        try:
            summary = ingest_file(
                options["path"],
                kind=options["kind"],
                site=site,
                profile=options["profile"],
                strict=options["strict"],
                actor=actor,
                progress=bar,
            )
        except UnreadableFile as exc:
            raise CommandError(f"{exc.code}: {exc.message}", returncode=2) from exc
        finally:
            if bar is not None:
                bar.close()
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                _(
                    "Batch %(batch)s: %(rows)s rows, %(accepted)s stored, %(rejected)s rejected, "
                    "%(duplicates)s duplicates (profile %(profile)s)."
                )
                % {**summary.as_dict(), "profile": summary.profile}
            )
            for error in summary.errors[:20]:
                self.stdout.write(
                    "  " + _("row %(row)s, %(column)s: %(code)s - %(message)s") % error
                )
            if len(summary.errors) > 20:
                self.stdout.write("  " + _("… and more; see the quarantine of the batch."))
        if summary.rejected:
            raise CommandError(
                _("%(count)s rows rejected (in quarantine of batch %(batch)s).")
                % {"count": summary.rejected, "batch": summary.batch},
                returncode=1,
            )

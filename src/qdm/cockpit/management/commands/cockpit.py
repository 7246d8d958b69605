"""``qdm cockpit report --site CODE|--group --month YYYY-MM --format pdf|xlsx
--lang en|zh-hans -o FILE [--user NAME]``: write the monthly quality report of a site or of
the group.

Without ``--user`` the report is made with every site visible (an operator's command); with
it, the user's scope applies exactly as on the page (a site out of scope is refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qdm.cockpit.copq import CopqError
from qdm.cockpit.reports import FORMATS, LANGUAGES, ReportNotFound, build_report, render_report
from qdm.core.models import User


class Command(BaseCommand):
    help = "Cockpit reports. 'report' writes the monthly quality report (PDF or XLSX)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["report"])
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--site", help="site code")
        where.add_argument("--group", action="store_true", help="the whole group")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="pdf")
        parser.add_argument("--lang", choices=LANGUAGES, default="en")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument("--user", help="make the report as this user (their scope)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"--user: no user {options['user']!r}.")
        else:
            user = User(username="qdm-report", is_superuser=True, is_active=True)
        site = None if options["group"] else options["site"]
        try:
            data = build_report(user, site, options["month"], options["lang"])
            content, _ctype, _name = render_report(data, options["fmt"])
        except ReportNotFound as exc:
            raise CommandError(f"No site {exc} in scope.") from exc
        except CopqError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(options["output"])
        path.write_bytes(content)
        self.stdout.write(f"{data.title} {data.month:%Y-%m}: {path} ({len(content)} bytes)")

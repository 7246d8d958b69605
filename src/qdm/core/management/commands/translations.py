"""``qdm translations compile|check``: build the .mo catalogues (pure Python, no GNU gettext
needed) and check that every user-facing string has a Simplified Chinese translation.

``check`` extracts the strings from the code with ``makemessages`` (needs xgettext) into
the catalogue, fails on any new, untranslated or fuzzy entry, and always puts the
catalogue back as it was, so the working tree is never changed by a check.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

LANGUAGE = "zh_Hans"


def catalogue_path() -> Path:
    return Path(settings.LOCALE_PATHS[0]) / LANGUAGE / "LC_MESSAGES" / "django.po"


def problems_in(po: polib.POFile) -> list[str]:
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        where = entry.occurrences[0][0] if entry.occurrences else "?"
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r} ({where})")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                problems.append(f"untranslated plural: {entry.msgid!r} ({where})")
        elif not entry.msgstr:
            problems.append(f"untranslated: {entry.msgid!r} ({where})")
    return problems


class Command(BaseCommand):
    help = "Compile the translation catalogues, or check that they are complete."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["compile", "check", "update"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        path = catalogue_path()
        if not path.exists():
            raise CommandError(f"no catalogue at {path}")
        if action == "compile":
            for po_path in Path(settings.LOCALE_PATHS[0]).glob("*/LC_MESSAGES/*.po"):
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write("translations compiled")
            return
        if action == "update":
            self.extract()
            self.stdout.write(f"{path} updated from the code")
            return
        backup = Path(tempfile.mkdtemp()) / "django.po"
        shutil.copy2(path, backup)
        try:
            if shutil.which("xgettext"):
                self.extract()
            else:
                self.stderr.write(
                    "xgettext not found (install gettext): checking the "
                    "catalogue only, not the code's strings against it"
                )
            problems = problems_in(polib.pofile(str(path)))
        finally:
            shutil.copy2(backup, path)
        if problems:
            shown = "\n  ".join(problems[:40])
            more = f"\n  … and {len(problems) - 40} more" if len(problems) > 40 else ""
            raise CommandError(
                f"{len(problems)} strings lack a {LANGUAGE} translation "
                f"(run 'qdm translations update', translate, commit):\n  {shown}{more}"
            )
        self.stdout.write(self.style.SUCCESS("translations complete"))

    def extract(self) -> None:
        src = Path(settings.BASE_DIR)
        import os

        cwd = os.getcwd()
        os.chdir(src)
        try:
            call_command(
                "makemessages",
                locale=[LANGUAGE],
                no_obsolete=True,
                ignore_patterns=["static/*", "migrations/*"],
                verbosity=0,
                add_location="file",
            )
        finally:
            os.chdir(cwd)

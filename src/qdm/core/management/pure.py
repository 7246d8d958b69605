"""Management commands that front a pure ``qdm.quality`` CLI function.

The pure function owns argument parsing, output and exit codes (0, or 2 with a one-line
message on bad input), so the same contract holds with or without Django.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar, TextIO

from django.core.management.base import BaseCommand


class PureCommand(BaseCommand):
    # ``staticmethod(fn)`` in subclasses: a plain callable class attribute would be typed as
    # a method (its first argument taken for ``self``)
    entry: ClassVar[staticmethod[[list[str], TextIO, TextIO], int]]

    def run_from_argv(self, argv: list[str]) -> None:
        code = type(self).entry(argv[2:], sys.stdout, sys.stderr)
        sys.stdout.flush()
        sys.exit(code)

    def handle(self, *args: Any, **options: Any) -> None:  # call_command path
        code = type(self).entry(list(args), self.stdout, self.stderr)  # type: ignore[arg-type]
        if code:
            from django.core.management.base import CommandError

            raise CommandError(f"exit status {code}", returncode=code)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("args", nargs="*")

"""``qdm capability FILE --lsl L --usl U``: Cp, Cpk, Pp, Ppk, Cpm with confidence intervals."""

from qdm.core.management.pure import PureCommand
from qdm.quality.cli import capability_command


class Command(PureCommand):
    help = "Process capability study of a CSV file."
    entry = staticmethod(capability_command)

"""``qdm spc FILE --chart …``: control chart limits and run-rule violations from a CSV."""

from qdm.core.management.pure import PureCommand
from qdm.quality.cli import spc_command


class Command(PureCommand):
    help = "Control chart (X̄-R, X̄-S, I-MR, p, np, c, u, EWMA, CUSUM) from a CSV file."
    entry = staticmethod(spc_command)

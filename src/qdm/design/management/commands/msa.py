"""``qdm msa FILE [--tolerance T] [--method anova|xbar-r] [--json]``: gauge R&R study."""

from qdm.core.management.pure import PureCommand
from qdm.quality.msa import msa_command


class Command(PureCommand):
    help = "Gauge R&R (AIAG MSA 4th ed.) by ANOVA or average and range from a CSV study."
    entry = staticmethod(msa_command)

"""``qdm sampling --lot-size N --aql A``: the ISO 2859-1 single sampling plan."""

from qdm.core.management.pure import PureCommand
from qdm.quality.sampling import sampling_command


class Command(PureCommand):
    help = "ISO 2859-1 single sampling plan for a lot size, AQL, level and severity."
    entry = staticmethod(sampling_command)

"""``qdm weibull FILE [--method mle|rr] [--json]``: Weibull fit of field life data."""

from qdm.core.management.pure import PureCommand
from qdm.quality.weibull_cli import weibull_command


class Command(PureCommand):
    help = "2-parameter Weibull (MLE or rank regression) of right-censored life data in a CSV."
    entry = staticmethod(weibull_command)

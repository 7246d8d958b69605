"""``qdm fmea-ap --severity S --occurrence O --detection D``: AIAG-VDA action priority."""

from qdm.core.management.pure import PureCommand
from qdm.quality.fmea import fmea_ap_command


class Command(PureCommand):
    help = "AIAG-VDA FMEA action priority (H/M/L) and RPN for one S/O/D rating."
    entry = staticmethod(fmea_ap_command)

from qdm.design.models.fmea import Fmea, FmeaItem

__all__ = ["Fmea", "FmeaItem"]

from qdm.system.models.nonconformity import Nonconformity

__all__ = ["Nonconformity"]

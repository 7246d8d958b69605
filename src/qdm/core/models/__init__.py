"""Kernel models, one module per aggregate."""

from qdm.core.models.audit import AuditLogEntry, ChainHead, DomainEvent
from qdm.core.models.kernel import Attachment, ElectronicSignature, NumberSequence
from qdm.core.models.notifications import Notification, NotificationChannel, NotificationDelivery
from qdm.core.models.organisation import (
    BusinessUnit,
    Customer,
    Enterprise,
    Line,
    Site,
    Station,
    Supplier,
    Workshop,
)
from qdm.core.models.schedule import ScheduledRun
from qdm.core.models.users import Grant, User

__all__ = [
    "Attachment",
    "AuditLogEntry",
    "BusinessUnit",
    "ChainHead",
    "Customer",
    "DomainEvent",
    "ElectronicSignature",
    "Enterprise",
    "Grant",
    "Line",
    "Notification",
    "NotificationChannel",
    "NotificationDelivery",
    "NumberSequence",
    "ScheduledRun",
    "Site",
    "Station",
    "Supplier",
    "User",
    "Workshop",
]

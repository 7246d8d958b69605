"""The kernel's models wired to the generic views."""

from __future__ import annotations

from qdm.core import filtersets, forms, tables
from qdm.core.models import (
    Customer,
    DomainEvent,
    Grant,
    Line,
    NotificationChannel,
    NotificationDelivery,
    ScheduledRun,
    Site,
    Station,
    Supplier,
    Workshop,
)
from qdm.core.views.generic import ModelUI

MODEL_UIS = [
    ModelUI(Site, tables.SiteTable, filtersets.SiteFilterSet, forms.SiteForm),
    ModelUI(Workshop, tables.WorkshopTable, filtersets.WorkshopFilterSet, forms.WorkshopForm),
    ModelUI(Line, tables.LineTable, filtersets.LineFilterSet, forms.LineForm),
    ModelUI(Station, tables.StationTable, filtersets.StationFilterSet, forms.StationForm),
    ModelUI(Supplier, tables.SupplierTable, filtersets.SupplierFilterSet, forms.SupplierForm),
    ModelUI(Customer, tables.CustomerTable, filtersets.CustomerFilterSet, forms.CustomerForm),
    ModelUI(Grant, tables.GrantTable, filtersets.GrantFilterSet, forms.GrantForm),
    ModelUI(
        NotificationChannel,
        tables.NotificationChannelTable,
        filtersets.NotificationChannelFilterSet,
        forms.NotificationChannelForm,
        detail_fields=("name", "kind", "site", "webhook_url", "email_to", "active"),
    ),
    ModelUI(
        NotificationDelivery,
        tables.NotificationDeliveryTable,
        filtersets.NotificationDeliveryFilterSet,
        detail_template="core/notificationdelivery_detail.html",
    ),
    ModelUI(DomainEvent, tables.DomainEventTable, filtersets.DomainEventFilterSet),
    ModelUI(
        ScheduledRun,
        tables.ScheduledRunTable,
        filtersets.ScheduledRunFilterSet,
        detail_fields=tables.ScheduledRunTable.Meta.fields,  # the output has its own card
        detail_template="core/scheduledrun_detail.html",
    ),
]

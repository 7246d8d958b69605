"""Lists of the kernel's models (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

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


class BaseTable(tables.Table):
    class Meta:
        # sorting and paging links swap the table in place (hx-boost on the card); links
        # to records in the body are ordinary navigations
        attrs = {
            "class": "table table-vcenter card-table table-striped",
            "tbody": {"hx-boost": "false"},
        }
        template_name = "django_tables2/bootstrap5.html"


def named(model: type, extra: tuple[str, ...]) -> type[tables.Table]:
    """A table for a NamedModel: code (linked), both names, then ``extra`` columns."""

    class Meta(BaseTable.Meta):
        pass

    Meta.model = model  # type: ignore[attr-defined]
    Meta.fields = ("code", "name", "name_en", *extra)  # type: ignore[attr-defined]
    attrs = {"Meta": Meta, "code": tables.Column(linkify=True, verbose_name=_("Code"))}
    return type(f"{model.__name__}Table", (BaseTable,), attrs)


SiteTable = named(Site, ("business_unit", "country", "timezone", "capacity_gw", "active"))
WorkshopTable = named(Workshop, ("site", "stage"))
LineTable = named(Line, ("workshop", "capacity_per_day", "active"))
StationTable = named(Station, ("line", "equipment_id"))
SupplierTable = named(Supplier, ("country", "active"))
CustomerTable = named(Customer, ("country", "active"))


class GrantTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name="#")

    class Meta(BaseTable.Meta):
        model = Grant
        fields = ("id", "user", "role", "site", "supplier", "customer", "created")


class NotificationChannelTable(BaseTable):
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = NotificationChannel
        fields = ("name", "kind", "site", "active")


class NotificationDeliveryTable(BaseTable):
    title = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = NotificationDelivery
        fields = (
            "title",
            "channel",
            "recipient",
            "status",
            "attempts",
            "last_error",
            "created",
            "sent_at",
        )


class DomainEventTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = DomainEvent
        fields = ("seq", "occurred_at", "actor", "verb", "object_repr", "site", "message")


class ScheduledRunTable(BaseTable):
    job = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ScheduledRun
        fields = (
            "job",
            "due_on",
            "trigger",
            "status",
            "requested_by",
            "queued_at",
            "started_at",
            "finished_at",
        )

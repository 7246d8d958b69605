"""Filter sets shared by the UI lists and the API (one FilterSet serves both)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import ChannelKind, DeliveryStatus, ProcessStage, RunStatus, RunTrigger
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


def yes_no_filter(label: Any, field_name: str = "active") -> django_filters.BooleanFilter:
    """A yes/no filter whose empty choice reads "Any" (not Django's "Unknown")."""
    choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
    return django_filters.BooleanFilter(
        field_name=field_name, label=label, widget=forms.Select(choices=choices)
    )


class ScopedFilterSet(django_filters.FilterSet):
    """Adds a free-text ``q`` and limits related-object choices to the user's scope."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    search_fields: tuple[str, ...] = ("code", "name", "name_en")

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        for flt in self.filters.values():
            queryset = flt.extra.get("queryset")
            if user is not None and queryset is not None and hasattr(queryset, "for_user"):
                flt.extra["queryset"] = queryset.for_user(user, "view")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        q = Q()
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": value})
        return queryset.filter(q)


class SiteFilterSet(ScopedFilterSet):
    active = yes_no_filter(_("Active"))
    country = django_filters.CharFilter(lookup_expr="iexact", label=_("Country"))

    class Meta:
        model = Site
        fields = ["business_unit", "country", "active"]


class WorkshopFilterSet(ScopedFilterSet):
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    stage = django_filters.ChoiceFilter(choices=ProcessStage.choices, label=_("Process stage"))

    class Meta:
        model = Workshop
        fields = ["site", "stage"]


class LineFilterSet(ScopedFilterSet):
    active = yes_no_filter(_("Active"))
    site = django_filters.ModelChoiceFilter(
        queryset=Site.objects.all(), field_name="workshop__site", label=_("Site")
    )
    stage = django_filters.ChoiceFilter(
        choices=ProcessStage.choices, field_name="workshop__stage", label=_("Process stage")
    )

    class Meta:
        model = Line
        fields = ["site", "workshop", "stage", "active"]


class StationFilterSet(ScopedFilterSet):
    site = django_filters.ModelChoiceFilter(
        queryset=Site.objects.all(), field_name="line__workshop__site", label=_("Site")
    )

    class Meta:
        model = Station
        fields = ["site", "line"]


class SupplierFilterSet(ScopedFilterSet):
    active = yes_no_filter(_("Active"))
    country = django_filters.CharFilter(lookup_expr="iexact", label=_("Country"))

    class Meta:
        model = Supplier
        fields = ["country", "active"]


class CustomerFilterSet(ScopedFilterSet):
    active = yes_no_filter(_("Active"))
    country = django_filters.CharFilter(lookup_expr="iexact", label=_("Country"))

    class Meta:
        model = Customer
        fields = ["country", "active"]


class GrantFilterSet(ScopedFilterSet):
    search_fields = ("user__username", "user__first_name", "user__last_name", "role__name")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))

    class Meta:
        model = Grant
        fields = ["role", "site", "supplier", "customer"]


class NotificationChannelFilterSet(ScopedFilterSet):
    active = yes_no_filter(_("Active"))
    search_fields = ("name",)
    kind = django_filters.ChoiceFilter(choices=ChannelKind.choices, label=_("Kind"))

    class Meta:
        model = NotificationChannel
        fields = ["kind", "site", "active"]


class NotificationDeliveryFilterSet(ScopedFilterSet):
    search_fields = ("title", "last_error")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices, label=_("Status"))

    class Meta:
        model = NotificationDelivery
        fields = ["status", "channel", "site"]


class DomainEventFilterSet(ScopedFilterSet):
    search_fields = ("verb", "object_repr", "message")

    class Meta:
        model = DomainEvent
        fields = ["verb", "site"]


class ScheduledRunFilterSet(ScopedFilterSet):
    search_fields = ("job", "output")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, label=_("Status"))
    trigger = django_filters.ChoiceFilter(choices=RunTrigger.choices, label=_("Trigger"))

    class Meta:
        model = ScheduledRun
        fields = ["job", "status", "trigger", "due_on"]

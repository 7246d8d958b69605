"""Generic pages of the alert rules (list with filters and export, detail with history,
create, edit, delete) — the rules are changed through ``qdm.cockpit.alerts.save_rule``."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.utils.translation import gettext_lazy as _

from qdm.cockpit.alerts import save_rule
from qdm.cockpit.models import AlertKind, AlertRule
from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site
from qdm.core.roles import ROLES
from qdm.core.tables import BaseTable
from qdm.core.views.generic import ModelUI


def role_choices() -> list[tuple[str, Any]]:
    return [(code, spec["label"]) for code, spec in ROLES.items()]


class AlertRuleForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("roles to notify"),
        choices=role_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AlertRule
        fields = [
            "kind",
            "enabled",
            "site",
            "roles",
            "parameters",
            "notify_owner",
            "notify_email",
            "notify_channels",
        ]

    def clean_parameters(self) -> Any:
        """A blank field is no parameter (the kind's defaults)."""
        value = self.cleaned_data.get("parameters")
        return {} if value in (None, "") else value


class AlertRuleTable(BaseTable):
    kind = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = AlertRule
        fields = ("kind", "enabled", "site", "roles", "parameters", "notify_email")


class AlertRuleFilterSet(ScopedFilterSet):
    search_fields = ("kind",)
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices, label=_("kind"))
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))

    class Meta:
        model = AlertRule
        fields = ["kind", "enabled", "site"]


def _save(form: Any, user: Any) -> Any:
    instance = form.instance if form.instance.pk else None
    return save_rule(instance, actor=user, **form.cleaned_data)


ALERT_UIS = [ModelUI(AlertRule, AlertRuleTable, AlertRuleFilterSet, AlertRuleForm, saver=_save)]

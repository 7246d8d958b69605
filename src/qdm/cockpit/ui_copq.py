"""UI of the quality-loss master data: standard costs, quality cost records (with their XLSX
import), exchange rates and site revenues — the generic list / detail / edit pages."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from qdm.cockpit.copq import (
    CopqImportError,
    import_cost_records,
    save_cost_record,
    save_exchange_rate,
    save_revenue,
    save_standard_cost,
)
from qdm.cockpit.models_copq import (
    CostCategory,
    CostItemKind,
    ExchangeRate,
    QualityCostRecord,
    SiteRevenue,
    StandardCost,
)
from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site
from qdm.core.tables import BaseTable
from qdm.core.views.generic import ModelUI

DATE = forms.DateInput(attrs={"type": "date"})


def _saver(service: Any) -> Any:
    def save(form: Any, user: Any) -> Any:
        instance = form.instance if form.instance.pk else None
        return service(instance, actor=user, **form.cleaned_data)

    return save


def _ref() -> tables.Column:
    return tables.Column(
        verbose_name=_("reference"),
        accessor="code",
        orderable=False,
        linkify=lambda record: record.get_absolute_url(),
    )


# --- standard costs ---------------------------------------------------------------------------


class StandardCostForm(forms.ModelForm):
    class Meta:
        model = StandardCost
        fields = [
            "site",
            "kind",
            "material",
            "module_model",
            "currency",
            "unit_cost",
            "rework_cost",
            "downgrade_loss",
            "valid_from",
            "valid_to",
        ]
        widgets = {"valid_from": DATE, "valid_to": DATE}


class StandardCostTable(BaseTable):
    reference = _ref()

    class Meta(BaseTable.Meta):
        model = StandardCost
        fields = (
            "reference",
            "site",
            "kind",
            "currency",
            "unit_cost",
            "rework_cost",
            "downgrade_loss",
            "valid_from",
            "valid_to",
        )


class StandardCostFilterSet(ScopedFilterSet):
    search_fields = ("material__code", "module_model__code", "site__code")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    kind = django_filters.ChoiceFilter(choices=CostItemKind.choices, label=_("item kind"))

    class Meta:
        model = StandardCost
        fields = ["site", "kind", "currency"]


# --- quality cost records ----------------------------------------------------------------------


class QualityCostRecordForm(forms.ModelForm):
    class Meta:
        model = QualityCostRecord
        fields = ["site", "month", "category", "amount", "currency", "description"]
        widgets = {"month": DATE}


class QualityCostRecordTable(BaseTable):
    reference = _ref()

    class Meta(BaseTable.Meta):
        model = QualityCostRecord
        fields = ("reference", "site", "month", "category", "amount", "currency", "description")


class QualityCostRecordFilterSet(ScopedFilterSet):
    search_fields = ("description", "site__code")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    category = django_filters.ChoiceFilter(choices=CostCategory.choices, label=_("category"))
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte", label=_("from"))
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte", label=_("to"))

    class Meta:
        model = QualityCostRecord
        fields = ["site", "category", "currency"]


# --- exchange rates and revenues -------------------------------------------------------------


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["site", "currency", "to_currency", "rate", "valid_from"]
        widgets = {"valid_from": DATE}


class ExchangeRateTable(BaseTable):
    reference = _ref()

    class Meta(BaseTable.Meta):
        model = ExchangeRate
        fields = ("reference", "site", "currency", "to_currency", "rate", "valid_from")


class ExchangeRateFilterSet(ScopedFilterSet):
    search_fields = ("currency", "to_currency")

    class Meta:
        model = ExchangeRate
        fields = ["currency", "to_currency"]


class SiteRevenueForm(forms.ModelForm):
    class Meta:
        model = SiteRevenue
        fields = ["site", "month", "amount", "currency"]
        widgets = {"month": DATE}


class SiteRevenueTable(BaseTable):
    reference = _ref()

    class Meta(BaseTable.Meta):
        model = SiteRevenue
        fields = ("reference", "site", "month", "amount", "currency")


class SiteRevenueFilterSet(ScopedFilterSet):
    search_fields = ("site__code",)
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))

    class Meta:
        model = SiteRevenue
        fields = ["site", "currency"]


COPQ_UIS = [
    ModelUI(
        StandardCost,
        StandardCostTable,
        StandardCostFilterSet,
        StandardCostForm,
        saver=_saver(save_standard_cost),
    ),
    ModelUI(
        QualityCostRecord,
        QualityCostRecordTable,
        QualityCostRecordFilterSet,
        QualityCostRecordForm,
        saver=_saver(save_cost_record),
    ),
    ModelUI(
        ExchangeRate,
        ExchangeRateTable,
        ExchangeRateFilterSet,
        ExchangeRateForm,
        saver=_saver(save_exchange_rate),
    ),
    ModelUI(
        SiteRevenue,
        SiteRevenueTable,
        SiteRevenueFilterSet,
        SiteRevenueForm,
        saver=_saver(save_revenue),
    ),
]


# --- XLSX import of quality cost records -------------------------------------------------------


class CostImportForm(forms.Form):
    file = forms.FileField(
        label=_("XLSX file"),
        help_text=_(
            "First row: site, month, category, amount, currency, description. Month as "
            "YYYY-MM; category as its code or English name."
        ),
    )


class CostImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Upload quality cost records from XLSX: every row or none, each problem with its row."""

    permission_required = "cockpit.add_qualitycostrecord"
    template_name = "cockpit/copq_import.html"
    form_class = CostImportForm

    def form_valid(self, form: CostImportForm) -> Any:
        try:
            created = import_cost_records(form.cleaned_data["file"], actor=self.request.user)
        except CopqImportError as exc:
            return self.render_to_context(form, problems=exc.problems, status=400)
        return self.render_to_context(CostImportForm(), created=created)

    def render_to_context(self, form: Any, status: int = 200, **extra: Any) -> Any:
        return self.render_to_response(self.get_context_data(form=form, **extra), status=status)

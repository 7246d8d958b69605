"""Customer satisfaction and complaint ppm: one page with the survey summary, the ppm per
month of receipt and the ppm per cohort (month of shipment or production)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View

from qdm.core.models import Customer
from qdm.core.views.generic import style_form
from qdm.service.services import satisfaction


class SatisfactionFilter(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, label=_("Customer")
    )
    basis = forms.ChoiceField(
        choices=[("shipment", _("Month of shipment")), ("production", _("Month of production"))],
        required=False,
        label=_("Cohort"),
    )


class SatisfactionView(LoginRequiredMixin, View):
    template_name = "service/satisfaction.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.has_perm("service.view_satisfactionsurvey"):
            raise PermissionDenied
        form = SatisfactionFilter(request.GET or None)
        customers = cast(forms.ModelChoiceField, form.fields["customer"])
        customers.queryset = Customer.objects.for_user(user, "view")
        style_form(form)
        customer, basis = None, "shipment"
        if form.is_bound:
            if not form.is_valid():
                return render(request, self.template_name, {"form": form}, status=400)
            customer = form.cleaned_data.get("customer")
            basis = form.cleaned_data.get("basis") or "shipment"
        context: dict[str, Any] = {
            "form": form,
            "basis": basis,
            "surveys": satisfaction.survey_summary(user, customer),
            "show_ppm": user.has_perm("data.view_unit"),
        }
        if context["show_ppm"]:
            tables = satisfaction.complaint_ppm(user, customer)
            period = [r.as_dict() for r in tables["period"]]
            cohort = [r.as_dict() for r in tables[basis]]
            context.update(
                period=period,
                cohort=cohort,
                chart={
                    "period": {
                        "keys": [r["key"] for r in period],
                        "shipped": [r["shipped"] for r in period],
                        "ppm": [r["ppm"] for r in period],
                    },
                    "cohort": {
                        "keys": [r["key"] for r in cohort],
                        "shipped": [r["shipped"] for r in cohort],
                        "ppm": [r["ppm"] for r in cohort],
                    },
                },
            )
        return render(request, self.template_name, context)


class WeibullForm(forms.Form):
    cohort = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        label=_("Production month"),
        error_messages={"invalid": _("Write the production month as 2026-03.")},
    )
    method = forms.ChoiceField(
        choices=[("mle", _("Maximum likelihood")), ("rr", _("Rank regression"))],
        required=False,
        label=_("Method"),
    )
    as_of = forms.DateField(
        required=False,
        label=_("Analysis date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class FieldReliabilityView(LoginRequiredMixin, View):
    """Weibull per production cohort from the returns: the fit of every cohort, and for the
    chosen one the probability plot and the 12-month returns forecast."""

    template_name = "service/field_reliability.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        from django.utils import timezone

        from qdm.service.services import field_reliability as fr

        user = request.user
        if not (user.has_perm("service.view_returnedmodule") and user.has_perm("data.view_unit")):
            raise PermissionDenied
        form = style_form(WeibullForm(request.GET or None))
        if form.is_bound and not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        values = form.cleaned_data if form.is_bound else {}
        method = values.get("method") or "mle"
        as_of = values.get("as_of") or timezone.localdate()
        cohorts = fr.cohort_data(user, as_of)
        results = [fr.analyse(d, method) for d in cohorts.values()]
        chosen = values.get("cohort") or next(
            (r.data.cohort for r in reversed(results) if r.fit is not None), ""
        )
        context: dict[str, Any] = {
            "form": form,
            "results": results,
            "method": method,
            "as_of": as_of,
            "chosen": chosen,
        }
        if chosen and chosen not in cohorts:
            context["error"] = _("No shipped modules were produced in %(cohort)s.") % {
                "cohort": chosen
            }
        elif chosen:
            detail = fr.analyse(cohorts[chosen], method, detail=True)
            context["detail"] = detail
            if detail.fit is not None:
                context["chart"] = {
                    "plot": detail.plot,
                    "forecast": detail.forecast.expected if detail.forecast else [],
                }
        return render(request, self.template_name, context)


urlpatterns = [
    path("satisfaction/", SatisfactionView.as_view(), name="satisfaction"),
    path("field-reliability/", FieldReliabilityView.as_view(), name="field_reliability"),
]

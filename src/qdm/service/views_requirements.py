"""The customer-requirements check: the modules packed in a pallet or shipment against the
requirements of its customer in force on a date (read-only over the genealogy)."""

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
from qdm.data.models import Unit
from qdm.service.services.requirements import RequirementCheckError, check_unit


class CheckForm(forms.Form):
    code = forms.CharField(
        label=_("Pallet or shipment"), max_length=60, help_text=_("e.g. PAL-JX1-260312-0042")
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        label=_("Customer"),
        help_text=_("Only for a pallet not yet in a shipment."),
    )
    on_date = forms.DateField(
        required=False, label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RequirementCheckView(LoginRequiredMixin, View):
    template_name = "service/requirement_check.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (
            user.has_perm("service.view_customerrequirement") and user.has_perm("data.view_unit")
        ):
            raise PermissionDenied
        form = CheckForm(request.GET or None)
        customers = cast(forms.ModelChoiceField, form.fields["customer"])
        customers.queryset = Customer.objects.for_user(user, "view")
        style_form(form)
        context: dict[str, Any] = {"form": form}
        if not form.is_bound:
            return render(request, self.template_name, context)
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        code = form.cleaned_data["code"].strip()
        unit = Unit.objects.for_user(user, "view").filter(code=code).first()
        if unit is None:
            context["error"] = _("No pallet or shipment %(code)s.") % {"code": code}
            return render(request, self.template_name, context, status=404)
        try:
            result = check_unit(
                unit,
                customer=form.cleaned_data.get("customer"),
                on_date=form.cleaned_data.get("on_date"),
            )
        except RequirementCheckError as exc:
            context["error"] = str(exc)
            return render(request, self.template_name, context, status=400)
        if result.requirement is not None and not user.has_perm(
            "service.view_customerrequirement", result.requirement
        ):
            raise PermissionDenied
        context["result"] = result
        return render(request, self.template_name, context)


urlpatterns = [
    path("requirements/check/", RequirementCheckView.as_view(), name="requirement_check"),
]

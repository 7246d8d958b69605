"""The gate-review page of an APQP gate: the deliverables with their computed states and the
signed decision (pass / conditional / fail) through ``services.apqp.review_gate``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from qdm.core.views.generic import get_scoped_object, style_form
from qdm.design.models import ApqpGate
from qdm.design.models.apqp import GateDecision
from qdm.design.services.apqp import gate_deliverables, review_gate


class GateReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=GateDecision.choices, label=gettext_lazy("Decision"))
    comments = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Comments")
    )
    conditions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Conditions"),
        help_text=gettext_lazy("Conditional pass: what must still be done."),
    )
    conditions_due = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=gettext_lazy("Conditions due"),
    )
    password = forms.CharField(widget=forms.PasswordInput, label=gettext_lazy("Password"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("What your electronic signature on this decision means."),
    )


class GateReviewView(LoginRequiredMixin, View):
    """GET: the gate's deliverables and the review form; POST: the signed decision."""

    def render_page(self, request: HttpRequest, gate: ApqpGate, form: Any, status: int = 200):
        context = {
            "object": gate,
            "rows": gate_deliverables(gate, request.user),
            "form": style_form(form),
        }
        return render(request, "design/apqp/gate_review.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        gate = get_scoped_object(ApqpGate, request.user, "change", pk)
        return self.render_page(request, gate, GateReviewForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        gate = get_scoped_object(ApqpGate, request.user, "change", pk)
        form = GateReviewForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, gate, form, status=400)
        try:
            review = review_gate(gate, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return self.render_page(request, gate, form, status=400)
        messages.success(
            request,
            _("Gate %(gate)s: %(decision)s (signed).")
            % {"gate": gate, "decision": review.get_decision_display()},
        )
        return HttpResponseRedirect(gate.project.get_absolute_url())


urlpatterns = [
    path("apqp-gates/<int:pk>/review/", GateReviewView.as_view(), name="apqpgate_review"),
]

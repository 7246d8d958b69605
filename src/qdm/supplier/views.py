"""Pages of the supplier platform beyond the generic lists and details: receiving a lot,
origin declarations, SCAR answer and review, switching approvals, and the supplier
portal's landing page. Every object is read through the scoped queryset (404 outside)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.views.generic import (
    ScopeViolation,
    assert_in_scope,
    get_scoped_object,
    restrict_form_choices,
    style_form,
)
from qdm.supplier import forms
from qdm.supplier.models import (
    Certificate,
    Receipt,
    ScarRequest,
    Scorecard,
    SwitchingState,
)
from qdm.supplier.services import receipts as receipt_service
from qdm.supplier.services import scar as scar_service
from qdm.supplier.services import switching as switching_service


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


class ReceiveView(LoginRequiredMixin, View):
    """Receive a lot from a supplier: opens its IQC lot under the switching severity."""

    def form(self, data: Any = None) -> forms.ReceiptForm:
        form = forms.ReceiptForm(data=data, initial={"received_at": timezone.now()})
        restrict_form_choices(form, self.request.user)
        return style_form(form)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("supplier.add_receipt"):
            raise PermissionDenied
        return render(request, "supplier/receive.html", {"form": self.form()})

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("supplier.add_receipt"):
            raise PermissionDenied
        form = self.form(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    receipt = receipt_service.receive_material(
                        actor=request.user, **form.cleaned_data
                    )
                    # re-check the scope inside the transaction (a site the user may
                    # not receive at rolls everything back)
                    assert_in_scope(receipt, request.user, "add")
            except ScopeViolation:
                form.add_error("site", _("You may not receive material at this site."))
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("%(number)s received: IQC on %(severity)s, sample %(n)s.")
                    % {
                        "number": receipt.number,
                        "severity": receipt.get_severity_display(),
                        "n": receipt.sample_size,
                    },
                )
                return HttpResponseRedirect(receipt.get_absolute_url())
        return render(request, "supplier/receive.html", {"form": form}, status=400)


class ReceiptOriginView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        receipt = get_scoped_object(Receipt, request.user, "change", pk)
        form = forms.OriginForm(request.POST)
        if not form.is_valid():
            messages.error(request, forms.form_errors(form))
        else:
            try:
                receipt_service.declare_origin(receipt, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Origin declared."))
            except ValidationError as exc:
                _error(request, exc)
        return HttpResponseRedirect(receipt.get_absolute_url())


class ReceiptCoaView(LoginRequiredMixin, View):
    """The supplier uploads the certificate of analysis of a receipt (pasted rows)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from qdm.supplier.services.coa import upload_coa

        receipt = get_scoped_object(Receipt, request.user, "view", pk)
        try:
            saved = upload_coa(receipt, actor=request.user, text=request.POST.get("coa", ""))
            messages.success(request, _("%(count)s COA values saved.") % {"count": len(saved)})
        except ValidationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(receipt.get_absolute_url())


class ReceiptCoaFileView(LoginRequiredMixin, View):
    """The supplier uploads the COA of a receipt as a CSV or XLSX file (all or nothing)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from qdm.supplier.services.coa_files import upload_coa_file

        receipt = get_scoped_object(Receipt, request.user, "view", pk)
        try:
            saved = upload_coa_file(receipt, actor=request.user, upload=request.FILES.get("file"))
            messages.success(request, _("%(count)s COA values saved.") % {"count": len(saved)})
        except ValidationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(receipt.get_absolute_url())


class ReceiptScarView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        receipt = get_scoped_object(Receipt, request.user, "view", pk)
        try:
            scar = scar_service.raise_scar_for_receipt(receipt, actor=request.user)
        except ValidationError as exc:
            _error(request, exc)
            return HttpResponseRedirect(receipt.get_absolute_url())
        messages.success(request, _("SCAR %(number)s raised.") % {"number": scar.capa.number})
        return HttpResponseRedirect(scar.get_absolute_url())


class ScarAnswerView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        scar = get_scoped_object(ScarRequest, request.user, "view", pk)
        form = forms.ScarAnswerForm(request.POST)
        if not form.is_valid():
            messages.error(request, forms.form_errors(form))
            return HttpResponseRedirect(scar.get_absolute_url())
        data = form.cleaned_data
        whys = tuple(data.pop(f"why_{i}") for i in (1, 2, 3))
        try:
            scar_service.answer_scar(scar, actor=request.user, whys=whys, **data)
            messages.success(request, _("Response submitted for review."))
        except ValidationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(scar.get_absolute_url())


class ScarReviewView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        scar = get_scoped_object(ScarRequest, request.user, "view", pk)
        form = forms.ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, forms.form_errors(form))
            return HttpResponseRedirect(scar.get_absolute_url())
        data = form.cleaned_data
        try:
            scar_service.review_scar(
                scar,
                actor=request.user,
                accept=data["decision"] == "accept",
                comment=data["comment"],
                password=data["password"],
                reason=data["comment"] or _("SCAR response reviewed"),
            )
            messages.success(request, _("Review recorded."))
        except ValidationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(scar.get_absolute_url())


class SwitchingDecisionView(LoginRequiredMixin, View):
    """Approve reduced inspection or resume a discontinued one (e-signed)."""

    decision = "approve"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        state = get_scoped_object(SwitchingState, request.user, "view", pk)
        form = forms.SignForm(request.POST)
        if not form.is_valid():
            messages.error(request, forms.form_errors(form))
            return HttpResponseRedirect(state.get_absolute_url())
        service = (
            switching_service.approve_reduced
            if self.decision == "approve"
            else switching_service.resume
        )
        try:
            service(state, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Decision signed and recorded."))
        except ValidationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(state.get_absolute_url())


class PortalView(LoginRequiredMixin, View):
    """The supplier's landing page: their open SCARs, receipts and results, scorecards and
    certificates (an internal user sees the same page over everything in their scope)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.has_perm("supplier.view_receipt"):
            raise PermissionDenied
        from qdm.system.models import Nonconformity

        receipts = Receipt.objects.for_user(user, "view").select_related("material", "site")
        context = {
            "scars": ScarRequest.objects.for_user(user, "view")
            .exclude(response_status="accepted")
            .select_related("capa")[:20],
            "receipts": receipts[:20],
            "rejected_count": receipts.filter(status="rejected").count(),
            "receipt_count": receipts.count(),
            "origin_missing": [r for r in receipts[:200] if r.needs_origin and not r.origin_lot],
            "nonconformities": Nonconformity.objects.for_user(user, "view")
            .filter(supplier__isnull=False)
            .order_by("-raised_at")[:10],
            "scorecards": Scorecard.objects.for_user(user, "view").select_related(
                "supplier", "category"
            )[:12],
            "certificates": Certificate.objects.for_user(user, "view").select_related("supplier")[
                :20
            ],
            "can_upload": user.has_perm("supplier.add_certificate"),
        }
        return render(request, "supplier/portal.html", context)


urlpatterns = [
    path("portal/", PortalView.as_view(), name="portal"),
    path("receipts/receive/", ReceiveView.as_view(), name="receive"),
    path("receipts/<int:pk>/origin/", ReceiptOriginView.as_view(), name="receipt_origin"),
    path("receipts/<int:pk>/scar/", ReceiptScarView.as_view(), name="receipt_scar"),
    path("receipts/<int:pk>/coa/", ReceiptCoaView.as_view(), name="receipt_coa"),
    path("receipts/<int:pk>/coa-file/", ReceiptCoaFileView.as_view(), name="receipt_coa_file"),
    path("scars/<int:pk>/answer/", ScarAnswerView.as_view(), name="scar_answer"),
    path("scars/<int:pk>/review/", ScarReviewView.as_view(), name="scar_review"),
    path(
        "switching-states/<int:pk>/approve-reduced/",
        SwitchingDecisionView.as_view(decision="approve"),
        name="switching_approve",
    ),
    path(
        "switching-states/<int:pk>/resume/",
        SwitchingDecisionView.as_view(decision="resume"),
        name="switching_resume",
    ),
]


def portal_url() -> str:
    return reverse("supplier:portal")

"""Pages of the system platform beyond the generic ones: the mobile "raise a nonconformity"
form, "open a CAPA/8D from this NC", the 8D report export and the read-and-understood
acknowledgement."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from qdm.core.models import Customer, Site
from qdm.core.services.attachments import AttachmentError, add_attachment
from qdm.core.views.generic import (
    ScopeViolation,
    assert_in_scope,
    get_scoped_object,
    style_form,
)
from qdm.system.choices import CapaKind, NonconformitySource
from qdm.system.exports import eightd_workbook
from qdm.system.forms import NonconformityReportForm
from qdm.system.models import DocumentRevision, EightD, Nonconformity
from qdm.system.services.capa import open_capa_from_nc
from qdm.system.services.documents import acknowledge
from qdm.system.services.nonconformity import raise_nonconformity

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


class NonconformityReportView(LoginRequiredMixin, View):
    """A one-column form any employee with the add permission can use on a phone."""

    template_name = "system/nonconformity_report.html"

    def form(self, data: Any = None, files: Any = None) -> NonconformityReportForm:
        if not self.request.user.has_perm("system.add_nonconformity"):
            raise PermissionDenied
        form = NonconformityReportForm(data=data, files=files)
        sites = cast(forms.ModelChoiceField, form.fields["site"])
        sites.queryset = sites_where(self.request.user, "add")
        if sites.queryset.count() == 1:
            sites.initial = sites.queryset.first()
        return style_form(form)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self.form()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            photo = data.pop("photo", None)
            try:
                with transaction.atomic():
                    nc = raise_nonconformity(
                        actor=request.user, source=NonconformitySource.EMPLOYEE, **data
                    )
                    assert_in_scope(nc, request.user, "add")
                    if photo:
                        add_attachment(nc, photo, actor=request.user, description=_("Photo"))
            except ScopeViolation:
                form.add_error("site", _("You may not raise nonconformities at this site."))
            except AttachmentError as exc:
                form.add_error("photo", str(exc.message))
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(
                    request, _("Thank you: %(number)s was raised.") % {"number": nc.number}
                )
                return HttpResponseRedirect(nc.get_absolute_url())
        return render(request, self.template_name, {"form": form}, status=400)


def sites_where(user: Any, action: str) -> Any:
    """The sites where ``user`` may ``action`` nonconformities."""
    from qdm.core.querysets import permitted_site_ids

    ids = permitted_site_ids(user, f"system.{action}_nonconformity")
    return Site.objects.all() if ids is None else Site.objects.filter(pk__in=ids)


class OpenCapaView(LoginRequiredMixin, View):
    """POST: open a CAPA / SCAR / 8D from a nonconformity the user can see."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc = get_scoped_object(Nonconformity, request.user, "view", pk)
        if not request.user.has_perm("system.add_eightd"):
            raise PermissionDenied
        kind = request.POST.get("kind") or None
        if kind is not None and kind not in CapaKind.values:
            messages.error(request, _("Unknown kind of CAPA."))
            return HttpResponseRedirect(nc.get_absolute_url())
        customer = None
        if request.POST.get("customer"):
            customer = (
                Customer.objects.for_user(request.user, "view")
                .filter(pk=request.POST["customer"])
                .first()
            )
        try:
            with transaction.atomic():
                capa = open_capa_from_nc(
                    nc, actor=request.user, kind=kind, customer=customer, champion=request.user
                )
                assert_in_scope(capa, request.user, "add")
        except ScopeViolation:
            messages.error(request, _("You may not open a CAPA at this site."))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Opened %(number)s.") % {"number": capa.number})
            return HttpResponseRedirect(capa.get_absolute_url())
        return HttpResponseRedirect(nc.get_absolute_url())


class EightDExportView(LoginRequiredMixin, View):
    """GET ``?lang=en|zh-hans``: the 8D report as XLSX."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        capa = get_scoped_object(EightD, request.user, "view", pk)
        language = request.GET.get("lang") or "en"
        if language not in ("en", "zh-hans"):
            language = "en"
        content, _sections = eightd_workbook(capa, language)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{capa.number}-{language}.xlsx"'
        return response


class AcknowledgeView(LoginRequiredMixin, View):
    """POST: "I have read and understood" this effective revision."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        revision = get_scoped_object(DocumentRevision, request.user, "view", pk)
        try:
            acknowledge(revision, actor=request.user)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Thank you: acknowledged."))
        return HttpResponseRedirect(revision.get_absolute_url())


urlpatterns = [
    path(
        "nonconformities/report/",
        NonconformityReportView.as_view(),
        name="nonconformity_report",
    ),
    path(
        "nonconformities/<int:pk>/open-capa/",
        OpenCapaView.as_view(),
        name="nonconformity_open_capa",
    ),
    path("capas-and-8ds/<int:pk>/export/", EightDExportView.as_view(), name="eightd_export"),
    path(
        "document-revisions/<int:pk>/acknowledge/",
        AcknowledgeView.as_view(),
        name="documentrevision_acknowledge",
    ),
]

# the integrated management system's own pages (matrix, checklist, audit report, review)
from qdm.system.views_ims import urlpatterns as ims_urlpatterns  # noqa: E402

urlpatterns += ims_urlpatterns

"""Pages: upload a file (the summary and the quarantined rows of the batch answer, in place
through HTMX with a progress indicator, or as a whole page) and fix one quarantined row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from qdm.core.views.generic import get_scoped_object, style_form
from qdm.data.choices import BatchStatus, FeedKind
from qdm.data.ingest.profiles import KINDS, PROFILES, SPECS
from qdm.data.ingest.service import UnreadableFile, allowed_sites, fix_quarantined_row, ingest_file

if TYPE_CHECKING:
    from qdm.core.models import Site

QUARANTINE_SHOWN = 200


def may_ingest(user: Any, kind: str) -> bool:
    """Whether ``user`` holds the add permission on the fact model of ``kind``."""
    return user.has_perm(f"data.add_{SPECS[kind].model()._meta.model_name}")


class UploadForm(forms.Form):
    """File, kind, site, column profile and strict mode."""

    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=FeedKind.choices)
    site: forms.ModelChoiceField[Site] = forms.ModelChoiceField(
        label=gettext_lazy("Site"), queryset=None
    )
    profile = forms.ChoiceField(
        label=gettext_lazy("Column profile"),
        required=False,
        help_text=gettext_lazy("Leave empty to recognise the profile from the headers."),
    )
    strict = forms.BooleanField(
        label=gettext_lazy("Strict: store nothing if any row is invalid"), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from qdm.core.models import Site

        super().__init__(*args, **kwargs)
        reach: set[int] = set()
        for kind in KINDS:
            sites = allowed_sites(user, kind)
            if sites is None:
                reach = set(Site.objects.values_list("pk", flat=True))
                break
            reach |= sites
        self.fields["site"].queryset = Site.objects.filter(pk__in=reach).order_by("code")  # type: ignore[attr-defined]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in FeedKind.choices if may_ingest(user, value)
        ]
        self.fields["profile"].choices = [  # type: ignore[attr-defined]
            ("", _("Recognise automatically")),
            *((name, f"{name} — {p.description}") for name, p in PROFILES.items()),
        ]
        style_form(self)


class IngestUploadView(LoginRequiredMixin, View):
    """``GET``: the form; ``POST``: ingest the file and show the summary and quarantine."""

    template_name = "data/ingest/upload.html"
    partial_name = "data/ingest/_result.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not any(may_ingest(request.user, k) for k in KINDS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": UploadForm(user=request.user)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES, user=request.user)
        context: dict[str, Any] = {"form": form}
        if form.is_valid():
            data = form.cleaned_data
            kind = data["kind"]
            sites = allowed_sites(request.user, kind)
            site = data["site"]
            if sites is not None and site.pk not in sites:
                form.add_error("site", _("You may not ingest this kind of file at this site."))
            else:
                upload = data["file"]
                try:
                    summary = ingest_file(
                        upload.file,
                        kind=kind,
                        file_name=upload.name or "",
                        site=site,
                        profile=data["profile"] or None,
                        strict=data["strict"],
                        actor=request.user,
                        sites=sites,
                    )
                except UnreadableFile as exc:
                    context["failure"] = exc
                else:
                    context.update(result_context(summary))
        partial = getattr(request, "htmx", False)
        return render(request, self.partial_name if partial else self.template_name, context)


def result_context(summary: Any) -> dict[str, Any]:
    """The summary, its batch and the first quarantined rows of the batch."""
    from qdm.data.models import IngestBatch, QuarantinedRow

    batch = IngestBatch.objects.get(pk=summary.batch)
    rows = list(
        QuarantinedRow.objects.filter(batch=batch).order_by("row_number")[:QUARANTINE_SHOWN]
    )
    return {
        "summary": summary.as_dict(),
        "batch": batch,
        "rejected_strict": batch.status == BatchStatus.REJECTED,
        "quarantine": rows,
        "quarantine_more": max(summary.rejected - len(rows), 0),
    }


class FixForm(forms.Form):
    """One text field per raw value of the quarantined row, named after its header."""

    def __init__(self, *args: Any, raw: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = list(raw)
        for position, header in enumerate(self.headers):
            self.fields[f"v{position}"] = forms.CharField(
                label=header, required=False, initial=raw[header], strip=False
            )
        style_form(self)

    def values(self) -> dict[str, str]:
        """The corrected values by header."""
        return {h: self.cleaned_data[f"v{i}"] for i, h in enumerate(self.headers)}

    def attach(self, errors: list[dict[str, Any]]) -> None:
        """Show each error on the field of its column (or above the form)."""
        for error in errors:
            position = (
                self.headers.index(error["column"]) if error["column"] in self.headers else -1
            )
            text = f"{error['code']}: {error['message']}"
            self.add_error(f"v{position}" if position >= 0 else None, text)


class QuarantineFixView(LoginRequiredMixin, View):
    """Edit the raw values of one quarantined row, re-validate, store it if valid and mark
    the row resolved."""

    template_name = "data/ingest/quarantine_fix.html"

    def get_row(self, request: HttpRequest, pk: int) -> Any:
        from qdm.data.models import QuarantinedRow

        row = get_scoped_object(QuarantinedRow, request.user, "change", pk)
        if not may_ingest(request.user, row.batch.kind):
            raise PermissionDenied
        return row

    def render_row(self, request: HttpRequest, row: Any, form: FixForm) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "row": row,
                "batch": row.batch,
                "form": form,
                "fixable": not row.resolved and row.batch.status == BatchStatus.DONE,
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = self.get_row(request, pk)
        if row.resolved:
            form = FixForm(raw=row.raw)
        else:
            current = {f"v{i}": value for i, value in enumerate(row.raw.values())}
            form = FixForm(current, raw=row.raw)
            form.is_valid()
            form.attach(row.errors)
        return self.render_row(request, row, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = self.get_row(request, pk)
        form = FixForm(request.POST, raw=row.raw)
        if row.resolved or row.batch.status != BatchStatus.DONE or not form.is_valid():
            return self.render_row(request, row, form)
        errors = fix_quarantined_row(
            row,
            form.values(),
            actor=request.user,
            sites=allowed_sites(request.user, row.batch.kind),
        )
        if errors:
            form = FixForm(request.POST, raw=row.raw)
            form.is_valid()
            form.attach(errors)
            return self.render_row(request, row, form)
        messages.success(request, _("Row %(row)s stored.") % {"row": row.row_number})
        return HttpResponseRedirect(reverse("data:quarantine_fix", args=[row.pk]))

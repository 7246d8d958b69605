"""UI of reliability qualification and engineering changes: tables, filters, forms and the
``ModelUI`` declarations (list, detail, edit, delete, workflow buttons come from the kernel);
every write goes through ``services.qualification`` / ``services.change``."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site
from qdm.core.tables import BaseTable
from qdm.core.views.generic import ModelUI
from qdm.design.models import (
    Certificate,
    ChangeImpact,
    ChangeRequest,
    QualificationProgramme,
    QualificationResult,
    QualificationSample,
    QualificationSequence,
)
from qdm.design.models.change import ChangeKind, ChangeStatus, ImpactArea
from qdm.design.models.qualification import ProgrammeStatus, QualificationStandard, Verdict
from qdm.design.services import change as ecr
from qdm.design.services import qualification as q

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ROWS2 = forms.Textarea(attrs={"rows": 2})

# --- tables --------------------------------------------------------------------------------


class ProgrammeTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = QualificationProgramme
        fields = (
            "number",
            "title",
            "standard",
            "module_model",
            "bom_variant",
            "site",
            "status",
            "verdict",
            "start_date",
        )


class SequenceTable(BaseTable):
    kind = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = QualificationSequence
        fields = ("programme", "position", "kind", "steps")


class SampleTable(BaseTable):
    serial = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = QualificationSample
        fields = ("serial", "programme", "sequence", "notes")


class ResultTable(BaseTable):
    stage = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = QualificationResult
        fields = (
            "sample",
            "stage",
            "step",
            "measured_on",
            "pmax_w",
            "el_grade",
            "major_visual_defect",
            "insulation_mohm_m2",
            "wet_leakage_mohm_m2",
        )


class CertificateTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Certificate
        fields = (
            "number",
            "body",
            "standard",
            "site",
            "bom_variants",
            "issue_date",
            "expiry_date",
            "withdrawn",
        )


class ChangeTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ChangeRequest
        fields = (
            "number",
            "kind",
            "title",
            "site",
            "status",
            "implementation_date",
            "created_at",
        )


class ImpactTable(BaseTable):
    reference = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ChangeImpact
        fields = ("change", "area", "reference", "detail", "done", "note")


# --- filters -------------------------------------------------------------------------------


class ProgrammeFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "bom_variant", "laboratory")
    standard = django_filters.ChoiceFilter(
        choices=QualificationStandard.choices, label=_("Standard")
    )
    status = django_filters.ChoiceFilter(choices=ProgrammeStatus.choices, label=_("Status"))
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices, label=_("Signed verdict"))
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))

    class Meta:
        model = QualificationProgramme
        fields = ["standard", "status", "verdict", "site", "module_model"]


class SequenceFilterSet(ScopedFilterSet):
    search_fields = ("programme__number", "steps")

    class Meta:
        model = QualificationSequence
        fields = ["programme", "kind"]


class SampleFilterSet(ScopedFilterSet):
    search_fields = ("serial", "programme__number")

    class Meta:
        model = QualificationSample
        fields = ["programme", "sequence"]


class ResultFilterSet(ScopedFilterSet):
    search_fields = ("sample__serial", "step", "defects")

    class Meta:
        model = QualificationResult
        fields = ["sample", "major_visual_defect"]


class CertificateFilterSet(ScopedFilterSet):
    search_fields = ("number", "body", "bom_variants")
    standard = django_filters.ChoiceFilter(
        choices=QualificationStandard.choices, label=_("Standard")
    )

    class Meta:
        model = Certificate
        fields = ["standard", "site", "module_models", "withdrawn"]


class ChangeFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "description", "process")
    kind = django_filters.ChoiceFilter(choices=ChangeKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=ChangeStatus.choices, label=_("Status"))
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))

    class Meta:
        model = ChangeRequest
        fields = ["kind", "status", "site", "module_models"]


class ImpactFilterSet(ScopedFilterSet):
    search_fields = ("change__number", "reference", "detail")
    area = django_filters.ChoiceFilter(choices=ImpactArea.choices, label=_("Area"))

    class Meta:
        model = ChangeImpact
        fields = ["change", "area", "done"]


# --- forms ---------------------------------------------------------------------------------


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = QualificationProgramme
        fields = [
            "title",
            "standard",
            "module_model",
            "bom_variant",
            "materials",
            "site",
            "laboratory",
            "start_date",
        ]
        widgets = {"start_date": DATE}


class SequenceForm(forms.ModelForm):
    class Meta:
        model = QualificationSequence
        fields = ["programme", "position", "kind", "steps", "notes"]
        widgets = {"notes": ROWS2}


class SampleForm(forms.ModelForm):
    class Meta:
        model = QualificationSample
        fields = ["sequence", "serial", "notes"]


class ResultForm(forms.ModelForm):
    class Meta:
        model = QualificationResult
        fields = [
            "sample",
            "stage",
            "step",
            "measured_on",
            "pmax_w",
            "el_grade",
            "major_visual_defect",
            "defects",
            "insulation_mohm_m2",
            "wet_leakage_mohm_m2",
        ]
        widgets = {"measured_on": DATE}


class CertificateForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = [
            "body",
            "number",
            "standard",
            "site",
            "module_models",
            "programmes",
            "bom_variants",
            "issue_date",
            "expiry_date",
            "withdrawn",
        ]
        widgets = {"issue_date": DATE, "expiry_date": DATE}


class ChangeForm(forms.ModelForm):
    class Meta:
        model = ChangeRequest
        fields = [
            "kind",
            "title",
            "description",
            "reason",
            "site",
            "module_models",
            "materials",
            "process",
            "implementation_date",
            "effective_from",
            "first_serial",
            "first_lot",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "reason": ROWS2,
            "implementation_date": DATE,
            "effective_from": DATETIME,
        }


class ImpactForm(forms.ModelForm):
    class Meta:
        model = ChangeImpact
        fields = ["done", "note"]


# --- savers and detail contexts ------------------------------------------------------------


def _split(data: dict[str, Any], *names: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = dict(data)
    return {n: data.pop(n) for n in names if n in data}, data


def save_programme(form: Any, user: Any) -> QualificationProgramme:
    if form.instance.pk:
        return q.update_programme(form.instance, actor=user, **form.cleaned_data)
    return q.create_programme(actor=user, **form.cleaned_data)


def save_sequence(form: Any, user: Any) -> QualificationSequence:
    return q.save_sequence(form.save(commit=False), actor=user)


def save_sample(form: Any, user: Any) -> QualificationSample:
    return q.save_sample(form.save(commit=False), actor=user)


def save_result(form: Any, user: Any) -> QualificationResult:
    return q.save_result(form.save(commit=False), actor=user)


def save_certificate(form: Any, user: Any) -> Certificate:
    m2m, _rest = _split(form.cleaned_data, "module_models", "programmes")
    return q.save_certificate(form.save(commit=False), actor=user, **m2m)


def save_change(form: Any, user: Any) -> ChangeRequest:
    if form.instance.pk:
        return ecr.update_change(form.instance, actor=user, **form.cleaned_data)
    return ecr.create_change(actor=user, **form.cleaned_data)


def save_impact(form: Any, user: Any) -> ChangeImpact:
    if form.instance.pk is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Impact items are listed by the impact assessment."))
    data = form.cleaned_data
    impact = ChangeImpact.objects.get(pk=form.instance.pk)
    return ecr.handle_impact(impact, actor=user, done=data["done"], note=data["note"])


def programme_context(obj: QualificationProgramme, user: Any) -> dict[str, Any]:
    verdict = q.programme_verdict(obj)
    editable = not obj.is_locked and user.has_perm("design.change_qualificationprogramme", obj)
    return {
        "locked": obj.is_locked,
        "live": verdict,
        "criteria": q.criteria_for(obj.standard),
        "area_m2": q.module_area_m2(obj.module_model),
        "bom": q.qualified_bom(obj),
        "can_add": editable,
        "certificates": Certificate.objects.for_user(user, "view").filter(programmes=obj),
    }


def certificate_context(obj: Certificate, user: Any) -> dict[str, Any]:
    return {
        "state": q.certificate_state(obj),
        "models": obj.module_models.all(),
        "programmes": QualificationProgramme.objects.for_user(user, "view").filter(
            certificates=obj
        ),
    }


def change_context(obj: ChangeRequest, user: Any) -> dict[str, Any]:
    from django.core.exceptions import ValidationError

    try:
        eff, eff_error = ecr.effectivity(obj, user), ""
    except ValidationError as exc:
        eff, eff_error = None, " ".join(exc.messages)
    impacts = ChangeImpact.objects.for_user(user, "view").filter(change=obj)
    return {
        "impacts": impacts.order_by("area", "reference"),
        "effectivity": eff,
        "effectivity_error": eff_error,
        "models": obj.module_models.all(),
        "materials": obj.materials.select_related("category"),
        "can_assess": obj.status in ("draft", "assessment")
        and user.has_perm("design.change_changerequest", obj),
    }


PROGRAMME_UI = ModelUI(
    QualificationProgramme,
    ProgrammeTable,
    ProgrammeFilterSet,
    ProgrammeForm,
    saver=save_programme,
    detail_template="design/qualificationprogramme_detail.html",
    extra_context=programme_context,
    detail_fields=(
        "number",
        "title",
        "standard",
        "module_model",
        "bom_variant",
        "site",
        "laboratory",
        "start_date",
        "status",
        "verdict",
        "created_by",
        "created_at",
        "completed_at",
    ),
)

MODEL_UIS = [
    PROGRAMME_UI,
    ModelUI(
        QualificationSequence, SequenceTable, SequenceFilterSet, SequenceForm, saver=save_sequence
    ),
    ModelUI(QualificationSample, SampleTable, SampleFilterSet, SampleForm, saver=save_sample),
    ModelUI(QualificationResult, ResultTable, ResultFilterSet, ResultForm, saver=save_result),
    ModelUI(
        Certificate,
        CertificateTable,
        CertificateFilterSet,
        CertificateForm,
        saver=save_certificate,
        detail_template="design/certificate_detail.html",
        extra_context=certificate_context,
    ),
    ModelUI(
        ChangeRequest,
        ChangeTable,
        ChangeFilterSet,
        ChangeForm,
        saver=save_change,
        detail_template="design/changerequest_detail.html",
        extra_context=change_context,
        detail_fields=(
            "number",
            "kind",
            "status",
            "title",
            "description",
            "reason",
            "site",
            "process",
            "implementation_date",
            "effective_from",
            "first_serial",
            "first_lot",
            "assessed_at",
            "approved_at",
            "closed_at",
            "created_by",
            "created_at",
        ),
    ),
    ModelUI(ChangeImpact, ImpactTable, ImpactFilterSet, ImpactForm, saver=save_impact),
]

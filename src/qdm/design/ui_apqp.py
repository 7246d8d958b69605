"""UI of APQP projects: list / detail (the gate timeline) / create / edit of projects, the
deliverables (linked to their records), gates and signed gate reviews (read-only: reviews are
made on the gate-review page of ``views_apqp``)."""

from __future__ import annotations

from typing import Any, cast

import django_filters
import django_tables2 as tables
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qdm.core.filtersets import ScopedFilterSet
from qdm.core.models import Site
from qdm.core.tables import BaseTable
from qdm.core.views.generic import ModelUI
from qdm.design.models import ApqpDeliverable, ApqpGate, ApqpProject, GateReview
from qdm.design.models.apqp import (
    ApqpPhase,
    DeliverableKind,
    Evaluation,
    GateDecision,
    GateStatus,
    ProjectStatus,
)
from qdm.design.services.apqp import (
    change_warnings,
    create_project,
    evaluate,
    evaluate_all,
    gate_deliverables,
    hide_chart_in,
    project_timeline,
    review_snapshot,
    save_deliverable,
    update_project,
)
from qdm.manufacturing import selectors as mfg

DATE = forms.DateInput(attrs={"type": "date"})


# --- tables and filters ----------------------------------------------------------------------


class ApqpProjectTable(BaseTable):
    number = tables.Column(linkify=True)
    current = tables.Column(_("Current gate"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = ApqpProject
        fields = (
            "number", "title", "product", "family", "customer", "site", "status",
            "start_date", "launch_date",
        )  # fmt: skip

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        # one query for the shown rows' gates (``current_gate``) and their related names,
        # whatever the page size
        if hasattr(data, "prefetch_related"):
            data = data.select_related("product", "family", "customer", "site").prefetch_related(
                "gates"
            )
        super().__init__(data, *args, **kwargs)

    def render_current(self, record: ApqpProject) -> Any:
        gate = record.current_gate
        return gate.get_phase_display() if gate else "—"


class ApqpGateTable(BaseTable):
    phase = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ApqpGate
        fields = ("project", "sequence", "phase", "planned_date", "status", "decided_at")


class ApqpDeliverableTable(BaseTable):
    title = tables.Column(linkify=True)
    state = tables.Column(_("Status"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = ApqpDeliverable
        fields = ("gate", "kind", "title", "required", "owner", "due_date", "state")

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        if hasattr(data, "select_related"):
            data = data.select_related("gate__project", "owner")
        super().__init__(data, *args, **kwargs)
        self.evaluations: dict[int, Evaluation] = {}

    def evaluation(self, record: ApqpDeliverable) -> Evaluation:
        """The shown rows (the page, or every row of an export) are evaluated together, in a
        bounded number of queries (``evaluate_all``); the state does not depend on the
        viewer."""
        if record.pk not in self.evaluations:
            page = getattr(self, "page", None)
            shown = [row.record for row in (page.object_list if page else self.rows)]
            items = shown if record in shown else [record]
            self.evaluations.update(
                (item.pk, e) for item, e in zip(items, evaluate_all(items), strict=True)
            )
        return self.evaluations[record.pk]

    def render_state(self, record: ApqpDeliverable) -> str:
        return self.evaluation(record).label

    def value_state(self, record: ApqpDeliverable) -> str:
        return self.evaluation(record).state


class GateReviewTable(BaseTable):
    decision = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = GateReview
        fields = ("gate", "decision", "reviewed_by", "reviewed_at", "conditions_due")


class ApqpProjectFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "team")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("Status"))

    class Meta:
        model = ApqpProject
        fields = ["site", "status", "product", "family", "customer"]


class ApqpGateFilterSet(ScopedFilterSet):
    search_fields = ("project__number", "project__title")
    phase = django_filters.ChoiceFilter(choices=ApqpPhase.choices, label=_("Phase"))
    status = django_filters.ChoiceFilter(choices=GateStatus.choices, label=_("Status"))

    class Meta:
        model = ApqpGate
        fields = ["project", "phase", "status"]


class ApqpDeliverableFilterSet(ScopedFilterSet):
    search_fields = ("title", "reference", "gate__project__number")
    kind = django_filters.ChoiceFilter(choices=DeliverableKind.choices, label=_("Kind"))

    class Meta:
        model = ApqpDeliverable
        fields = ["gate__project", "kind", "required"]


class GateReviewFilterSet(ScopedFilterSet):
    search_fields = ("gate__project__number", "comments", "conditions")
    decision = django_filters.ChoiceFilter(choices=GateDecision.choices, label=_("Decision"))

    class Meta:
        model = GateReview
        fields = ["decision"]


# --- forms and savers --------------------------------------------------------------------------


class ApqpProjectForm(forms.ModelForm):
    class Meta:
        model = ApqpProject
        fields = [
            "title", "product", "family", "customer", "site", "leader", "team",
            "start_date", "launch_date",
        ]  # fmt: skip
        widgets = {
            "team": forms.Textarea(attrs={"rows": 3}),
            "start_date": DATE,
            "launch_date": DATE,
        }


#: an edit that would change or clear a held chart link, or the characteristic it fixes
HOLD_MESSAGE = _(
    "The linked SPC chart is at a site you cannot see: you can neither change nor clear this link."
)
CHARACTERISTIC_HELD = _(
    "The characteristic follows the linked SPC chart, which you cannot see: it cannot be "
    "changed here."
)


class LinkedChartField(forms.ModelChoiceField):
    """The SPC chart of a capability deliverable. Once the choices are limited to the charts
    the user may see (``restrict_form_choices`` sets ``queryset``), a chart the deliverable
    links (``kept``) outside them is held: the field is locked and says so, the link is kept
    as it is whatever is posted (the user can neither change nor clear it), and the chart is
    neither offered nor named."""

    kept: int | None = None
    held = False

    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)  # type: ignore[misc]  # private in Django, not in the stubs
        self.held = bool(self.kept) and not self.queryset.filter(pk=self.kept).exists()
        if self.held:
            self.disabled = True
            self.empty_label = _("— an SPC chart at a site you cannot see —")
            self.help_text = _(
                "Linked to an SPC chart at a site you cannot see: you can neither change nor "
                "clear this link (nor the characteristic it fixes); the other fields are saved."
            )

    queryset = property(
        forms.ModelChoiceField._get_queryset,  # type: ignore[attr-defined]  # private, not in the stubs
        _set_queryset,
    )

    def clean(self, value: Any) -> Any:
        if self.held:
            return self.queryset.model._default_manager.get(pk=self.kept)
        return super().clean(value)


class ApqpDeliverableForm(forms.ModelForm):
    """A deliverable's links and figures; a linked chart the user may not see is held
    (``LinkedChartField``) with the characteristic it fixes, and errors about it do not name
    it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(LinkedChartField, self.fields["spc_chart"]).kept = self.instance.spc_chart_id

    @property
    def holds_chart(self) -> bool:
        return bool(getattr(self.fields.get("spc_chart"), "held", False))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        posted = getattr(data.get("characteristic"), "pk", None)
        if self.holds_chart and posted != self.instance.characteristic_id:
            self.add_error("characteristic", CHARACTERISTIC_HELD)
        return data

    def add_error(self, field: str | None, error: Any) -> None:
        """While the chart is held, a refusal about it (another site, another
        characteristic) would name it: it is worded without the name."""
        if self.holds_chart:
            if field == "spc_chart":
                field, error = None, ValidationError({"spc_chart": error})
            if isinstance(error, ValidationError):
                error = hide_chart_in(error)
        super().add_error(field, error)

    class Meta:
        model = ApqpDeliverable
        fields = [
            "gate", "kind", "title", "required", "owner", "due_date", "fmea", "control_plan",
            "msa_study", "spc_chart", "characteristic", "cpk", "cpk_target", "programme",
            "certificate", "reference", "accepted_on", "remarks",
        ]  # fmt: skip
        field_classes = {"spc_chart": LinkedChartField}
        widgets = {
            "due_date": DATE,
            "accepted_on": DATE,
            "remarks": forms.Textarea(attrs={"rows": 2}),
        }


def save_project(form: Any, user: Any) -> ApqpProject:
    if form.instance.pk:
        return update_project(form.instance, actor=user, **form.cleaned_data)
    return create_project(actor=user, **form.cleaned_data)


def save_deliverable_form(form: Any, user: Any) -> ApqpDeliverable:
    return save_deliverable(form.save(commit=False), actor=user)


def project_context(obj: ApqpProject, user: Any) -> dict[str, Any]:
    return {
        "timeline": project_timeline(obj, user),
        "change_warnings": change_warnings(obj, user),
        "can_review": obj.status == ProjectStatus.ACTIVE
        and user.has_perm("design.change_apqpgate", obj.gates.first()),
        "can_add_deliverable": obj.status == ProjectStatus.ACTIVE
        and user.has_perm("design.add_apqpdeliverable"),
    }


def gate_context(obj: ApqpGate, user: Any) -> dict[str, Any]:
    return {
        "rows": gate_deliverables(obj, user),
        "reviews": obj.reviews.select_related("reviewed_by", "signature"),
        "can_review": obj.project.status == ProjectStatus.ACTIVE
        and obj.status != GateStatus.PASSED
        and user.has_perm("design.change_apqpgate", obj),
    }


def deliverable_context(obj: ApqpDeliverable, user: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"evaluation": evaluate(obj, user), "capability": None}
    if obj.spc_chart_id:
        context["capability"] = mfg.chart_capability(obj.spc_chart_id, user)
    if obj.kind == DeliverableKind.QUALIFICATION:
        context["change_warnings"] = [
            w for w in change_warnings(obj.gate.project, user) if obj in w["deliverables"]
        ]
    return context


def review_context(obj: GateReview, user: Any) -> dict[str, Any]:
    """The deliverables the reviewer signed, worded for the viewer (``review_snapshot``)."""
    return {
        "snapshot": [
            (entry, Evaluation(entry["state"], entry["reason"]), DeliverableKind(entry["kind"]))
            for entry in review_snapshot(obj, user)
        ]
    }


APQP_UIS = [
    ModelUI(
        ApqpProject,
        ApqpProjectTable,
        ApqpProjectFilterSet,
        ApqpProjectForm,
        saver=save_project,
        detail_template="design/apqp/project_detail.html",
        extra_context=project_context,
    ),
    ModelUI(
        ApqpGate,
        ApqpGateTable,
        ApqpGateFilterSet,
        detail_template="design/apqp/gate_detail.html",
        extra_context=gate_context,
    ),
    ModelUI(
        ApqpDeliverable,
        ApqpDeliverableTable,
        ApqpDeliverableFilterSet,
        ApqpDeliverableForm,
        saver=save_deliverable_form,
        # no SPC chart row: its name would show to viewers who may not see the chart (the
        # capability card names it to those who may)
        detail_fields=tuple(
            f.name for f in ApqpDeliverable._meta.fields if f.name not in {"id", "spc_chart"}
        ),
        detail_template="design/apqp/deliverable_detail.html",
        extra_context=deliverable_context,
    ),
    ModelUI(
        GateReview,
        GateReviewTable,
        GateReviewFilterSet,
        detail_fields=(
            "gate",
            "decision",
            "comments",
            "conditions",
            "conditions_due",
            "signature",
            "reviewed_by",
            "reviewed_at",
        ),
        detail_template="design/apqp/review_detail.html",
        extra_context=review_context,
    ),
]

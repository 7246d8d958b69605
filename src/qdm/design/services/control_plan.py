"""Writes of control plans and MSA studies: creation with the number, lines, generation from
a PFMEA, revisions (lines copied, changes listed, the older revision superseded on
publication), publication to manufacturing (inspection plan and SPC charts through
``qdm.manufacturing.selectors``, DESIGN §3) and the "no live control" report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.data.choices import DataType, SpecialClass
from qdm.data.models import Specification
from qdm.design.choices import (
    CONTROL_PLAN_PREFIX,
    ControlChart,
    ControlFrequency,
    ControlPlanStatus,
)
from qdm.design.models import ControlPlan, ControlPlanLine, Fmea, MsaStudy
from qdm.manufacturing import selectors as mfg

EXCLUDE = ["created_by", "number"]
#: default reaction plan of a generated line (IATF 16949 8.5.6.1.1: contain, then correct)
DEFAULT_REACTION = (
    "Stop the step, hold the product since the last good check, notify the quality "
    "engineer, open a nonconformity and 100 % re-inspect the held product."
)


def _check_draft(plan: ControlPlan) -> None:
    status = ControlPlan.objects.values_list("status", flat=True).get(pk=plan.pk)
    if status != ControlPlanStatus.DRAFT:
        raise ValidationError(
            _("%(plan)s is released and can no longer be changed."),
            code="control_plan_locked",
            params={"plan": f"{plan.number} rev {plan.revision}"},
        )


def create_control_plan(*, actor: Any, **fields: Any) -> ControlPlan:
    """A draft control plan numbered ``CP-<site>-<year>-<seq>``, revision 1."""
    with transaction.atomic():
        plan = ControlPlan(created_by=actor, **fields)
        if plan.site_id is None:
            raise ValidationError({"site": _("A control plan belongs to a site.")})
        plan.number = next_number(CONTROL_PLAN_PREFIX, plan.site.code)
        plan.full_clean(exclude=EXCLUDE)
        plan.save()
        record_event(
            plan,
            "created",
            actor=actor,
            message=_("Created %(number)s (%(phase)s)")
            % {"number": plan.number, "phase": plan.get_phase_display()},
        )
    return plan


def update_control_plan(plan: ControlPlan, *, actor: Any, **fields: Any) -> ControlPlan:
    with transaction.atomic():
        _check_draft(plan)
        for name, value in fields.items():
            setattr(plan, name, value)
        plan.full_clean(exclude=EXCLUDE)
        plan.save()
    return plan


def save_line(line: ControlPlanLine, *, actor: Any) -> ControlPlanLine:
    """Create or change one line of a draft control plan."""
    with transaction.atomic():
        if line.pk:
            stored = ControlPlanLine.objects.values_list("plan_id", flat=True).get(pk=line.pk)
            _check_draft(ControlPlan.objects.get(pk=stored))
        _check_draft(line.plan)
        line.full_clean()
        line.save()
    return line


def spec_text(characteristic: Any, plan: ControlPlan) -> str:
    """The current specification of ``characteristic`` for the plan's product and site (or
    the group / all products), as ``LSL … USL unit``."""
    spec = (
        Specification.objects.filter(characteristic=characteristic, valid_from__lte=timezone.now())
        .filter(Q(module_model=plan.product) | Q(module_model__isnull=True))
        .filter(Q(site=plan.site) | Q(site__isnull=True), customer__isnull=True)
        .order_by("-module_model", "-site", "-valid_from")
        .first()
    )
    unit = f" {characteristic.unit}" if characteristic.unit else ""
    if spec is None:
        return _("per drawing / datasheet")
    if spec.lsl is not None and spec.usl is not None:
        return f"{spec.lsl:g} – {spec.usl:g}{unit}"
    if spec.lsl is not None:
        return f"≥ {spec.lsl:g}{unit}"
    if spec.usl is not None:
        return f"≤ {spec.usl:g}{unit}"
    return _("per drawing / datasheet")


def generate_from_pfmea(
    fmea: Fmea, *, actor: Any, steps: list[str] | None = None, **fields: Any
) -> ControlPlan:
    """A draft control plan from a PFMEA: one line per catalog characteristic that a failure
    cause is tied to, carrying the cause's detection controls as the evaluation technique
    and its prevention controls as the control method (causes on the same characteristic
    are merged). CC/SC characteristics of variables data get an I-MR chart when the plan
    has a line. ``steps``: only these process steps (focus elements)."""
    if fmea.kind != "pfmea":
        raise ValidationError({"fmea": _("A control plan is generated from a process FMEA.")})
    chains = fmea.items.filter(characteristic__isnull=False)
    if steps:
        chains = chains.filter(focus_element__in=steps)
    items = list(chains.select_related("characteristic").order_by("position", "pk"))
    if not items:
        raise ValidationError(
            _("%(fmea)s has no failure chain tied to a catalog characteristic.")
            % {"fmea": fmea.number}
        )
    fields.setdefault("title", _("Control plan from %(fmea)s") % {"fmea": fmea.number})
    fields.setdefault("site", fmea.site)
    fields.setdefault("product", fmea.product)
    fields.setdefault("process", fmea.planning_scope[:200] or fmea.title[:200])
    with transaction.atomic():
        plan = create_control_plan(actor=actor, fmea=fmea, **fields)
        merged: dict[int, ControlPlanLine] = {}
        for item in items:
            char = item.characteristic
            assert char is not None  # the chains are filtered to rows with a characteristic
            line = merged.get(char.pk)
            if line is None:
                special = item.special_class or char.special_class or SpecialClass.NONE
                chart = ""
                if plan.line_id and special and char.data_type == DataType.VARIABLE:
                    chart = ControlChart.IMR
                line = merged[char.pk] = ControlPlanLine(
                    plan=plan,
                    sequence=10 * (len(merged) + 1),
                    process_step=item.focus_element[:200],
                    machine=item.lower_level[:200] if item.four_m == "machine" else "",
                    characteristic=char,
                    special_class=special,
                    specification=spec_text(char, plan),
                    evaluation_technique=(item.detection_controls or char.method or "-")[:200],
                    sample_size=1 if chart == ControlChart.IMR else 5,
                    frequency=ControlFrequency.PER_SHIFT,
                    control_method=(item.prevention_controls or "-")[:200],
                    chart_type=chart,
                    reaction_plan=DEFAULT_REACTION,
                    fmea_item=item,
                )
                continue
            if item.special_class == SpecialClass.CC:
                line.special_class = SpecialClass.CC
            for name, extra in (
                ("evaluation_technique", item.detection_controls),
                ("control_method", item.prevention_controls),
            ):
                current = getattr(line, name)
                if extra and extra not in current:
                    setattr(line, name, f"{current}; {extra}"[:200])
        for line in merged.values():
            save_line(line, actor=actor)
        record_event(
            plan,
            "generated",
            actor=actor,
            message=_("Generated from %(fmea)s: %(count)d line(s)")
            % {"fmea": f"{fmea.number} rev {fmea.revision}", "count": len(merged)},
            data={"fmea": fmea.pk},
        )
    return plan


@dataclass(frozen=True)
class Published:
    inspection_plan: Any
    charts: list[Any]


def publish(plan: ControlPlan, *, actor: Any) -> Published:
    """Publish a released control plan to manufacturing: the site's in-process inspection
    plan with code = the control plan's number gets exactly the plan's lines (a draft
    version for manufacturing to release), and every line with a chart type gets an SPC
    chart on the plan's line (a draft for manufacturing to freeze limits). Idempotent."""
    if plan.status != ControlPlanStatus.RELEASED:
        raise ValidationError(
            _("Only a released control plan can be published (%(plan)s is %(status)s).")
            % {"plan": plan.number, "status": plan.get_status_display()}
        )
    lines = list(plan.lines.select_related("characteristic").order_by("sequence", "pk"))
    site_line = plan.line
    if site_line is None and any(line.chart_type for line in lines):
        # the draft plan's line may have been cleared after its chart lines were added
        raise ValidationError(_("Set the control plan's line first: a chart is per line."))
    with transaction.atomic():
        try:
            inspection_plan = mfg.publish_inspection_plan(
                actor=actor,
                code=plan.number,
                name=f"{plan.title} ({plan.get_phase_display()})"[:200],
                site=plan.site,
                module_model=plan.product,
                lines=[
                    {
                        "characteristic": line.characteristic,
                        "sequence": line.sequence,
                        "method": line.evaluation_technique,
                        "gauge": line.machine[:100],
                        "sample_size": line.sample_size,
                        "frequency": line.frequency,
                        "frequency_hours": line.frequency_hours,
                        "reaction_plan": line.reaction_plan,
                    }
                    for line in lines
                ],
            )
            charts = [
                mfg.ensure_line_chart(
                    actor=actor,
                    name=f"{line.characteristic.code} · {site_line.code}",
                    characteristic=line.characteristic,
                    line=site_line,
                    chart_type=line.chart_type,
                    subgroup_size=line.sample_size,
                )
                for line in lines
                if line.chart_type and site_line is not None
            ]
        except (mfg.InspectionError, ValidationError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise ValidationError(
                _("Manufacturing refused the publication: %(reason)s")
                % {"reason": " ".join(messages)}
            ) from exc
        plan.published_at = timezone.now()
        plan.save(update_fields=["published_at"])
        supersede_older(plan, actor=actor)
        record_event(
            plan,
            "published",
            actor=actor,
            message=_("Published as inspection plan %(plan)s with %(charts)d SPC chart(s)")
            % {"plan": inspection_plan, "charts": len(charts)},
            data={"inspection_plan": inspection_plan.pk, "charts": [c.pk for c in charts]},
        )
    return Published(inspection_plan, charts)


def inspection_plans_of(plan: ControlPlan) -> list[Any]:
    """The inspection-plan versions this control plan was published as, newest first."""
    return list(mfg.inspection_plan_versions(plan.number))


@dataclass(frozen=True)
class Gap:
    line: ControlPlanLine
    missing_inspection: bool
    missing_chart: bool


def no_live_control(user: Any) -> list[Gap]:
    """Lines of released control plans the user may see with no released inspection-plan
    line (at the plan's site) or, when the line names a chart, no active SPC chart (on the
    plan's line) behind them."""
    lines = list(
        ControlPlanLine.objects.for_user(user, "view")
        .filter(plan__status=ControlPlanStatus.RELEASED)
        .select_related("plan", "plan__site", "plan__line", "characteristic")
        .order_by("plan__number", "sequence", "pk")
    )
    inspected = mfg.live_inspection_keys(sorted({ln.plan.site_id for ln in lines}))
    charted = mfg.live_chart_keys(sorted({ln.plan.line_id for ln in lines if ln.plan.line_id}))
    gaps = []
    for ln in lines:
        no_inspection = (ln.plan.site_id, ln.characteristic_id) not in inspected
        no_chart = bool(ln.chart_type) and (ln.plan.line_id, ln.characteristic_id) not in charted
        if no_inspection or no_chart:
            gaps.append(Gap(ln, no_inspection, no_chart))
    return gaps


def save_msa_study(study: MsaStudy, *, actor: Any) -> MsaStudy:
    """Create or change a gauge R&R study; the results are recomputed from its rows."""
    with transaction.atomic():
        created = study.pk is None
        if created:
            study.created_by = actor
        study.full_clean(exclude=["created_by"])
        study.save()
        record_event(
            study,
            "computed",
            actor=actor,
            message=_("Gauge R&R: %%GRR %(pct).1f %%, ndc %(ndc)d")
            % {"pct": study.pct_study_var_grr, "ndc": study.ndc},
        )
    return study


# --- revisions -------------------------------------------------------------------------------

#: the line fields a revision compares (the characteristic is the line's key)
LINE_FIELDS = [
    f.name
    for f in ControlPlanLine._meta.concrete_fields
    if f.name not in {"id", "plan", "characteristic"}
]


def new_control_plan_revision(plan: ControlPlan, *, actor: Any, reason: str) -> ControlPlan:
    """Copy a released control plan and its lines into a draft revision N+1 (same number).
    The released revision stays in force until the new one is published."""
    if not (reason or "").strip():
        raise ValidationError(
            {"revision_reason": _("Say why the control plan is revised.")}, code="no_reason"
        )
    with transaction.atomic():
        plan = ControlPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != ControlPlanStatus.RELEASED:
            raise ValidationError(
                _("Only a released control plan can be revised (%(plan)s is %(status)s).")
                % {
                    "plan": f"{plan.number} rev {plan.revision}",
                    "status": plan.get_status_display(),
                },
                code="not_released",
            )
        newer = ControlPlan.objects.filter(number=plan.number, revision__gt=plan.revision)
        if newer.exists():
            raise ValidationError(
                _("Revision %(revision)d of %(number)s already exists.")
                % {"revision": newer.order_by("revision").first().revision, "number": plan.number},
                code="revision_exists",
            )
        copy = ControlPlan(
            number=plan.number,
            revision=plan.revision + 1,
            revised_from=plan,
            revision_reason=reason.strip(),
            created_by=actor,
            **{
                name: getattr(plan, name)
                for name in ("phase", "title", "product", "process", "site", "line", "fmea")
            },
        )
        copy.full_clean(exclude=EXCLUDE)
        copy.save()
        lines = [
            ControlPlanLine(
                plan=copy,
                characteristic=line.characteristic,
                **{name: getattr(line, name) for name in LINE_FIELDS},
            )
            for line in plan.lines.all()
        ]
        ControlPlanLine.objects.bulk_create(lines)
        for obj, verb in ((copy, "revision_created"), (plan, "revised")):
            record_event(
                obj,
                verb,
                actor=actor,
                message=_("Revision %(new)d started from revision %(old)d: %(reason)s")
                % {"new": copy.revision, "old": plan.revision, "reason": copy.revision_reason},
                data={"from": plan.pk, "to": copy.pk},
            )
    return copy


@dataclass(frozen=True)
class LineChange:
    code: str  # the characteristic's code
    change: str  # "added" | "removed" | "changed"
    fields: list[tuple[str, str, str]]  # (label, before, after)


def _shown(line: ControlPlanLine, name: str) -> str:
    display = getattr(line, f"get_{name}_display", None)
    value = display() if callable(display) else getattr(line, name)
    return "" if value is None else str(value)


def revision_changes_of(plans: list[ControlPlan]) -> dict[int, list[LineChange]]:
    """What each revision changed against the one it was revised from, line by line (lines
    are matched by characteristic; plan id → changes, empty for a first revision): one
    query for the lines of all the plans and of the revisions they came from."""
    ids = {p.pk for p in plans} | {p.revised_from_id for p in plans if p.revised_from_id}
    lines: dict[int, dict[int, ControlPlanLine]] = {}
    for line in ControlPlanLine.objects.filter(plan_id__in=ids).select_related(
        "characteristic", "msa_study", "fmea_item"
    ):
        lines.setdefault(line.plan_id, {})[line.characteristic_id] = line

    def label(name: str) -> str:
        return str(cast("Field[Any, Any]", ControlPlanLine._meta.get_field(name)).verbose_name)

    out: dict[int, list[LineChange]] = {}
    for plan in plans:
        if plan.revised_from_id is None:
            out[plan.pk] = []
            continue
        before, after = lines.get(plan.revised_from_id, {}), lines.get(plan.pk, {})
        changes: list[LineChange] = []
        for key, line in after.items():
            old = before.get(key)
            if old is None:
                changes.append(LineChange(line.characteristic.code, "added", []))
                continue
            fields = [
                (label(name), _shown(old, name), _shown(line, name))
                for name in LINE_FIELDS
                if getattr(old, name) != getattr(line, name) and name != "fmea_item"
            ]
            if fields:
                changes.append(LineChange(line.characteristic.code, "changed", fields))
        changes += [
            LineChange(ln.characteristic.code, "removed", [])
            for key, ln in before.items()
            if key not in after
        ]
        out[plan.pk] = sorted(changes, key=lambda c: c.code)
    return out


def revision_changes(plan: ControlPlan) -> list[LineChange]:
    """``revision_changes_of`` for one plan."""
    return revision_changes_of([plan])[plan.pk]


def supersede_older(plan: ControlPlan, *, actor: Any) -> list[ControlPlan]:
    """On publication of ``plan``: every earlier released revision of its number becomes
    superseded (its lines no longer count as the live control plan)."""
    older = list(
        ControlPlan.objects.select_for_update().filter(
            number=plan.number, status=ControlPlanStatus.RELEASED, revision__lt=plan.revision
        )
    )
    changes = revision_changes(plan)
    for old in older:
        old.status = ControlPlanStatus.SUPERSEDED
        old.save(update_fields=["status"])
        record_event(
            old,
            "superseded",
            actor=actor,
            message=_("Superseded by revision %(revision)d") % {"revision": plan.revision},
            data={
                "by": plan.pk,
                "changes": [
                    {"characteristic": c.code, "change": c.change, "fields": c.fields}
                    for c in changes
                ],
            },
        )
    return older


def plan_revisions(plan: ControlPlan, user: Any) -> Any:
    """Every revision of the plan's number the user may see, oldest first."""
    return (
        ControlPlan.objects.for_user(user, "view").filter(number=plan.number).order_by("revision")
    )

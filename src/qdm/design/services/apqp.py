"""Writes and reads of APQP projects: creation with the five gates and their configured
deliverables, deliverable links, the computed status of each deliverable, and signed gate
reviews that refuse a pass while a required deliverable is not done."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qdm.core.models import Attachment
from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.core.signatures import SignatureError, sign
from qdm.design.choices import ControlPlanStatus, FmeaStatus
from qdm.design.models import (
    ApqpDeliverable,
    ApqpGate,
    ApqpProject,
    Certificate,
    ChangeImpact,
    ControlPlan,
    Fmea,
    GateReview,
    QualificationProgramme,
)
from qdm.design.models.apqp import (
    APQP_PREFIX,
    GATE_CLEARED,
    MIN_CAPABILITY_N,
    MSA_MAX_PCT_GRR,
    MSA_MIN_NDC,
    PHASE_ORDER,
    DeliverableKind,
    DeliverableState,
    Evaluation,
    GateDecision,
    GateStatus,
    ProjectStatus,
    covers_product,
)
from qdm.design.models.change import ChangeStatus, ImpactArea
from qdm.design.models.qualification import ProgrammeStatus, Verdict
from qdm.design.services.qualification import certificate_state
from qdm.manufacturing import selectors as mfg

D = DeliverableKind
EXCLUDE = ["created_by", "number"]

#: the deliverables each gate expects (AIAG APQP 2nd ed. §1–5 outputs, PV-adapted); copied
#: into every new project, which may then add or drop its own. Titles are msgids.
DELIVERABLE_PLAN: dict[str, list[tuple[str, str]]] = {
    "plan": [
        (D.DOCUMENT, gettext_noop("Design goals, reliability and quality targets")),
        (D.DOCUMENT, gettext_noop("Preliminary bill of materials and process flow")),
    ],
    "product_design": [
        (D.DFMEA, gettext_noop("Design FMEA released")),
        (D.QUALIFICATION, gettext_noop("Design verification pre-tests (IEC 61215 / 61730)")),
    ],
    "process_design": [
        (D.PFMEA, gettext_noop("Process FMEA released")),
        (D.CONTROL_PLAN, gettext_noop("Pre-launch control plan published")),
    ],
    "validation": [
        (D.MSA, gettext_noop("Gauge R&R of the special characteristics")),
        (D.CAPABILITY, gettext_noop("Preliminary process capability study")),
        (D.QUALIFICATION, gettext_noop("IEC 61215 / IEC 61730 qualification report")),
        (D.CONTROL_PLAN, gettext_noop("Production control plan published")),
    ],
    "launch": [
        (D.PPAP, gettext_noop("PPAP-like submission approved (PSW)")),
        (D.DOCUMENT, gettext_noop("Launch review and lessons learned")),
    ],
}


def _gate_dates(start: date, launch: date) -> list[date]:
    """Planned review dates spread evenly from start to start of production."""
    span = max((launch - start).days, 0)
    return [start + timedelta(days=round(span * (i + 1) / len(PHASE_ORDER))) for i in range(5)]


def create_project(*, actor: Any, **fields: Any) -> ApqpProject:
    """An active project numbered ``APQP-<site>-<year>-<seq>`` with its five gates and the
    deliverables of ``DELIVERABLE_PLAN``."""
    with transaction.atomic():
        project = ApqpProject(created_by=actor, **fields)
        if project.site_id is None:
            raise ValidationError({"site": _("An APQP project belongs to a site.")})
        if not project.family_id and project.product is not None:
            project.family = project.product.family
        project.number = next_number(APQP_PREFIX, project.site.code)
        project.full_clean(exclude=EXCLUDE)
        project.save()
        dates = _gate_dates(project.start_date, project.launch_date)
        for seq, (phase, planned) in enumerate(zip(PHASE_ORDER, dates, strict=True), start=1):
            gate = ApqpGate.objects.create(
                project=project, phase=phase, sequence=seq, planned_date=planned
            )
            ApqpDeliverable.objects.bulk_create(
                ApqpDeliverable(gate=gate, kind=kind, title=_(title), due_date=planned)
                for kind, title in DELIVERABLE_PLAN[phase]
            )
        record_event(
            project,
            "created",
            actor=actor,
            message=_("Created %(number)s with 5 gates") % {"number": project.number},
        )
    return project


def update_project(project: ApqpProject, *, actor: Any, **fields: Any) -> ApqpProject:
    with transaction.atomic():
        for name, value in fields.items():
            setattr(project, name, value)
        project.full_clean(exclude=EXCLUDE)
        project.save()
    return project


def _check_gate_open(gate: ApqpGate) -> None:
    gate = ApqpGate.objects.select_related("project").get(pk=gate.pk)
    if gate.project.status != ProjectStatus.ACTIVE:
        raise ValidationError(
            _("%(project)s is %(status)s: its deliverables can no longer be changed.")
            % {"project": gate.project.number, "status": gate.project.get_status_display()},
            code="project_closed",
        )
    if gate.status == GateStatus.PASSED:
        raise ValidationError(
            _("Gate %(gate)s has passed: its deliverables can no longer be changed.")
            % {"gate": gate},
            code="gate_passed",
        )


def save_deliverable(deliverable: ApqpDeliverable, *, actor: Any) -> ApqpDeliverable:
    """Create or change a deliverable (its link, owner, figures) of a gate not yet passed."""
    with transaction.atomic():
        if deliverable.pk:
            stored = ApqpDeliverable.objects.values_list("gate_id", flat=True).get(
                pk=deliverable.pk
            )
            _check_gate_open(ApqpGate(pk=stored))
        _check_gate_open(deliverable.gate)
        created = deliverable.pk is None
        deliverable.full_clean()
        deliverable.save()
        state = evaluate(deliverable)
        record_event(
            deliverable.gate.project,
            "deliverable_added" if created else "deliverable_changed",
            actor=actor,
            message=_("%(title)s: %(state)s") % {"title": deliverable.title, "state": state.label},
            data={"deliverable": deliverable.pk, "state": state.state},
        )
    return deliverable


def delete_deliverable(deliverable: ApqpDeliverable, *, actor: Any) -> None:
    with transaction.atomic():
        _check_gate_open(deliverable.gate)
        record_event(
            deliverable.gate.project,
            "deliverable_removed",
            actor=actor,
            message=_("%(title)s removed from %(gate)s")
            % {"title": deliverable.title, "gate": deliverable.gate},
        )
        deliverable.delete()


# --- computed status --------------------------------------------------------------------------

#: the chart model, reached through the link (design reads manufacturing only via its
#: selectors); its scoped manager gives the same visibility as ``chart_capability(id, user)``
CHART_MODEL: Any = ApqpDeliverable._meta.get_field("spc_chart").related_model
HIDDEN_CHART = gettext_noop("A linked SPC chart at a site you cannot see: %(state)s.")


@dataclass
class _Facts:
    """What evaluating a set of deliverables reads, loaded once for all of them."""

    released_fmeas: dict[str, int] = field(default_factory=dict)  # number → newest revision
    live_plans: dict[str, int] = field(default_factory=dict)  # number → newest published rev
    attached: set[str] = field(default_factory=set)  # pks (as stored) with an attachment
    charts: dict[int, dict[str, Any] | None] = field(default_factory=dict)  # unscoped figures
    visible_charts: set[int] | None = None  # None: every chart (no viewer given)


def visible_chart_ids(chart_ids: set[int], user: Any) -> set[int] | None:
    """The charts of ``chart_ids`` that ``user`` may see (None: all, when no user is given);
    one query."""
    if user is None:
        return None
    if not chart_ids:
        return set()
    scoped = CHART_MODEL.objects.for_user(user, "view").filter(pk__in=chart_ids)
    return set(scoped.values_list("pk", flat=True))


def hide_chart_in(error: ValidationError) -> ValidationError:
    """``error`` with its messages about the SPC chart (another site, another characteristic:
    they name the chart) replaced by one that does not name it, for an editor who may not
    see the chart the deliverable keeps."""
    hidden = _("The linked SPC chart, at a site you cannot see, does not fit these values.")
    if not hasattr(error, "error_dict"):
        return error
    errors = dict(error.error_dict)
    if "spc_chart" in errors:
        errors["spc_chart"] = [ValidationError(hidden, code="chart_hidden")]
    return ValidationError(errors)


def _newest(queryset: Any) -> dict[str, int]:
    rows = queryset.values("number").annotate(newest=Max("revision"))
    return {row["number"]: row["newest"] for row in rows}


def _load_facts(items: list[ApqpDeliverable], user: Any) -> _Facts:
    """A bounded number of queries whatever the number of deliverables (one per kind of
    link present, plus one capability read per distinct linked chart)."""
    of = {kind: [i for i in items if i.kind == kind] for kind in D.values}
    prefetch_related_objects(of[D.DFMEA] + of[D.PFMEA], "fmea")
    prefetch_related_objects(of[D.CONTROL_PLAN], "control_plan")
    prefetch_related_objects(of[D.MSA], "msa_study")
    prefetch_related_objects(of[D.CAPABILITY], "characteristic")
    prefetch_related_objects(
        of[D.QUALIFICATION], "programme", "certificate__module_models",
        "gate__project__product", "gate__project__family",
    )  # fmt: skip
    facts = _Facts()
    fmeas = {i.fmea.number for i in of[D.DFMEA] + of[D.PFMEA] if i.fmea is not None}
    if fmeas:
        facts.released_fmeas = _newest(
            Fmea.objects.filter(number__in=fmeas, status=FmeaStatus.RELEASED)
        )
    plans = {i.control_plan.number for i in of[D.CONTROL_PLAN] if i.control_plan is not None}
    if plans:
        facts.live_plans = _newest(
            ControlPlan.objects.filter(
                number__in=plans, status=ControlPlanStatus.RELEASED, published_at__isnull=False
            )
        )
    documents = [
        i for i in items
        if i.kind not in (D.DFMEA, D.PFMEA, D.CONTROL_PLAN, D.MSA, D.CAPABILITY)
        and i.pk and i.reference
    ]  # fmt: skip
    if documents:
        facts.attached = set(
            Attachment.objects.filter(
                content_type=ContentType.objects.get_for_model(ApqpDeliverable),
                object_id__in=[str(i.pk) for i in documents],
            ).values_list("object_id", flat=True)
        )
    chart_ids = {i.spc_chart_id for i in of[D.CAPABILITY] if i.spc_chart_id}
    facts.charts = {pk: mfg.chart_capability(pk) for pk in sorted(chart_ids)}
    facts.visible_charts = visible_chart_ids(chart_ids, user)
    return facts


def _fmea_state(item: ApqpDeliverable, facts: _Facts) -> Evaluation:
    fmea = item.fmea
    if fmea is None:
        return Evaluation(DeliverableState.MISSING, _("No FMEA linked."))
    released = facts.released_fmeas.get(fmea.number)
    if released is not None:
        return Evaluation(
            DeliverableState.DONE,
            _("%(fmea)s rev %(rev)d released.") % {"fmea": fmea.number, "rev": released},
        )
    return Evaluation(
        DeliverableState.IN_PROGRESS,
        _("%(fmea)s is %(status)s, not released.")
        % {"fmea": fmea.number, "status": fmea.get_status_display()},
    )


def _control_plan_state(item: ApqpDeliverable, facts: _Facts) -> Evaluation:
    plan = item.control_plan
    if plan is None:
        return Evaluation(DeliverableState.MISSING, _("No control plan linked."))
    live = facts.live_plans.get(plan.number)
    if live is not None:
        return Evaluation(
            DeliverableState.DONE,
            _("%(plan)s rev %(rev)d released and published.") % {"plan": plan.number, "rev": live},
        )
    if plan.status == ControlPlanStatus.RELEASED:
        reason = _("%(plan)s is released but not published to manufacturing.")
    else:
        reason = _("%(plan)s is not released.")
    return Evaluation(DeliverableState.IN_PROGRESS, reason % {"plan": plan.number})


def _msa_state(item: ApqpDeliverable) -> Evaluation:
    study = item.msa_study
    if study is None:
        return Evaluation(DeliverableState.MISSING, _("No MSA study linked."))
    pct, ndc = study.pct_study_var_grr, study.ndc
    figures = {"pct": pct or 0.0, "ndc": ndc or 0, "max": MSA_MAX_PCT_GRR, "min": MSA_MIN_NDC}
    if pct is not None and ndc is not None and pct <= MSA_MAX_PCT_GRR and ndc >= MSA_MIN_NDC:
        return Evaluation(
            DeliverableState.DONE, _("GRR %(pct).1f %% of study variation, ndc %(ndc)d.") % figures
        )
    return Evaluation(
        DeliverableState.IN_PROGRESS,
        _(
            "GRR %(pct).1f %% of study variation and ndc %(ndc)d: "
            "needs at most %(max)g %% and ndc at least %(min)d."
        )
        % figures,
    )


def _chart_state(item: ApqpDeliverable, chart_id: int, facts: _Facts) -> Evaluation:
    """A capability study read live from its SPC chart (manufacturing's chart page figures):
    done when at least ``MIN_CAPABILITY_N`` values give min(Cpk, Ppk) ≥ the target. The state
    never depends on the viewer; when the viewer may not see the chart (another site's), the
    reason gives only that state, not the chart's name or figures."""
    live = facts.charts.get(chart_id)
    if live is None:
        return Evaluation(DeliverableState.MISSING, _("The linked SPC chart no longer exists."))
    evaluation = _chart_figures(item, live)
    if facts.visible_charts is not None and chart_id not in facts.visible_charts:
        return Evaluation(evaluation.state, _(HIDDEN_CHART) % {"state": evaluation.label})
    return evaluation


def _chart_figures(item: ApqpDeliverable, live: dict[str, Any]) -> Evaluation:
    figures = {
        "chart": live["name"],
        "n": live["n"],
        "min": MIN_CAPABILITY_N,
        "cpk": live["cpk"] or 0.0,
        "ppk": live["ppk"] or 0.0,
        "target": item.cpk_target,
        "error": live["error"],
    }
    if live["cpk"] is None or live["ppk"] is None:
        reason = {
            "attribute_chart": _("%(chart)s is an attribute chart: it has no capability."),
            "no_spec": _("%(chart)s: the characteristic has no specification limits."),
            "too_few": _("%(chart)s: %(n)d values, too few for a capability figure."),
        }.get(live["problem"], _("%(chart)s: no capability figure (%(error)s)."))
        return Evaluation(DeliverableState.IN_PROGRESS, reason % figures)
    text = _("%(chart)s (live, n = %(n)d): Cpk %(cpk).2f, Ppk %(ppk).2f") % figures
    if live["n"] < MIN_CAPABILITY_N:
        return Evaluation(
            DeliverableState.IN_PROGRESS,
            text + " — " + _("a preliminary study needs at least %(min)d values.") % figures,
        )
    if min(live["cpk"], live["ppk"]) >= item.cpk_target:
        return Evaluation(DeliverableState.DONE, f"{text} ≥ {item.cpk_target:.2f}.")
    return Evaluation(DeliverableState.IN_PROGRESS, f"{text} < {item.cpk_target:.2f}.")


def _capability_state(item: ApqpDeliverable, facts: _Facts) -> Evaluation:
    if item.spc_chart_id is not None:
        return _chart_state(item, item.spc_chart_id, facts)
    char = item.characteristic
    if char is None:
        return Evaluation(DeliverableState.MISSING, _("No SPC chart or characteristic linked."))
    if item.cpk is None:
        return Evaluation(
            DeliverableState.IN_PROGRESS,
            _("No capability figure for %(code)s yet.") % {"code": char.code},
        )
    figures = {"code": char.code, "cpk": item.cpk, "target": item.cpk_target}
    if item.cpk >= item.cpk_target:
        return Evaluation(
            DeliverableState.DONE, _("%(code)s: Cpk %(cpk).2f ≥ %(target).2f (typed).") % figures
        )
    return Evaluation(
        DeliverableState.IN_PROGRESS,
        _("%(code)s: Cpk %(cpk).2f < %(target).2f (typed).") % figures,
    )


def _programme_state(programme: QualificationProgramme) -> Evaluation:
    figures = {"number": programme.number, "standard": programme.get_standard_display()}
    if programme.status != ProgrammeStatus.COMPLETED:
        figures["status"] = programme.get_status_display()
        return Evaluation(
            DeliverableState.IN_PROGRESS,
            _("Programme %(number)s is %(status)s, not completed.") % figures,
        )
    if programme.verdict == Verdict.PASS:
        return Evaluation(
            DeliverableState.DONE,
            _("Programme %(number)s completed: %(standard)s passed.") % figures,
        )
    figures["verdict"] = programme.get_verdict_display() or "—"
    return Evaluation(
        DeliverableState.IN_PROGRESS,
        _("Programme %(number)s completed with the verdict %(verdict)s, not a pass.") % figures,
    )


def _certificate_state(item: ApqpDeliverable, cert: Certificate) -> Evaluation:
    state = certificate_state(cert)
    project = item.gate.project
    figures = {"cert": str(cert), "expiry": cert.expiry_date or "—"}
    if state in ("withdrawn", "expired"):
        reason = {
            "withdrawn": _("Certificate %(cert)s is withdrawn."),
            "expired": _("Certificate %(cert)s expired on %(expiry)s."),
        }[state]
        return Evaluation(DeliverableState.IN_PROGRESS, reason % figures)
    if not any(covers_product(project, m) for m in cert.module_models.all()):
        product = project.product
        figures["product"] = product.code if product is not None else str(project.family)
        return Evaluation(
            DeliverableState.IN_PROGRESS,
            _("Certificate %(cert)s does not cover %(product)s.") % figures,
        )
    return Evaluation(
        DeliverableState.DONE, _("Certificate %(cert)s valid until %(expiry)s.") % figures
    )


def _qualification_state(item: ApqpDeliverable, facts: _Facts) -> Evaluation:
    """Done when the linked programme is completed with a pass or the linked certificate is
    valid (not withdrawn, not expired) and covers the project's module model; in progress
    when linked but neither; an external report (reference + attachment) when nothing is
    linked."""
    found = []
    if item.programme is not None:
        found.append(_programme_state(item.programme))
    if item.certificate is not None:
        found.append(_certificate_state(item, item.certificate))
    if not found:
        external = _document_state(item, facts)
        if external.state == DeliverableState.MISSING:
            return Evaluation(
                DeliverableState.MISSING,
                _("No qualification programme, certificate or external report linked."),
            )
        return Evaluation(
            external.state, _("External report: %(reason)s") % {"reason": external.reason}
        )
    done = [e for e in found if e.state == DeliverableState.DONE]
    state = DeliverableState.DONE if done else DeliverableState.IN_PROGRESS
    return Evaluation(state, " ".join(e.reason for e in (done or found)))


def _document_state(item: ApqpDeliverable, facts: _Facts) -> Evaluation:
    if not item.reference:
        return Evaluation(DeliverableState.MISSING, _("No reference given."))
    if item.kind == D.PPAP:
        if item.accepted_on is None:
            return Evaluation(
                DeliverableState.IN_PROGRESS,
                _("%(ref)s submitted, not yet approved by the customer.") % {"ref": item.reference},
            )
        return Evaluation(
            DeliverableState.DONE,
            _("%(ref)s approved on %(date)s.") % {"ref": item.reference, "date": item.accepted_on},
        )
    if str(item.pk) not in facts.attached:
        return Evaluation(
            DeliverableState.IN_PROGRESS,
            _("%(ref)s named but no document attached.") % {"ref": item.reference},
        )
    return Evaluation(DeliverableState.DONE, _("%(ref)s attached.") % {"ref": item.reference})


def _evaluate(item: ApqpDeliverable, facts: _Facts) -> Evaluation:
    if item.kind in (D.DFMEA, D.PFMEA):
        return _fmea_state(item, facts)
    if item.kind == D.CONTROL_PLAN:
        return _control_plan_state(item, facts)
    if item.kind == D.MSA:
        return _msa_state(item)
    if item.kind == D.CAPABILITY:
        return _capability_state(item, facts)
    if item.kind == D.QUALIFICATION:
        return _qualification_state(item, facts)
    return _document_state(item, facts)


def evaluate_all(items: Iterable[ApqpDeliverable], user: Any = None) -> list[Evaluation]:
    """The evaluations of ``items`` in their order (as ``evaluate``), in a bounded number of
    queries whatever their number: the linked records are loaded once for all of them."""
    items = list(items)
    facts = _load_facts(items, user)
    return [_evaluate(item, facts) for item in items]


def evaluate(item: ApqpDeliverable, user: Any = None) -> Evaluation:
    """The deliverable's state computed from the record it links (see docs/apqp.md). The
    state never depends on ``user``; given one (the viewer), the reason leaves out what the
    viewer may not see (a linked SPC chart of a site outside their scope)."""
    return evaluate_all([item], user)[0]


def gate_deliverables(gate: ApqpGate, user: Any = None) -> list[tuple[ApqpDeliverable, Evaluation]]:
    """The gate's deliverables with their evaluations (reasons worded for ``user``)."""
    items = list(
        gate.deliverables.select_related(
            "fmea", "control_plan", "msa_study", "characteristic", "owner", "programme",
            "certificate", "gate__project__product", "gate__project__family",
        ).order_by("pk")
    )  # fmt: skip
    return list(zip(items, evaluate_all(items, user), strict=True))


def _names(rows: list[tuple[ApqpDeliverable, Evaluation]]) -> str:
    return "; ".join(f"{d.title} ({e.reason})" for d, e in rows)


def review_gate(
    gate: ApqpGate,
    *,
    actor: Any,
    decision: str,
    password: str,
    reason: str,
    comments: str = "",
    conditions: str = "",
    conditions_due: date | None = None,
) -> GateReview:
    """Decide a gate, e-signed by ``actor``. A pass needs every required deliverable done;
    a conditional pass needs each of them at least started (linked) and the conditions with
    a due date; a fail needs comments. The previous gate must have passed (or passed with
    conditions). Raises ValidationError naming the problem; nothing is saved then."""
    if decision not in GateDecision.values:
        raise ValidationError({"decision": _("Unknown decision %(value)s.") % {"value": decision}})
    with transaction.atomic():
        gate = ApqpGate.objects.select_for_update().select_related("project").get(pk=gate.pk)
        project = gate.project
        if project.status != ProjectStatus.ACTIVE:
            raise ValidationError(
                _("%(project)s is %(status)s.")
                % {"project": project.number, "status": project.get_status_display()}
            )
        if gate.status == GateStatus.PASSED:
            raise ValidationError(_("Gate %(gate)s has already passed.") % {"gate": gate})
        previous = project.gates.filter(sequence=gate.sequence - 1).first()
        if previous is not None and previous.status not in GATE_CLEARED:
            raise ValidationError(
                _("Gate %(gate)s cannot be reviewed before gate %(previous)s has passed.")
                % {"gate": gate.sequence, "previous": previous}
            )
        # the reasons as the reviewer may see them: they sign this snapshot
        rows = gate_deliverables(gate, actor)
        open_rows = [(d, e) for d, e in rows if d.required and e.state != "done"]
        errors: dict[str, Any] = {}
        if decision == GateDecision.PASS and open_rows:
            raise ValidationError(
                _("Gate %(gate)s cannot pass with deliverables missing: %(missing)s")
                % {"gate": gate, "missing": _names(open_rows)},
                code="deliverables_missing",
            )
        if decision == GateDecision.CONDITIONAL:
            absent = [(d, e) for d, e in open_rows if e.state == DeliverableState.MISSING]
            if absent:
                raise ValidationError(
                    _("Gate %(gate)s cannot pass, even with conditions, with deliverables "
                      "missing: %(missing)s") % {"gate": gate, "missing": _names(absent)},
                    code="deliverables_missing",
                )  # fmt: skip
            if not conditions.strip():
                errors["conditions"] = _("A conditional pass states its conditions.")
            if conditions_due is None:
                errors["conditions_due"] = _("A conditional pass needs a due date.")
        if decision == GateDecision.FAIL and not comments.strip():
            errors["comments"] = _("Say why the gate failed.")
        if errors:
            raise ValidationError(errors)
        review = GateReview.objects.create(
            gate=gate,
            decision=decision,
            comments=comments,
            conditions=conditions,
            conditions_due=conditions_due,
            # ``chart``: the linked SPC chart, so that ``review_snapshot`` can hide its name
            # and figures from later viewers who may not see it
            deliverables=[
                {
                    "id": d.pk,
                    "title": d.title,
                    "kind": d.kind,
                    "state": e.state,
                    "reason": e.reason,
                    "chart": d.spc_chart_id,
                }
                for d, e in rows
            ],
            reviewed_by=actor,
        )
        meaning = "rejected" if decision == GateDecision.FAIL else "approved"
        try:
            review.signature = sign(
                review,
                user=actor,
                password=password,
                meaning=meaning,
                reason=reason,
                action=f"gate_{decision}",
            )
        except SignatureError as exc:
            field = "reason" if exc.code == "signature_reason" else "password"
            raise ValidationError({field: str(exc.message)}, code=exc.code) from exc
        review.save(update_fields=["signature"])
        gate.status = {
            GateDecision.PASS: GateStatus.PASSED,
            GateDecision.CONDITIONAL: GateStatus.CONDITIONAL,
            GateDecision.FAIL: GateStatus.FAILED,
        }[GateDecision(decision)]
        gate.decided_at = timezone.now()
        gate.save(update_fields=["status", "decided_at"])
        message = _("Gate %(gate)s: %(decision)s") % {
            "gate": gate,
            "decision": review.get_decision_display(),
        }
        record_event(gate, "reviewed", actor=actor, message=message, data={"review": review.pk})
        record_event(project, "gate_reviewed", actor=actor, message=message)
        if gate.phase == PHASE_ORDER[-1] and gate.status == GateStatus.PASSED:
            project.status = ProjectStatus.LAUNCHED
            project.save(update_fields=["status"])
            record_event(project, "launched", actor=actor, message=_("Launched"))
    return review


def review_snapshot(review: GateReview, user: Any = None) -> list[dict[str, Any]]:
    """The deliverables as ``review`` recorded them (``id, title, kind, state, reason``),
    worded for ``user`` by the rule of ``evaluate``: a capability study read from an SPC
    chart the user may not see keeps its state, its reason leaves out the chart's name and
    figures. A snapshot taken before the chart was recorded in it is judged by the chart the
    deliverable links now (the same at a passed gate, whose deliverables are frozen); when
    none is linked any more (or the deliverable is gone) that reason is withheld from
    everyone but the unscoped reader (no ``user``)."""
    entries = list(review.deliverables)
    if user is None:
        return [{k: v for k, v in e.items() if k != "chart"} for e in entries]
    studies = [e for e in entries if e.get("kind") == D.CAPABILITY]
    older = [e["id"] for e in studies if "chart" not in e]
    now: dict[int, int] = {}
    if older:
        linked = ApqpDeliverable.objects.filter(pk__in=older, spc_chart__isnull=False)
        now = dict(linked.values_list("pk", "spc_chart_id"))
    charts = {e["id"]: e["chart"] if "chart" in e else now.get(e["id"]) for e in studies}
    visible = visible_chart_ids({c for c in charts.values() if c}, user) or set()
    out = []
    for entry in entries:
        shown = {k: v for k, v in entry.items() if k != "chart"}
        if entry.get("kind") == D.CAPABILITY:
            chart = charts[entry["id"]]
            label = Evaluation(entry["state"], "").label
            if chart and chart not in visible:
                shown["reason"] = _(HIDDEN_CHART) % {"state": label}
            elif not chart and "chart" not in entry:
                shown["reason"] = _(
                    "%(state)s at the review; the reason is withheld: the SPC chart it may "
                    "name can no longer be checked for your access."
                ) % {"state": label}
        out.append(shown)
    return out


def project_timeline(project: ApqpProject, user: Any = None) -> list[dict[str, Any]]:
    """Each gate with its deliverables and their computed states (reasons worded for
    ``user``), for the overview."""
    out = []
    for gate in project.gates.order_by("sequence"):
        rows = gate_deliverables(gate, user)
        done = sum(1 for _d, e in rows if e.state == DeliverableState.DONE)
        out.append(
            {
                "gate": gate,
                "rows": rows,
                "done": done,
                "total": len(rows),
                "review": gate.reviews.select_related("reviewed_by").first(),
                "blocking": [d for d, e in rows if d.required and e.state != "done"],
            }
        )
    return out


# --- engineering changes that touch the project's qualification ------------------------------

#: change states whose impact rows still stand (assessed, not closed or rejected)
OPEN_CHANGES = (ChangeStatus.ASSESSMENT, ChangeStatus.APPROVED, ChangeStatus.IMPLEMENTED)


def change_warnings(project: ApqpProject, user: Any = None) -> list[dict[str, Any]]:
    """Open engineering changes whose impact assessment lists a certificate or qualification
    programme behind the project's qualification deliverables: the certificates and
    programmes the deliverables link, and those of the project's module model (a certificate
    covering it, a programme qualifying it). Only changes ``user`` may see (when given).
    ``[{change, impact, deliverables: [ApqpDeliverable]}]``, one per impact row."""
    items = list(
        ApqpDeliverable.objects.filter(gate__project=project, kind=D.QUALIFICATION).order_by(
            "gate__sequence", "pk"
        )
    )
    if not items:
        return []
    certs = {d.certificate_id for d in items if d.certificate_id}
    programmes = {d.programme_id for d in items if d.programme_id}
    model_certs: set[int] = set()
    model_programmes: set[int] = set()
    if project.product_id:
        model_certs = set(
            Certificate.objects.filter(module_models=project.product_id).values_list(
                "pk", flat=True
            )
        )
        model_programmes = set(
            QualificationProgramme.objects.filter(module_model=project.product_id).values_list(
                "pk", flat=True
            )
        )
    impacts = ChangeImpact.objects if user is None else ChangeImpact.objects.for_user(user, "view")
    rows = (
        impacts.filter(change__status__in=OPEN_CHANGES)
        .filter(
            Q(area=ImpactArea.CERTIFICATE, object_id__in=certs | model_certs)
            | Q(area=ImpactArea.PROGRAMME, object_id__in=programmes | model_programmes)
        )
        .select_related("change")
        .order_by("change__number", "area", "reference")
    )
    out = []
    for impact in rows:
        linked = certs if impact.area == ImpactArea.CERTIFICATE else programmes
        field = "certificate_id" if impact.area == ImpactArea.CERTIFICATE else "programme_id"
        hit = [d for d in items if getattr(d, field) == impact.object_id]
        out.append(
            {
                "change": impact.change,
                "impact": impact,
                # a model-wide certificate or programme: every qualification deliverable
                "deliverables": hit if impact.object_id in linked else items,
            }
        )
    return out

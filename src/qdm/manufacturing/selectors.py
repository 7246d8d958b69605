"""What sibling platforms may use of manufacturing quality (DESIGN §3: "it goes through that
app's selectors.py, declared as an explicit exception in the contract").

The supplier platform opens IQC lots for its receipts, reads their verdicts and failing
characteristics, and registers its hooks (lot judged → switching rules; the switching
severity → the lot's sample size). Nothing else of manufacturing is public to siblings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from qdm.manufacturing.choices import InspectionStage, PlanStatus, SamplingMethod, Verdict
from qdm.manufacturing.hooks import on_lot_judged, provide_severity, sampling_severity
from qdm.manufacturing.models import InspectionLot, InspectionPlan, InspectionRecord
from qdm.manufacturing.services.inspection import (
    InspectionError,
    open_inspection_lot,
    record_results,
)

__all__ = [
    "InspectionError",
    "InspectionLot",
    "Verdict",
    "ensure_iqc_plan",
    "failing_characteristics",
    "iqc_plan_for",
    "iqc_sampling_line",
    "lot_values",
    "lot_verdicts",
    "nonconforming_on_line",
    "on_lot_judged",
    "open_iqc_lot",
    "provide_severity",
    "record_results",
    "sampling_severity",
]


def iqc_plan_for(site: Any, material: Any) -> InspectionPlan | None:
    """The released IQC plan of ``material`` at ``site`` (latest version), if any."""
    return (
        InspectionPlan.objects.filter(
            site=site, material=material, stage=InspectionStage.IQC, status=PlanStatus.RELEASED
        )
        .order_by("-version")
        .first()
    )


def iqc_sampling_line(plan: InspectionPlan) -> Any:
    """The first ISO 2859-1 line of a plan: its AQL and level drive the switching rules."""
    return (
        plan.lines.filter(sampling=SamplingMethod.ISO2859)
        .select_related("characteristic")
        .order_by("sequence", "pk")
        .first()
    )


def open_iqc_lot(
    *,
    actor: Any,
    plan: InspectionPlan,
    unit: Any,
    quantity: Any,
    reference: str = "",
    inspected_at: datetime | None = None,
) -> InspectionLot:
    """Open the IQC inspection lot of a receipt. Its ISO 2859-1 sample sizes follow the
    severity the registered severity providers give for it (the supplier's switching
    state), so the caller registers the receipt before results are recorded."""
    if plan.stage != InspectionStage.IQC:
        raise InspectionError(f"Plan {plan} is not an IQC plan.")
    return open_inspection_lot(
        actor=actor,
        plan=plan,
        unit=unit,
        quantity=quantity,
        reference=reference,
        inspected_at=inspected_at,
    )


def lot_verdicts(lot_ids: list[int]) -> QuerySet:
    """``(id, status, verdict, verdict_summary, nonconformity_id, hold_id)`` per lot."""
    return InspectionLot.objects.filter(pk__in=lot_ids).values(
        "id", "number", "status", "verdict", "verdict_summary", "nonconformity_id", "hold_id"
    )


def nonconforming_on_line(lot: InspectionLot, line: Any) -> int:
    """How many samples of ``line`` were nonconforming in ``lot``."""
    return InspectionRecord.objects.filter(lot=lot, line=line, conforming=False).count()


def failing_characteristics(lot_ids: list[int]) -> dict[int, set[str]]:
    """Lot id → codes of the characteristics with a nonconforming sample."""
    found: dict[int, set[str]] = {}
    rows = InspectionRecord.objects.filter(lot_id__in=lot_ids, conforming=False).values_list(
        "lot_id", "line__characteristic__code"
    )
    for lot_id, code in rows:
        found.setdefault(lot_id, set()).add(code)
    return found


def ensure_iqc_plan(
    *,
    actor: Any,
    password: str,
    code: str,
    name: str,
    site: Any,
    material: Any,
    characteristic: Any,
    aql: str = "0.65",
    level: str = "II",
    method: str = "",
) -> InspectionPlan:
    """A released single-line ISO 2859-1 IQC plan (created and e-signed if missing): the
    supplier platform's set-up and demo use it; manufacturing's own plans are richer."""
    from qdm.core.workflow import transition
    from qdm.manufacturing.services.inspection import create_plan, save_plan_line

    existing = InspectionPlan.objects.filter(code=code).order_by("-version").first()
    if existing is not None:
        return existing
    plan = create_plan(
        actor=actor, code=code, name=name, stage=InspectionStage.IQC, site=site, material=material
    )
    save_plan_line(
        actor=actor,
        plan=plan,
        sequence=10,
        characteristic=characteristic,
        method=method,
        sampling=SamplingMethod.ISO2859,
        aql=aql,
        inspection_level=level,
    )
    transition(plan, "release", actor=actor, password=password, reason="IQC plan reviewed")
    plan.refresh_from_db()
    return plan


def lot_values(lot_ids: list[int], code: str) -> dict[int, list[float]]:
    """Lot id → our measured values of characteristic ``code`` in those lots."""
    found: dict[int, list[float]] = {}
    rows = InspectionRecord.objects.filter(
        lot_id__in=lot_ids, line__characteristic__code=code, value__isnull=False
    ).values_list("lot_id", "value")
    for lot_id, value in rows:
        found.setdefault(lot_id, []).append(value)
    return found


# --- design: control plans published to manufacturing (DESIGN §3, issue 8 §2) -------------
# The design platform publishes a released control plan as the site's inspection plan (a
# draft version that manufacturing reviews and releases) and the line's SPC charts (drafts
# whose limits manufacturing freezes), and asks which characteristics have a live control.


def inspection_plan_versions(code: str) -> QuerySet:
    """All versions of the inspection plan ``code``, newest first."""
    return InspectionPlan.objects.filter(code=code).order_by("-version")


def publish_inspection_plan(
    *,
    actor: Any,
    code: str,
    name: str,
    site: Any,
    module_model: Any,
    lines: list[dict[str, Any]],
) -> InspectionPlan:
    """Create or update the in-process (IPQA) plan ``code`` so that it has exactly ``lines``
    (dicts of InspectionPlanLine fields, keyed by characteristic).

    No plan yet: a draft version 1. A draft version: it is updated. Otherwise (released,
    superseded or retired): a new draft version. Manufacturing releases it (e-signed)."""
    from django.db import transaction

    from qdm.manufacturing.services.inspection import (
        create_plan,
        new_plan_version,
        save_plan_line,
        update_plan,
    )

    with transaction.atomic():
        latest = inspection_plan_versions(code).first()
        fields = {"name": name, "site": site, "module_model": module_model, "material": None}
        if latest is None:
            plan = create_plan(actor=actor, code=code, stage=InspectionStage.IPQA, **fields)
        else:
            plan = latest
            if plan.status != PlanStatus.DRAFT:
                plan = new_plan_version(plan, actor=actor)
            plan = update_plan(plan, actor=actor, **fields)
        wanted = {line["characteristic"].pk: line for line in lines}
        plan.lines.exclude(characteristic_id__in=list(wanted)).delete()
        existing = {line.characteristic_id: line for line in plan.lines.all()}
        for char_id, line_fields in wanted.items():
            save_plan_line(
                actor=actor,
                instance=existing.get(char_id),
                plan=plan,
                sampling=SamplingMethod.FIXED,
                **line_fields,
            )
    return plan


def ensure_line_chart(
    *,
    actor: Any,
    name: str,
    characteristic: Any,
    line: Any,
    chart_type: str,
    subgroup_size: int,
) -> Any:
    """The line's non-retired SPC chart of ``characteristic``: an existing draft is updated,
    an active one (limits frozen) is left as it is, none: a new draft chart."""
    from qdm.manufacturing.choices import ChartStatus
    from qdm.manufacturing.models import SpcChartConfig
    from qdm.manufacturing.services.spc import create_chart_config, update_chart_config

    config = (
        SpcChartConfig.objects.filter(characteristic=characteristic, line=line)
        .exclude(status=ChartStatus.RETIRED)
        .order_by("-status", "-pk")  # "draft" sorts after "active": an active chart first
        .first()
    )
    fields = {"chart_type": chart_type, "subgroup_size": subgroup_size}
    if config is None:
        return create_chart_config(
            actor=actor, name=name, characteristic=characteristic, line=line, **fields
        )
    if config.status == ChartStatus.DRAFT:
        return update_chart_config(config, actor=actor, name=name, **fields)
    return config


def live_inspection_keys(site_ids: list[int]) -> set[tuple[int, int]]:
    """``(site id, characteristic id)`` with a line in a released inspection plan."""
    from qdm.manufacturing.models import InspectionPlanLine

    rows = InspectionPlanLine.objects.filter(
        plan__site_id__in=site_ids, plan__status=PlanStatus.RELEASED
    ).values_list("plan__site_id", "characteristic_id")
    return set(rows)


def live_chart_keys(line_ids: list[int]) -> set[tuple[int, int]]:
    """``(line id, characteristic id)`` with an active SPC chart (limits frozen)."""
    from qdm.manufacturing.choices import ChartStatus
    from qdm.manufacturing.models import SpcChartConfig

    rows = SpcChartConfig.objects.filter(
        line_id__in=line_ids, status=ChartStatus.ACTIVE
    ).values_list("line_id", "characteristic_id")
    return set(rows)

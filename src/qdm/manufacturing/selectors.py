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


# --- MRB failure dispositions for quality-loss accounting (cockpit COPQ, issue 10 §5) ---

from dataclasses import dataclass  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402


@dataclass(frozen=True)
class MrbFailureLine:
    """One approved MRB decision that costs money inside the factory (scrap, rework,
    downgrade), with the item its standard cost is looked up by."""

    disposition_id: int
    hold_number: str
    site_id: int
    decision: str
    quantity: Decimal
    decided_on: date
    material_id: int | None
    module_model_id: int | None
    url: str


#: MRB decisions that are internal-failure costs (use as is costs nothing; a return to the
#: supplier is charged to the supplier)
FAILURE_DECISIONS = ("scrap", "rework", "downgrade")


def mrb_failure_lines(site_ids: list[int], start: date, end: date) -> list[MrbFailureLine]:
    """Approved scrap / rework / downgrade dispositions at ``site_ids`` decided from
    ``start`` to ``end`` (both included, local dates).

    The decision date is that of the approval (the ``transition:approve`` event), else the
    proposal. The item is that of the first unit the decision names (else the first held
    unit) carrying a module model or a material. Not user-scoped: callers scope the sites."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from qdm.core.models import DomainEvent
    from qdm.data.models import Unit
    from qdm.manufacturing.choices import DispositionStatus
    from qdm.manufacturing.models import Hold, MrbDisposition

    rows = list(
        MrbDisposition.objects.filter(
            hold__site_id__in=site_ids,
            status=DispositionStatus.APPROVED,
            decision__in=FAILURE_DECISIONS,
            proposed_at__date__lte=end + timedelta(days=1),
        ).select_related("hold")
    )
    if not rows:
        return []
    ctype = ContentType.objects.get_for_model(MrbDisposition)
    approved_at = dict(
        DomainEvent.objects.filter(
            content_type=ctype,
            object_id__in=[str(r.pk) for r in rows],
            verb="transition:approve",
        ).values_list("object_id", "occurred_at")
    )
    own = MrbDisposition.units.through.objects.filter(
        mrbdisposition_id__in=[r.pk for r in rows]
    ).values_list("mrbdisposition_id", "unit_id")
    held = Hold.units.through.objects.filter(hold_id__in={r.hold_id for r in rows}).values_list(
        "hold_id", "unit_id"
    )
    first_own: dict[int, list[int]] = {}
    for disp, unit in own:
        first_own.setdefault(disp, []).append(unit)
    first_held: dict[int, list[int]] = {}
    for hold, unit in held:
        first_held.setdefault(hold, []).append(unit)
    unit_ids = {u for v in (*first_own.values(), *first_held.values()) for u in v}
    items = {
        pk: (material, model)
        for pk, material, model in Unit.objects.filter(pk__in=unit_ids).values_list(
            "pk", "material_id", "module_model_id"
        )
    }
    lines = []
    for r in rows:
        stamp = approved_at.get(str(r.pk), r.proposed_at)
        day = timezone.localdate(stamp)
        if not start <= day <= end:
            continue
        material = model = None
        for unit in sorted(first_own.get(r.pk) or first_held.get(r.hold_id) or []):
            material, model = items.get(unit, (None, None))
            if material or model:
                break
        lines.append(
            MrbFailureLine(
                disposition_id=r.pk,
                hold_number=r.hold.number,
                site_id=r.hold.site_id,
                decision=r.decision,
                quantity=r.quantity,
                decided_on=day,
                material_id=material,
                module_model_id=model,
                url=r.get_absolute_url(),
            )
        )
    return sorted(lines, key=lambda line: (line.decided_on, line.disposition_id))


# --- read by the cockpit's home widgets, wall and risk view (scoped with ``for_user``) -----


def open_spc_alerts(user: Any) -> QuerySet:
    """The unacknowledged SPC violations ``user`` may see, newest first."""
    from qdm.manufacturing.services.spc_reaction import open_alerts

    return open_alerts(user)


def open_holds(user: Any) -> QuerySet:
    """The holds ``user`` may see that are still on hold, oldest first."""
    from qdm.manufacturing.choices import HoldStatus
    from qdm.manufacturing.models import Hold

    return (
        Hold.objects.for_user(user, "view")
        .filter(status=HoldStatus.ON_HOLD)
        .select_related("site", "supplier")
        .order_by("held_at", "pk")
    )


def open_inspection_lots(user: Any) -> QuerySet:
    """Open inspection lots ``user`` may see (the work queue of their sites), oldest first."""
    from qdm.manufacturing.choices import InspectionStatus

    return (
        InspectionLot.objects.for_user(user, "view")
        .filter(status=InspectionStatus.OPEN)
        .select_related("site", "plan")
        .order_by("inspected_at", "pk")
    )


def fpy_by_line(user: Any, site: Any, day: Any) -> list[dict[str, Any]]:
    """First-pass yield by line of ``site`` on the site-local ``day`` (manufacturing's yield
    report, scoped to ``user``): ``[{site, line, line_name, started, first_pass, fpy}]``
    with ``fpy`` in %; ``site`` ``None`` for every site of the user."""
    from qdm.manufacturing.services.yields import YieldQuery, yield_report

    report = yield_report(user, YieldQuery(date_from=day, date_to=day, site=site))
    return [
        {
            **{k: row[k] for k in ("site", "line", "line_name", "started", "first_pass")},
            "fpy": 100.0 * row["first_pass"] / row["started"],
        }
        for row in report["lines"]
        if row["started"]
    ]


def live_cpk(user: Any, characteristic_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The weakest live capability of each characteristic: over the active SPC charts of
    the characteristic that ``user`` may see, the lowest Cpk of the last 30 days (the
    chart page's capability, from its cache when nothing changed).
    ``{characteristic id: {cpk, chart, site, url, count}}``."""
    from qdm.manufacturing.choices import ChartStatus
    from qdm.manufacturing.models import SpcChartConfig
    from qdm.manufacturing.services.charts import cached_chart

    out: dict[int, dict[str, Any]] = {}
    configs = (
        SpcChartConfig.objects.for_user(user, "view")
        .filter(characteristic_id__in=characteristic_ids, status=ChartStatus.ACTIVE)
        .select_related("characteristic", "site", "material")
    )
    for config in configs:
        cap = cached_chart(config)[0].get("capability") or {}  # the chart page's cache
        cpk = cap.get("cpk")
        if cpk is None:
            continue
        best = out.get(config.characteristic_id)
        if best is None or cpk < best["cpk"]:
            out[config.characteristic_id] = {
                "cpk": float(cpk),
                "chart": config.name,
                "site": config.site.code if config.site else "",
                "url": config.get_absolute_url(),
                "count": int(cap.get("n") or 0),
            }
    return out


# --- read by the cockpit KPI engine and its drill-down pages (issue 10) --------------------
# Plain querysets over the sites asked for (the engine computes group-wide figures; the
# drill-down pages add ``for_user`` themselves), so that the cockpit never imports
# manufacturing's models.


def cockpit_iqc_lots(site_ids: list[int]) -> QuerySet:
    """Completed IQC lots with a pass or fail verdict at the sites."""
    from qdm.manufacturing.choices import InspectionStatus

    return InspectionLot.objects.filter(
        site_id__in=site_ids,
        plan__stage=InspectionStage.IQC,
        status=InspectionStatus.COMPLETED,
        verdict__in=(Verdict.PASS, Verdict.FAIL),
    )


def cockpit_spc_violations(site_ids: list[int]) -> QuerySet:
    """SPC violations of the charts of the sites."""
    from qdm.manufacturing.models import SpcViolation

    return SpcViolation.objects.filter(config__site_id__in=site_ids)


def cockpit_oqc_decisions(site_ids: list[int]) -> QuerySet:
    """OQC decisions (module releases) of the sites."""
    from qdm.manufacturing.models import ModuleRelease

    return ModuleRelease.objects.filter(site_id__in=site_ids)


def _special_charts(site_ids: list[int]) -> QuerySet:
    from qdm.data.choices import SpecialClass
    from qdm.manufacturing.choices import ATTRIBUTE_CHARTS, ChartStatus
    from qdm.manufacturing.models import SpcChartConfig

    return (
        SpcChartConfig.objects.filter(
            site_id__in=site_ids,
            status=ChartStatus.ACTIVE,
            characteristic__special_class__in=(SpecialClass.CC, SpecialClass.SC),
        )
        .exclude(chart_type__in=list(ATTRIBUTE_CHARTS))
        .select_related("characteristic", "site", "line", "material")
    )


def cockpit_special_charts(site_ids: list[int]) -> QuerySet:
    """Active variable-data SPC charts at the sites on special characteristics (CC/SC)."""
    return _special_charts(site_ids)


def cockpit_chart_cpk(config: Any, start: datetime, end: datetime) -> tuple[float, int] | None:
    """Cpk of one chart's data between ``start`` and ``end`` (the chart page's capability)
    and the number of values, or None without enough data or specification limits."""
    from qdm.manufacturing.services.charts import chart_data

    cap = chart_data(config, start, end).get("capability") or {}
    cpk = cap.get("cpk")
    if cpk is None:
        return None
    return float(cpk), int(cap.get("n") or 0)


def cockpit_special_line_charts(site_ids: list[int]) -> QuerySet:
    """The charts of ``cockpit_special_charts`` that are of a production line (IQC charts
    have none)."""
    return _special_charts(site_ids).filter(line__isnull=False)


def cockpit_yield_days(user: Any, date_from: Any, date_to: Any, site: Any = None) -> list[dict]:
    """The yield report's rows per site-local day and line (``period``, ``site`` code,
    ``line_id``, ``started``, ``first_pass``, ``scrapped``, ``downgraded`` …)."""
    from qdm.manufacturing.services.yields import YieldQuery, yield_report

    query = YieldQuery(date_from=date_from, date_to=date_to, site=site, granularity="day")
    return yield_report(user, query)["rows"]


def cockpit_yield_days_by_model(
    user: Any, date_from: Any, date_to: Any, site: Any = None
) -> list[dict]:
    """The yield report's figures per site-local day, site, line and module model of the
    started modules (at most ``MAX_DAYS`` days): the report's own statement (``yield_sql``,
    the same per-serial first-pass, scrap and downgrade flags, scoped to ``user``) grouped by
    the unit's module model as well — one statement for every model. Rows ``{day, site_id,
    line_id, line, module_model_id, module_model, started, first_pass, scrapped,
    downgraded}``; line and model None when the flash test has no line or the serial no
    module unit."""
    from datetime import date

    from django.db import connection

    from qdm.core.models import Line
    from qdm.data.models import ModuleModel
    from qdm.manufacturing.services import yields

    query = yields.YieldQuery(date_from=date_from, date_to=date_to, site=site)
    query.check()
    win = yields._window(query, yields.scoped_sites(user, site))
    if not win.sites:
        return []
    sql, params = yields.yield_sql(user, query, win, by_model=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        data = yields._as_array(cursor.fetchall(), 4 + len(yields.METRICS))
    local = yields._localise(data[:, 0], data[:, 3], query, win)
    keep = local.keep
    keys, sums = yields._group(
        [local.period[keep], data[keep, 0], data[keep, 1], data[keep, 2]], data[keep, 4:]
    )
    lines = dict(Line.objects.filter(pk__in={k[2] for k in keys}).values_list("pk", "code"))
    models = dict(ModuleModel.objects.filter(pk__in={k[3] for k in keys}).values_list("pk", "code"))
    wanted = ("started", "first_pass", "scrapped", "downgraded")
    columns = [yields.METRICS.index(name) for name in wanted]
    return [
        {
            "day": date.fromordinal(day),
            "site_id": site_id,
            "line_id": line_id if line_id >= 0 else None,
            "line": lines.get(line_id),
            "module_model_id": model_id if model_id >= 0 else None,
            "module_model": models.get(model_id),
            **{name: int(row[i]) for name, i in zip(wanted, columns, strict=True)},
        }
        for (day, site_id, line_id, model_id), row in zip(keys, sums, strict=True)
    ]


# --- read by the design platform's APQP capability studies (issue 8) -----------------------


def chart_capability(
    chart_id: int, user: Any = None, start: datetime | None = None, end: datetime | None = None
) -> dict[str, Any] | None:
    """The live capability of one SPC chart, exactly as its chart page shows it (the same
    ``chart_data`` capability panel — ``qdm.quality.capability`` on the window's points, from
    the page's cache when nothing changed; by default the last 30 days). None when the chart
    does not exist or ``user`` (when given) may not see it. ``{chart, name, url, site,
    characteristic, characteristic_code, status, n, cp, cpk, pp, ppk, lsl, usl, target, from,
    to, problem, error}``; the indices are None, and ``problem`` says why, for an attribute
    chart (``attribute_chart``), a characteristic without specification limits (``no_spec``),
    fewer than 3 values (``too_few``) or data the computation refuses (``error``, its message
    in ``error``)."""
    from qdm.manufacturing.choices import ATTRIBUTE_CHARTS
    from qdm.manufacturing.models import SpcChartConfig
    from qdm.manufacturing.services.charts import cached_chart

    charts = (
        SpcChartConfig.objects if user is None else SpcChartConfig.objects.for_user(user, "view")
    )
    config = charts.filter(pk=chart_id).select_related("characteristic", "site", "material").first()
    if config is None:
        return None
    data = cached_chart(config, start, end)[0]
    cap = data.get("capability") or {}
    spec = data.get("spec") or {}
    error = cap.get("error") or data.get("error") or ""
    problem = "error" if error else ""
    if not cap and not error:
        if config.chart_type in ATTRIBUTE_CHARTS:
            problem = "attribute_chart"
        elif not spec:
            problem = "no_spec"
        else:
            problem = "too_few"
    return {
        "chart": config.pk,
        "name": config.name,
        "url": config.get_absolute_url(),
        "site": config.site.code if config.site else "",
        "characteristic": config.characteristic_id,
        "characteristic_code": config.characteristic.code,
        "status": config.status,
        "n": int(cap.get("n") or data.get("count") or 0),
        **{k: cap.get(k) for k in ("cp", "cpk", "pp", "ppk")},
        **{k: spec.get(k) for k in ("lsl", "usl", "target")},
        "from": data["from"],
        "to": data["to"],
        "problem": problem,
        "error": error,
    }

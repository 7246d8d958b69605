"""What sibling platforms may read of customer service (DESIGN §3: through this module,
declared as an explicit exception in the import contract by the reader).

Manufacturing and OQC read the customer-specific requirements that apply to a customer, a
project and a module model on a date — e.g. at pallet packing::

    from qdm.service.selectors import requirements_for
    req = requirements_for(shipment.customer, module_model=unit.module_model,
                           on_date=today, project=shipment.project)
    if req: allowed = req.allowed_classes; tol = req.positive_tolerance_w; ...
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.service.models import CustomerRequirement, Project, WarrantyContract
from qdm.service.models.requirements import EL_GRADES

__all__ = [
    "CustomerRequirement",
    "ModuleFacts",
    "RequirementFinding",
    "WarrantyContract",
    "check_modules",
    "class_window_ok",
    "requirements_for",
    "warranty_contract_for",
]


def requirements_for(
    customer: Any,
    module_model: Any = None,
    on_date: datetime.date | None = None,
    project: Any = None,
) -> CustomerRequirement | None:
    """The requirement version that applies on ``on_date`` (today by default): among the
    customer's versions in force that day for this project (or all projects) and this
    module model (or all models), the most specific one — project beats module model beats
    the customer-wide one — and of those the latest version.

    ``project`` may be a ``Project`` or the project name written on the shipment.
    Returns ``None`` when the customer has no requirement in force (internal code reading
    requirements is not user-scoped; show the result only to users who may see it)."""
    return _most_specific(CustomerRequirement, customer, module_model, on_date, project)


def warranty_contract_for(
    customer: Any,
    module_model: Any = None,
    on_date: datetime.date | None = None,
    project: Any = None,
) -> WarrantyContract | None:
    """The warranty contract covering a module of ``module_model`` shipped to ``customer``
    (``project``) on ``on_date``: same choice rules as ``requirements_for``."""
    return _most_specific(WarrantyContract, customer, module_model, on_date, project)


def _most_specific(model: Any, customer: Any, module_model: Any, on_date: Any, project: Any) -> Any:
    day = on_date or timezone.localdate()
    customer_id = getattr(customer, "pk", customer)
    if isinstance(project, str):
        project = Project.objects.filter(customer_id=customer_id, name=project).first()
    project_id = getattr(project, "pk", project)
    model_id = getattr(module_model, "pk", module_model)
    qs = model.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
        customer_id=customer_id,
        effective_from__lte=day,
    )
    qs = qs.filter(
        Q(project__isnull=True) | Q(project_id=project_id)
        if project_id
        else Q(project__isnull=True)
    )
    qs = qs.filter(
        Q(module_model__isnull=True) | Q(module_model_id=model_id)
        if model_id
        else Q(module_model__isnull=True)
    )
    candidates = list(qs.select_related("project", "module_model"))
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda r: (r.project_id is not None, r.module_model_id is not None, r.version),
    )


# --- the rules of a requirement applied to one pallet's modules ---------------------------
@dataclass(frozen=True)
class ModuleFacts:
    """What the factory knows of one module when it is packed or checked."""

    serial: str
    pmax_w: float | None = None  # None: no flash test
    imp_a: float | None = None
    el_grade: str | None = None  # None: no EL result after lamination
    el_defects: Sequence[Any] = ()
    power_class_w: int | None = None  # the nameplate class given at OQC, if any


@dataclass(frozen=True)
class RequirementFinding:
    """One breach of a requirement: ``serial`` is empty for a breach by the whole pallet."""

    serial: str
    rule: str
    detail: str


def class_window_ok(pmax: float, classes: list[int], tolerance: Decimal) -> bool:
    """Whether a measured Pmax fits an allowed class: class ≤ Pmax ≤ class + tolerance
    (0/+tolerance). With no tolerance, only the lower bound applies (Pmax ≥ class) and
    Pmax must reach the lowest allowed class."""
    p = Decimal(str(pmax))
    if tolerance > 0:
        return any(c <= p <= c + tolerance for c in classes)
    return p >= classes[0]


def check_modules(
    req: CustomerRequirement, modules: Sequence[ModuleFacts]
) -> list[RequirementFinding]:
    """Check the modules of one pallet against a requirement version: modules per pallet,
    power class and positive tolerance (and the nameplate class, when given), worst EL grade
    and refused EL defect codes, Imp spread within the pallet. Pure: reads nothing."""
    findings: list[RequirementFinding] = []
    add = findings.append
    if req.modules_per_pallet and len(modules) != req.modules_per_pallet:
        add(
            RequirementFinding(
                "",
                _("modules per pallet"),
                _("%(n)s modules, required %(req)s")
                % {"n": len(modules), "req": req.modules_per_pallet},
            )
        )
    classes = req.allowed_classes
    refused = set(req.refused_codes)
    worst = EL_GRADES.index(req.max_el_grade)
    imps = []
    for m in modules:
        s = m.serial
        if m.pmax_w is None:
            add(RequirementFinding(s, _("power class"), _("no flash test")))
        else:
            if m.imp_a is not None:
                imps.append(m.imp_a)
            if classes and not class_window_ok(m.pmax_w, classes, req.positive_tolerance_w):
                add(
                    RequirementFinding(
                        s,
                        _("power class"),
                        _("Pmax %(p).2f W fits no allowed class (%(classes)s W, 0/+%(tol)s W)")
                        % {
                            "p": m.pmax_w,
                            "classes": ", ".join(map(str, classes)),
                            "tol": req.positive_tolerance_w.normalize(),
                        },
                    )
                )
            elif classes and m.power_class_w is not None and m.power_class_w not in classes:
                add(
                    RequirementFinding(
                        s,
                        _("power class"),
                        _("nameplate class %(c)s W is not an allowed class (%(classes)s W)")
                        % {"c": m.power_class_w, "classes": ", ".join(map(str, classes))},
                    )
                )
        if m.el_grade is None:
            add(RequirementFinding(s, _("EL"), _("no EL result after lamination")))
            continue
        if m.el_grade in EL_GRADES and EL_GRADES.index(m.el_grade) > worst:
            add(
                RequirementFinding(
                    s,
                    _("EL"),
                    _("grade %(g)s, worst accepted %(max)s")
                    % {"g": m.el_grade, "max": req.max_el_grade},
                )
            )
        codes = sorted({str(d.get("code", "")).upper() for d in m.el_defects or ()} & refused)
        if codes:
            add(
                RequirementFinding(
                    s, _("EL"), _("refused defect %(codes)s") % {"codes": ", ".join(codes)}
                )
            )
    if req.imp_sorting_required and req.imp_bin_width_a and len(imps) > 1:
        spread = Decimal(str(round(max(imps) - min(imps), 6)))
        if spread > req.imp_bin_width_a:
            add(
                RequirementFinding(
                    "",
                    _("Imp sorting"),
                    _("Imp spread %(s)s A exceeds the bin width %(w)s A")
                    % {"s": spread, "w": req.imp_bin_width_a.normalize()},
                )
            )
    return findings


# --- field failures attributed to suppliers (read by the supplier scorecards, issue 6 §6) ---

from collections import defaultdict  # noqa: E402

from qdm.data.models import Unit  # noqa: E402
from qdm.service.choices import ComplaintStatus, Responsibility  # noqa: E402
from qdm.service.models import ComplaintItem  # noqa: E402
from qdm.service.models.returns import ReturnDecision  # noqa: E402
from qdm.service.services import trace  # noqa: E402


@dataclass(frozen=True)
class SupplierFieldFailure:
    """One failed module of a supplier-responsibility complaint and one suspect lot."""

    complaint_id: int
    complaint_number: str
    received_on: datetime.date
    item_id: int
    serial: str
    lot_id: int
    lot_code: str
    supplier_id: int
    material_id: int
    category_id: int


def supplier_field_failures(start: datetime.date, end: datetime.date) -> list[SupplierFieldFailure]:
    """Field failures attributed to suppliers, for complaints received from ``start`` to
    ``end`` (both included).

    A complaint counts when its responsibility is "supplier" and it was not rejected as
    invalid; a serial whose returned module (RMA) was decided "reject the claim" does not
    count. The suspect lots of a complaint are the supplier-delivered lots (units with a
    supplier and a material) found by the backward genealogy trace of *every* traced serial
    of the complaint — the lots the failing modules have in common. One row per serial ×
    suspect lot."""
    items = list(
        ComplaintItem.objects.filter(
            complaint__responsibility=Responsibility.SUPPLIER,
            complaint__received_on__gte=start,
            complaint__received_on__lte=end,
        )
        .exclude(complaint__status=ComplaintStatus.REJECTED)
        .exclude(returned__decision=ReturnDecision.REJECT)
        .select_related("complaint")
        .order_by("complaint_id", "serial")
    )
    if not items:
        return []
    ancestors: dict[int, set[int]] = defaultdict(set)
    for start_id, ancestor, _depth in trace.backward_bulk(sorted({i.unit_id for i in items})):
        ancestors[start_id].add(ancestor)
    supplied = {
        u.pk: u
        for u in Unit.objects.filter(
            pk__in={a for found in ancestors.values() for a in found},
            supplier__isnull=False,
            material__isnull=False,
        ).select_related("material")
    }
    by_complaint: dict[int, list[ComplaintItem]] = defaultdict(list)
    for item in items:
        by_complaint[item.complaint_id].append(item)
    rows: list[SupplierFieldFailure] = []
    for complaint_items in by_complaint.values():
        common = set.intersection(
            *({a for a in ancestors[i.unit_id] if a in supplied} for i in complaint_items)
        )
        for item in complaint_items:
            for lot_id in sorted(common):
                lot = supplied[lot_id]
                rows.append(
                    SupplierFieldFailure(
                        complaint_id=item.complaint_id,
                        complaint_number=item.complaint.number,
                        received_on=item.complaint.received_on,
                        item_id=item.pk,
                        serial=item.serial,
                        lot_id=lot.pk,
                        lot_code=lot.code,
                        supplier_id=lot.supplier_id,
                        material_id=lot.material_id,
                        category_id=lot.material.category_id,
                    )
                )
    return rows


# --- read by the cockpit's home widgets and risk view (scoped with ``for_user``) ---------

#: dimensions of the commonality analysis that name a lot (what containment acts on)
LOT_DIMENSIONS = ("cell_lot", "wafer_lot", "ingot", "poly_lot", "material_lot")


def open_complaints(user: Any) -> Any:
    """The complaints ``user`` may see that are neither closed nor rejected, SLA first."""
    from django.db.models import F

    from qdm.service.choices import ComplaintStatus
    from qdm.service.models import Complaint

    return (
        Complaint.objects.for_user(user, "view")
        .exclude(status__in=(ComplaintStatus.CLOSED, ComplaintStatus.REJECTED))
        .select_related("customer", "owner")
        .order_by(F("sla_due").asc(nulls_last=True), "pk")
    )


def suspect_lots(complaint: Any) -> list[dict[str, Any]]:
    """The lots the commonality analysis of ``complaint`` finds significantly over-represented
    among its failing modules (Fisher's exact test with Benjamini–Hochberg, α = 0.05; see
    ``qdm.service.services.analysis``): ``[{dimension, lot, failing, failing_total,
    comparison, comparison_total, ratio, q_value}]``, most significant first."""
    from qdm.service.services.analysis import analyse_complaint

    return [
        {
            "dimension": row.dimension,
            "lot": row.level,
            "failing": row.failing,
            "failing_total": row.failing_total,
            "comparison": row.comparison,
            "comparison_total": row.comparison_total,
            "ratio": row.ratio,
            "q_value": row.q_value,
        }
        for row in analyse_complaint(complaint).significant()
        if row.dimension in LOT_DIMENSIONS
    ]


# --- external failure costs and the warranty-returns forecast (cockpit COPQ, issue 10 §5) ---

#: the currency of the cost of an RMA decision (``ReturnedModule.cost`` is in USD)
RMA_COST_CURRENCY = "USD"


@dataclass(frozen=True)
class RmaCostLine:
    """The cost of one decided returned module, at the site that made the module."""

    rma_id: int
    number: str
    site_id: int
    decision: str
    cost: Any  # Decimal, in RMA_COST_CURRENCY
    decided_on: datetime.date
    url: str


def rma_cost_lines(
    site_ids: list[int], start: datetime.date, end: datetime.date
) -> list[RmaCostLine]:
    """Decided returned modules made at ``site_ids`` with a cost, decided from ``start`` to
    ``end`` (the ``transition:decide`` event's local date, else the date of receipt).
    Not user-scoped: callers scope the sites."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from qdm.core.models import DomainEvent
    from qdm.service.models import ReturnedModule

    rows = list(
        ReturnedModule.objects.filter(
            status="decided", item__unit__site_id__in=site_ids, cost__isnull=False
        ).values_list("pk", "number", "item__unit__site_id", "decision", "cost", "received_on")
    )
    if not rows:
        return []
    decided = dict(
        DomainEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(ReturnedModule),
            object_id__in=[str(r[0]) for r in rows],
            verb="transition:decide",
        ).values_list("object_id", "occurred_at")
    )
    lines = []
    for pk, number, site_id, decision, cost, received in rows:
        stamp = decided.get(str(pk))
        day = timezone.localdate(stamp) if stamp else received
        if day is None or not start <= day <= end:
            continue
        url = reverse("service:returnedmodule_detail", args=[pk])
        lines.append(RmaCostLine(pk, number, site_id, decision, cost, day, url))
    return sorted(lines, key=lambda line: (line.decided_on, line.number))


@dataclass(frozen=True)
class SiteComplaint:
    """A complaint received naming at least one module made at the site."""

    complaint_id: int
    number: str
    title: str
    severity: str
    status: str
    received_on: datetime.date
    site_id: int
    url: str

    @property
    def severity_label(self) -> Any:
        from qdm.system.choices import Severity

        return Severity(self.severity).label if self.severity in Severity.values else self.severity

    @property
    def status_label(self) -> Any:
        return (
            ComplaintStatus(self.status).label
            if self.status in ComplaintStatus.values
            else self.status
        )


def complaints_at_sites(
    site_ids: list[int], start: datetime.date, end: datetime.date
) -> list[SiteComplaint]:
    """Complaints received from ``start`` to ``end`` (not rejected as invalid), once per site
    that made a module they name. Not user-scoped: callers scope the sites."""
    from django.urls import reverse

    rows = (
        ComplaintItem.objects.filter(
            unit__site_id__in=site_ids,
            complaint__received_on__gte=start,
            complaint__received_on__lte=end,
        )
        .exclude(complaint__status=ComplaintStatus.REJECTED)
        .values_list(
            "complaint_id",
            "complaint__number",
            "complaint__title",
            "complaint__severity",
            "complaint__status",
            "complaint__received_on",
            "unit__site_id",
        )
        .distinct()
    )
    found = {
        (r[0], r[6]): SiteComplaint(*r, url=reverse("service:complaint_detail", args=[r[0]]))  # type: ignore[misc]
        for r in rows
    }
    return sorted(found.values(), key=lambda c: (c.received_on, c.number))


@dataclass
class WarrantyForecast:
    """Expected field returns (failures decided replace / repair / refund) of the modules a
    site shipped, over the next ``periods`` months, from one Weibull fit of the site's life
    data (every cohort pooled), and their cost in RMA_COST_CURRENCY."""

    site_id: int
    as_of: datetime.date
    expected_returns: list[float]
    expected_cost: list[float]
    unit_cost: float | None
    beta: float | None = None
    eta: float | None = None
    n_failures: int = 0
    n_running: int = 0
    reason: str = ""


#: ids per IN (...) list: under SQLite's bound-parameter limit
IN_CHUNK = 20_000


def warranty_returns_forecast(
    site_ids: list[int], as_of: datetime.date, periods: int = 12
) -> dict[int, WarrantyForecast]:
    """The warranty-returns forecast of every site in ``site_ids`` as seen on ``as_of``:
    modules shipped by then; failures are the returns decided as failures whose complaint
    was received by then (time in service: shipment → receipt); every other shipped module
    is still running at its age on ``as_of`` (censored). The fit and the conditional
    forecast are ``qdm.quality.reliability``'s (via ``field_reliability.analyse``); the
    unit cost is the mean cost of the site's decided failures up to ``as_of`` (else of all
    sites). A site that cannot be fitted gets no forecast and the reason.
    Not user-scoped: callers scope the sites."""
    from django.db.models import Avg

    from qdm.data.models import Unit, UnitLink
    from qdm.service.models import ReturnedModule
    from qdm.service.services.field_reliability import (
        FAILED,
        CohortData,
        analyse,
        months_between,
    )

    shipped_at = UnitLink.objects.filter(
        child__kind="shipment",
        child__customer__isnull=False,
        child__produced_at__isnull=False,
        parent__kind="pallet",
    ).values_list("parent_id", "child__produced_at")
    # one local date per pallet (not per module row); pallets shipped after as_of drop out
    shipped_on = {pallet: timezone.localdate(at) for pallet, at in shipped_at}
    pallets = [pallet for pallet, day in shipped_on.items() if day <= as_of]
    # two index-driven reads joined here: the pallets' children (by the child index), then
    # the sites' modules — one filtered join lets SQLite without statistics walk every unit
    site_of = dict(
        Unit.objects.filter(kind="module", site_id__in=site_ids).values_list("id", "site_id")
    )
    modules: dict[int, tuple[int, datetime.date]] = {}
    for start in range(0, len(pallets), IN_CHUNK):
        chunk = pallets[start : start + IN_CHUNK]
        links = UnitLink.objects.filter(child_id__in=chunk).values_list("parent_id", "child_id")
        for module, pallet in links.iterator(chunk_size=20_000):
            site_id = site_of.get(module)
            if site_id is not None:
                modules[module] = (site_id, shipped_on[pallet])
    failed_qs = ReturnedModule.objects.filter(
        status="decided", decision__in=FAILED, item__complaint__received_on__lte=as_of
    )
    failed = {
        unit: (received, cost)
        for unit, received, cost in failed_qs.values_list(
            "item__unit_id", "item__complaint__received_on", "cost"
        )
    }
    overall = failed_qs.aggregate(v=Avg("cost"))["v"]
    data = {s: CohortData(str(s), [], []) for s in site_ids}
    costs: dict[int, list[float]] = {s: [] for s in site_ids}
    for unit, (site_id, shipped) in modules.items():
        if unit in failed:
            received, cost = failed[unit]
            data[site_id].times.append(max(months_between(shipped, received), 0.0))
            data[site_id].censored.append(0)
            if cost is not None:
                costs[site_id].append(float(cost))
        else:
            data[site_id].times.append(months_between(shipped, as_of))
            data[site_id].censored.append(1)
    result = {}
    for site_id in site_ids:
        d = data[site_id]
        values = costs[site_id]
        d.unit_cost = sum(values) / len(values) if values else (overall and float(overall))
        out = WarrantyForecast(site_id, as_of, [], [], d.unit_cost)
        out.n_failures, out.n_running = d.n_failures, d.n_censored
        if not d.times:
            out.reason = _("No module of this site shipped by then.")
        elif d.n_failures < 2:
            out.reason = _(
                "%(n)s field failures by then: at least 2 are needed for a Weibull fit."
            ) % {"n": d.n_failures}
        else:
            fitted = analyse(d, detail=True)
            if fitted.fit is None or fitted.forecast is None:
                out.reason = fitted.reason or _("The Weibull fit failed.")
            else:
                out.beta, out.eta = fitted.fit.beta, fitted.fit.eta
                fc = fitted.forecast
                out.expected_returns = list(fc.expected[:periods])
                out.expected_cost = list(fc.by_period_cost[:periods]) if fc.by_period_cost else []
        result[site_id] = out
    return result


# --- read by the cockpit KPI engine and its drill-down pages (issue 10) --------------------
#: complaints confirmed valid (triaged or later, not rejected)
VALIDATED_STATUSES = (
    ComplaintStatus.TRIAGED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.EIGHT_D,
    ComplaintStatus.CLOSED,
)


def cockpit_complaint_items(site_ids: list[int]) -> Any:
    """Complaint items naming modules made at the sites (``unit__site``)."""
    return ComplaintItem.objects.filter(unit__site_id__in=site_ids)


def cockpit_complaints_past_sla(user: Any, today: datetime.date) -> Any:
    """Complaints ``user`` may see past their SLA due date and neither closed nor rejected:
    the home widget's open complaints, overdue."""
    return open_complaints(user).filter(sla_due__lt=today)


def _answered_complaints(
    site_ids: list[int], date_from: datetime.date, date_to: datetime.date, columns: tuple[str, ...]
) -> list[tuple]:
    """Rows (key, complaint, received_on, responded_on), one per distinct ``columns`` key
    of the modules an answered complaint received ``date_from``–``date_to`` names at the
    sites; ``responded_on`` is the local date of the first answer (triaged as valid or
    rejected as invalid). Three queries."""
    from django.contrib.contenttypes.models import ContentType

    from qdm.core.models import DomainEvent
    from qdm.service.models import Complaint

    keys = list(
        ComplaintItem.objects.filter(
            unit__site_id__in=site_ids,
            complaint__received_on__gte=date_from,
            complaint__received_on__lte=date_to,
        )
        .values_list("complaint_id", *columns)
        .order_by()  # no default ordering: its serial column would defeat the distinct
        .distinct()
    )
    if not keys:
        return []
    ids = sorted({k[0] for k in keys})
    answered: dict[str, datetime.datetime] = {}
    events = DomainEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint),
        object_id__in=[str(i) for i in ids],
        verb__in=("transition:triage", "transition:reject"),
    ).values_list("object_id", "occurred_at")
    for object_id, at in events:
        if object_id not in answered or at < answered[object_id]:
            answered[object_id] = at
    complaints = {c.pk: c for c in Complaint.objects.filter(pk__in=ids)}
    rows = []
    for key in sorted(keys, key=lambda k: (k[0], k[1])):
        at = answered.get(str(key[0]))
        if at is not None:
            c = complaints[key[0]]
            rows.append((key[1:], c, c.received_on, timezone.localdate(at)))
    return rows


def cockpit_complaint_responses(
    site_ids: list[int], date_from: datetime.date, date_to: datetime.date
) -> list[tuple]:
    """Complaints received ``date_from``–``date_to`` naming modules of the sites that have
    been answered — triaged as valid or rejected as invalid (the first such workflow event)
    — as rows (site id, complaint, received_on, responded_on), one per site the complaint
    names; ``responded_on`` is the local date of the first answer."""
    return [
        (site_id, c, received, responded)
        for (site_id,), c, received, responded in _answered_complaints(
            site_ids, date_from, date_to, ("unit__site_id",)
        )
    ]


def cockpit_complaint_responses_by_unit(
    site_ids: list[int], date_from: datetime.date, date_to: datetime.date
) -> list[tuple]:
    """``cockpit_complaint_responses`` per line and module model of the complained modules:
    rows (site id, line id, module model id, complaint, received_on, responded_on), one per
    distinct site, line and model the answered complaint names (line or model None where the
    module has none) — the same three queries whatever the number of lines and models."""
    columns = ("unit__site_id", "unit__line_id", "unit__module_model_id")
    return [
        (*key, c, received, responded)
        for key, c, received, responded in _answered_complaints(
            site_ids, date_from, date_to, columns
        )
    ]


def lot_dimension_label(name: str) -> str:
    """The translated name of a dimension of the commonality analysis (``material_lot`` →
    "Material lot")."""
    from qdm.service.services.analysis import dimension_label

    return dimension_label(name)

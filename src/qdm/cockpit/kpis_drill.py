"""Drill-down: the records behind a KPI value (issue 10 §1) — for one site (or the group),
one period and optionally one line or module model, the rows that make up the numerator
and the denominator, each marked with what it counts in. Read through the platforms'
selectors; the page (``views.KpiDrillView``) checks the site is in the user's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.cockpit.kpis import bounds, system_reader
from qdm.core.models import Site
from qdm.data import selectors as data
from qdm.manufacturing import selectors as mfg
from qdm.service import selectors as svc
from qdm.supplier import selectors as sup
from qdm.system import selectors as ims

#: most rows a drill-down page lists (the export has them all)
PAGE_ROWS = 500


@dataclass
class Scope:
    """What a drill-down covers: site (None for the group), period, line or product."""

    site: Site | None
    first: date
    last: date
    line: Any = None
    product: Any = None

    @property
    def line_id(self) -> int | None:
        return self.line.pk if self.line is not None else None

    @property
    def product_id(self) -> int | None:
        return self.product.pk if self.product is not None else None

    @property
    def site_ids(self) -> list[int]:
        return [self.site.pk] if self.site else []

    def instants(self) -> tuple[Any, Any]:
        assert self.site is not None
        return bounds(self.site, self.first, self.last)


@dataclass
class Drill:
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    note: str = ""
    #: what the records add up to, where they carry counts: {value, numerator, denominator}
    totals: dict[str, float | None] | None = None

    def add(self, row: list[Any], url: str = "") -> None:
        self.rows.append(row)
        self.urls.append(url)


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _dims(qs: Any, scope: Scope, line: str, product: str) -> Any:
    if scope.line_id is not None and line:
        qs = qs.filter(**{line: scope.line_id})
    if scope.product_id is not None and product:
        qs = qs.filter(**{product: scope.product_id})
    return qs


def _yield(metric: str) -> Callable[[Scope], Drill]:
    """The yield report's rows per day, line and module model of the scope (a line or
    model value: only its rows), adding up to ``metric`` / started."""

    def drill(scope: Scope) -> Drill:
        d = Drill([_("Day"), _("Line"), _("Module model"), _("Started"), _("First pass"),
                   _("Scrapped"), _("Downgraded")])  # fmt: skip
        d.note = _("Per day, line and module model from the manufacturing yield report.")
        rows = mfg.cockpit_yield_days_by_model(system_reader(), scope.first, scope.last, scope.site)
        num = den = 0
        for row in sorted(rows, key=lambda r: (r["day"], r["line"] or "", r["module_model"] or "")):
            if scope.line_id not in (None, row["line_id"]) or scope.product_id not in (
                None, row["module_model_id"]
            ):  # fmt: skip
                continue
            num, den = num + row[metric], den + row["started"]
            d.add([row["day"], row["line"] or "", row["module_model"] or "", row["started"],
                   row["first_pass"], row["scrapped"], row["downgraded"]])  # fmt: skip
        d.totals = {
            "value": 100.0 * num / den if den else None,
            "numerator": float(num),
            "denominator": float(den),
        }
        return d

    return drill


def _iqc(scope: Scope) -> Drill:
    start, end = scope.instants()
    d = Drill([_("Lot"), _("Inspected at"), _("Verdict"), _("Counts in")])
    lots = mfg.cockpit_iqc_lots(scope.site_ids).filter(
        inspected_at__gte=start, inspected_at__lt=end
    )
    for lot in lots.order_by("inspected_at", "pk"):
        counts = _("numerator and denominator") if lot.verdict == "pass" else _("denominator")
        d.add([lot.number, _local(lot.inspected_at), lot.get_verdict_display(), counts],
              lot.get_absolute_url())  # fmt: skip
    return d


def _open_at_end(qs: Any, opened: str, closed: str, end: Any) -> Any:
    return qs.filter(**{f"{opened}__lt": end}).filter(
        Q(**{f"{closed}__isnull": True}) | Q(**{f"{closed}__gte": end})
    )


def _spc(scope: Scope) -> Drill:
    _start, end = scope.instants()
    d = Drill([_("Chart"), _("Rule"), _("Detected at"), _("Acknowledged at")])
    rows = _open_at_end(
        mfg.cockpit_spc_violations(scope.site_ids), "detected_at", "acknowledged_at", end
    )
    rows = _dims(rows, scope, "config__line_id", "")
    for v in rows.select_related("config").order_by("detected_at", "pk"):
        d.add([v.config.name, v.rule, _local(v.detected_at), _local(v.acknowledged_at)],
              v.get_absolute_url())  # fmt: skip
    return d


def _capa_on_time(scope: Scope) -> Drill:
    d = Drill([_("CAPA"), _("Action"), _("Due"), _("Completed at"), _("On time")])
    rows = ims.cockpit_capa_actions(scope.site_ids).filter(
        due_date__gte=scope.first, due_date__lte=scope.last
    )
    tz = timezone.get_current_timezone()
    if scope.site:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(scope.site.timezone)
    for a in rows.select_related("capa").order_by("due_date", "pk"):
        done = a.status == "done" and a.completed_at is not None
        on_time = done and a.completed_at.astimezone(tz).date() <= a.due_date
        d.add([a.capa.number, a.description[:120], a.due_date, _local(a.completed_at),
               _yes(on_time)], a.capa.get_absolute_url())  # fmt: skip
    return d


def _findings(scope: Scope) -> Drill:
    _start, end = scope.instants()
    d = Drill([_("Finding"), _("Kind"), _("Raised at"), _("Statement")])
    qs = ims.cockpit_nc_findings(scope.site_ids).filter(raised_at__lt=end)
    for f in qs.select_related("nonconformity", "capa").order_by("raised_at", "pk"):
        closed = (f.nonconformity.closed_at if f.nonconformity_id else None) or (
            f.capa.closed_at if f.capa_id else None
        )
        if closed is not None and closed < end:
            continue
        d.add([f.reference, f.get_kind_display(), _local(f.raised_at), f.statement[:120]],
              f.get_absolute_url() if hasattr(f, "get_absolute_url") else "")  # fmt: skip
    return d


def _complaints(scope: Scope) -> Drill:
    d = Drill([_("Complaint"), _("Received on"), _("Status"), _("Serial"), _("Module model")])
    items = (
        svc.cockpit_complaint_items(scope.site_ids)
        .filter(complaint__received_on__gte=scope.first, complaint__received_on__lte=scope.last)
        .exclude(complaint__status="rejected")
    )
    items = _dims(items, scope, "unit__line_id", "unit__module_model_id")
    for i in items.select_related("complaint", "unit__module_model").order_by(
        "complaint__received_on", "complaint__number", "serial"
    ):
        c = i.complaint
        model = i.unit.module_model.code if i.unit and i.unit.module_model_id else ""
        d.add([c.number, c.received_on, c.get_status_display(), i.serial, model],
              c.get_absolute_url())  # fmt: skip
    return d


def _oqc(scope: Scope) -> Drill:
    start, end = scope.instants()
    d = Drill([_("Module"), _("Decided at"), _("Status"), _("Hi-pot"), _("Visual"),
               _("First pass")])  # fmt: skip
    qs = mfg.cockpit_oqc_decisions(scope.site_ids).filter(decided_at__gte=start, decided_at__lt=end)
    qs = _dims(qs, scope, "unit__line_id", "unit__module_model_id")
    for r in qs.select_related("unit").order_by("decided_at", "pk"):
        ok = r.status == "released" and r.hipot_passed and r.visual_passed
        d.add([r.unit.code, _local(r.decided_at), r.get_status_display(), _yes(r.hipot_passed),
               _yes(r.visual_passed), _yes(ok)], r.get_absolute_url())  # fmt: skip
    return d


def _el(scope: Scope) -> Drill:
    start, end = scope.instants()
    d = Drill([_("Serial"), _("Tested at"), _("Grade")])
    qs = data.cockpit_el2_results(scope.site_ids).filter(tested_at__gte=start, tested_at__lt=end)
    qs = _dims(qs, scope, "line_id", "product_id")
    for r in qs.order_by("tested_at", "pk"):
        d.add([r.serial, _local(r.tested_at), r.grade])
    return d


def _cpk(scope: Scope) -> Drill:
    start, end = scope.instants()
    d = Drill([_("Chart"), _("Characteristic"), _("Class"), _("Cpk"), _("Values")])
    if scope.product_id is not None:
        d.note = _("SPC charts have no module model: a Cpk has no product value.")
        return d
    charts = _dims(mfg.cockpit_special_charts(scope.site_ids), scope, "line_id", "")
    for config in charts:
        found = mfg.cockpit_chart_cpk(config, start, end)
        cpk, n = found if found else (None, 0)
        d.add([config.name, config.characteristic.code, config.characteristic.special_class,
               None if cpk is None else round(cpk, 3), n], config.get_absolute_url())  # fmt: skip
    return d


def _receipts(scope: Scope) -> Drill:
    start, end = scope.instants()
    d = Drill([_("Receipt"), _("Supplier"), _("Material"), _("Quantity"), _("Status"),
               _("Judged at")])  # fmt: skip
    qs = sup.cockpit_judged_receipts(scope.site_ids).filter(judged_at__gte=start, judged_at__lt=end)
    for r in qs.select_related("supplier", "material").order_by("judged_at", "pk"):
        d.add([r.number, r.supplier.code, r.material.code, float(r.quantity),
               r.get_status_display(), _local(r.judged_at)], r.get_absolute_url())  # fmt: skip
    return d


def _grades(grade: str) -> Callable[[Scope], Drill]:
    def drill(scope: Scope) -> Drill:
        d = Drill([_("Supplier"), _("Grade"), _("Scorecard month"), _("Counts in")])
        for _sid, (g, month, cards) in sorted(
            sup.cockpit_supplier_grades(scope.last).items(), key=lambda i: i[1][2][0].supplier.code
        ):
            counts = _("numerator and denominator") if g == grade else _("denominator")
            d.add([cards[0].supplier.code, g, month.strftime("%Y-%m"), counts])
        return d

    return drill


def _complaint_ppm(scope: Scope) -> Drill:
    d = Drill([_("Module"), _("Counts in"), _("Record"), _("Date")])
    items = svc.cockpit_complaint_items(scope.site_ids).filter(
        complaint__status__in=svc.VALIDATED_STATUSES,
        complaint__received_on__gte=scope.first,
        complaint__received_on__lte=scope.last,
    )
    items = _dims(items, scope, "unit__line_id", "unit__module_model_id")
    for i in items.select_related("complaint").order_by("complaint__received_on", "serial"):
        d.add([i.serial, _("numerator"), i.complaint.number, i.complaint.received_on],
              i.complaint.get_absolute_url())  # fmt: skip
    start, end = scope.instants()
    shipped = _dims(data.cockpit_shipped_modules(scope.site_ids, start, end), scope,
                    "line_id", "module_model_id")  # fmt: skip
    for u in shipped.order_by("shipped_at", "code"):
        d.add([u.code, _("denominator"), u.shipment_code, _local(u.shipped_at)])
    return d


def _response(scope: Scope) -> Drill:
    """The answered complaints of the scope — of a line or module model: those naming one of
    its modules — each once."""
    d = Drill([_("Complaint"), _("Received on"), _("Answered on"), _("Days")])
    seen = set()
    rows = svc.cockpit_complaint_responses_by_unit(scope.site_ids, scope.first, scope.last)
    for _sid, line_id, model_id, c, received, answered in rows:
        if c.pk in seen or scope.line_id not in (None, line_id):
            continue
        if scope.product_id not in (None, model_id):
            continue
        seen.add(c.pk)
        d.add([c.number, received, answered, (answered - received).days], c.get_absolute_url())
    return d


def _closure(scope: Scope) -> Drill:
    start, end = scope.instants()
    d = Drill([_("8D report"), _("Opened at"), _("Closed at"), _("Days")])
    qs = ims.cockpit_closed_capas(scope.site_ids).filter(closed_at__gte=start, closed_at__lt=end)
    for c in qs.order_by("closed_at", "pk"):
        days = round((c.closed_at - c.opened_at).total_seconds() / 86400.0, 2)
        d.add([c.number, _local(c.opened_at), _local(c.closed_at), days], c.get_absolute_url())
    return d


def _acknowledgement(scope: Scope) -> Drill:
    _start, end = scope.instants()
    d = Drill([_("Document"), _("Revision"), _("Person"), _("Acknowledged")])
    for _sid, rev, code, user, done in ims.cockpit_acknowledgement_duties(
        scope.site_ids, end - timedelta(microseconds=1)
    ):
        d.add([code, rev.revision, user.username, _yes(done)], rev.get_absolute_url())
    return d


def _carbon(scope: Scope) -> Drill:
    from qdm.carbon import selectors as carbon

    d = Drill([_("Month"), _("t CO₂e"), _("MW produced"), _("kg CO₂e/kWp")])
    month = scope.first.strftime("%Y-%m")
    for row in carbon.intensity_by_site_month(system_reader(), scope.first.year):
        if scope.site and row["site"] == scope.site.code and row["month"] == month:
            d.add([row["month"], row["t_co2e"], row["mw"], row["kg_per_kwp"]])
    return d


RECORDS: dict[str, Callable[[Scope], Drill]] = {
    "fpy": _yield("first_pass"),
    "scrap_rate": _yield("scrapped"),
    "downgrade_rate": _yield("downgraded"),
    "iqc_acceptance": _iqc,
    "open_spc_alerts": _spc,
    "capa_on_time": _capa_on_time,
    "open_findings": _findings,
    "complaints": _complaints,
    "oqc_first_pass": _oqc,
    "el_a_share": _el,
    "special_cpk": _cpk,
    "incoming_ppm": _receipts,
    **{f"supplier_grade_{g.lower()}": _grades(g) for g in "ABCD"},
    "complaint_ppm": _complaint_ppm,
    "complaint_response_days": _response,
    "capa_closure_days": _closure,
    "document_acknowledgement": _acknowledgement,
    "carbon_intensity": _carbon,
}

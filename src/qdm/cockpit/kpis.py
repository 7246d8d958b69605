"""The KPI definitions of the cockpit, registered in code.

Each KPI has a compute function over a list of sites and a range of site-local days that
returns ``{(site_id, day): (numerator, denominator)}`` — aggregated by the database (one
query, or a few, per site; never one per record). ``aggregation`` says how days roll up to
a month:

* ``ratio`` — sum of numerators / sum of denominators (value in %);
* ``sum`` — sum of the daily counts (denominator ``None``);
* ``last`` — a snapshot at the end of the day (open items); the month shows its last day.

The platforms are read through their services where they have one (yield: the yield
report of manufacturing); the other queries are written here, read-only (see
docs/cockpit.md: they should move to the platforms' selectors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qdm.core.models import Site, User
from qdm.manufacturing.choices import InspectionStage, InspectionStatus, Verdict
from qdm.manufacturing.models import InspectionLot, SpcViolation
from qdm.manufacturing.services.yields import YieldQuery, yield_report
from qdm.service.choices import ComplaintStatus
from qdm.service.models import Complaint
from qdm.system.choices import NC_FINDINGS, ActionStatus
from qdm.system.models import CapaAction, Finding

Figures = dict[tuple[int, date], tuple[float | None, float | None]]
Compute = Callable[[Sequence[Site], date, date], Figures]

HIGHER, LOWER = "higher", "lower"
RATIO, SUM, LAST = "ratio", "sum", "last"


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    name: str | Promise
    unit: str
    direction: str  # HIGHER or LOWER is better
    aggregation: str  # RATIO, SUM or LAST
    compute: Compute
    description: str | Promise = ""

    def value(self, numerator: float | None, denominator: float | None) -> float | None:
        """The displayed value from the summed numerator and denominator."""
        if self.aggregation == RATIO:
            if not denominator:
                return None
            return 100.0 * float(numerator or 0) / float(denominator)
        return None if numerator is None else float(numerator)


def system_reader() -> User:
    """An unsaved superuser: computes group-wide figures (never logs in, never saved)."""
    return User(username="qdm-kpi-engine", is_superuser=True, is_active=True)


def days(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def _bounds(site: Site, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The instants of the start of ``date_from`` and the end of ``date_to``, site-local."""
    tz = ZoneInfo(site.timezone)
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


# --- yield (manufacturing's yield report) ----------------------------------------------------
def _yield(metric: str) -> Compute:
    def compute(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
        by_code = {s.code: s.pk for s in sites}
        out: dict[tuple[int, date], list[float]] = defaultdict(lambda: [0.0, 0.0])
        start = date_from
        while start <= date_to:  # the yield report takes at most a year at a time
            end = min(date_to, start + timedelta(days=365))
            only = sites[0] if len(sites) == 1 else None  # one site: let the report filter
            query = YieldQuery(date_from=start, date_to=end, site=only, granularity="day")
            for row in yield_report(system_reader(), query)["rows"]:
                site_id = by_code.get(row["site"])
                if site_id is None or not row["started"]:
                    continue
                cell = out[(site_id, date.fromisoformat(row["period"]))]
                cell[0] += row[metric]
                cell[1] += row["started"]
            start = end + timedelta(days=1)
        return {k: (v[0], v[1]) for k, v in out.items()}

    return compute


# --- IQC lot acceptance (manufacturing inspection lots) --------------------------------------
def iqc_acceptance(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Completed IQC lots with a verdict, by the site-local day they were inspected:
    numerator the passed lots, denominator the passed and failed ones."""
    out: Figures = {}
    for site in sites:
        start, end = _bounds(site, date_from, date_to)
        rows = (
            InspectionLot.objects.filter(
                site=site,
                plan__stage=InspectionStage.IQC,
                status=InspectionStatus.COMPLETED,
                verdict__in=(Verdict.PASS, Verdict.FAIL),
                inspected_at__gte=start,
                inspected_at__lt=end,
            )
            .annotate(day=TruncDate("inspected_at", tzinfo=ZoneInfo(site.timezone)))
            .values("day")
            .annotate(n=Count("pk"), ok=Count("pk", filter=Q(verdict=Verdict.PASS)))
        )
        for r in rows:
            out[(site.pk, r["day"])] = (float(r["ok"]), float(r["n"]))
    return out


# --- snapshots: open items at the end of each day ----------------------------------------
def _open_at_day_end(
    site: Site,
    date_from: date,
    date_to: date,
    queryset: Any,
    opened: str,
    closed: Any,
) -> dict[date, int]:
    """How many rows of ``queryset`` are open at the end of each site-local day:
    opened (at ``opened``) by then and not closed (at ``closed``, null = still open) by then.
    Three aggregate queries: before the range, openings per day, closings per day."""
    tz = ZoneInfo(site.timezone)
    start, end = _bounds(site, date_from, date_to)
    qs = queryset.annotate(_closed=closed)
    before = qs.filter(**{f"{opened}__lt": start}).aggregate(
        opened=Count("pk"), closed=Count("pk", filter=Q(_closed__lt=start))
    )
    opens = dict(
        qs.filter(**{f"{opened}__gte": start, f"{opened}__lt": end})
        .annotate(day=TruncDate(opened, tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    closes = dict(
        qs.filter(_closed__gte=start, _closed__lt=end)
        .annotate(day=TruncDate("_closed", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    level = before["opened"] - before["closed"]
    out = {}
    for day in days(date_from, date_to):
        level += opens.get(day, 0) - closes.get(day, 0)
        out[day] = level
    return out


def open_spc_alerts(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """SPC violations detected and not acknowledged at the end of each day."""
    out: Figures = {}
    for site in sites:
        counts = _open_at_day_end(
            site,
            date_from,
            date_to,
            SpcViolation.objects.filter(config__site=site),
            "detected_at",
            F("acknowledged_at"),
        )
        out.update({(site.pk, d): (float(n), None) for d, n in counts.items()})
    return out


def open_findings(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Audit findings that are nonconformities (major, minor) raised and not closed at the
    end of each day; a finding closes with its nonconformity (else its CAPA)."""
    out: Figures = {}
    for site in sites:
        counts = _open_at_day_end(
            site,
            date_from,
            date_to,
            Finding.objects.filter(audit__site=site, kind__in=NC_FINDINGS),
            "raised_at",
            Coalesce("nonconformity__closed_at", "capa__closed_at"),
        )
        out.update({(site.pk, d): (float(n), None) for d, n in counts.items()})
    return out


# --- CAPA on-time closure (system) ---------------------------------------------------------
def capa_on_time(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """CAPA actions by due date: numerator those done by their due date (site-local date of
    completion), denominator all due that day that are not cancelled (nor their CAPA)."""
    out: Figures = {}
    for site in sites:
        rows = (
            CapaAction.objects.filter(
                capa__site=site, due_date__gte=date_from, due_date__lte=date_to
            )
            .exclude(status=ActionStatus.CANCELLED)
            .exclude(capa__status="cancelled")
            .annotate(done_on=TruncDate("completed_at", tzinfo=ZoneInfo(site.timezone)))
            .values("due_date")
            .annotate(
                n=Count("pk"),
                ok=Count("pk", filter=Q(status=ActionStatus.DONE, done_on__lte=F("due_date"))),
            )
        )
        for r in rows:
            out[(site.pk, r["due_date"])] = (float(r["ok"]), float(r["n"]))
    return out


# --- complaints (service) -------------------------------------------------------------------
def complaint_count(sites: Sequence[Site], date_from: date, date_to: date) -> Figures:
    """Complaints received (not rejected as invalid) by day, attributed to the site that
    made a module they name; a complaint naming modules of two sites counts at both."""
    rows = (
        Complaint.objects.exclude(status=ComplaintStatus.REJECTED)
        .filter(
            received_on__gte=date_from,
            received_on__lte=date_to,
            items__unit__site__in=[s.pk for s in sites],
        )
        .values("items__unit__site", "received_on")
        .annotate(n=Count("pk", distinct=True))
    )
    return {(r["items__unit__site"], r["received_on"]): (float(r["n"]), None) for r in rows}


REGISTRY: dict[str, KpiDefinition] = {
    k.code: k
    for k in (
        KpiDefinition(
            "fpy", _("First-pass yield"), "%", HIGHER, RATIO, _yield("first_pass"),
            _("Modules first-pass good / modules started (manufacturing yield report)."),
        ),
        KpiDefinition(
            "scrap_rate", _("Scrap rate"), "%", LOWER, RATIO, _yield("scrapped"),
            _("Modules scrapped / modules started."),
        ),
        KpiDefinition(
            "downgrade_rate", _("Downgrade rate"), "%", LOWER, RATIO, _yield("downgraded"),
            _("Modules downgraded / modules started."),
        ),
        KpiDefinition(
            "iqc_acceptance", _("IQC lot acceptance rate"), "%", HIGHER, RATIO,
            iqc_acceptance, _("Passed IQC lots / IQC lots with a verdict."),
        ),
        KpiDefinition(
            "open_spc_alerts", _("Open SPC alerts"), "", LOWER, LAST, open_spc_alerts,
            _("SPC violations not acknowledged at the end of the period."),
        ),
        KpiDefinition(
            "capa_on_time", _("CAPA on-time closure"), "%", HIGHER, RATIO, capa_on_time,
            _("CAPA actions done by their due date / actions due in the period."),
        ),
        KpiDefinition(
            "open_findings", _("Open audit findings"), "", LOWER, LAST, open_findings,
            _("Nonconformity findings not closed at the end of the period."),
        ),
        KpiDefinition(
            "complaints", _("Customer complaints"), "", LOWER, SUM, complaint_count,
            _("Complaints received in the period naming modules of the site."),
        ),
    )
}  # fmt: skip

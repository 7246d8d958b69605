"""Module line yield: first-pass yield (FPY) per line, shift and day, scrap and downgrade
rates, and the defect Pareto — one JSON-ready report for the yield page, its XLSX export and
``GET /api/v1/manufacturing/yield/``.

**Started** — a module (serial) *starts* in the period when its first flash test falls in it
(site-local dates). Its line is the line of that flash test; its day and shift are the
site-local date and shift of that moment.

**First pass** — a started module is first-pass good when *all* of these hold:

* it was flashed once (no retest), and EL-tested at most once per stage (no re-EL after a
  repair), further tests being looked for up to ``RETEST_DAYS`` after the period;
* it has an EL result after lamination (EL2), and every EL grade it got is A;
* its flash Pmax reaches the lowest nameplate class of its model (first class + guard band
  of the model's binning rule; without a rule ``FALLBACK_POWER_SHARE`` of the datasheet
  Pmax);
* its OQC decision, if any, is not a rejection and its hi-pot and visual checks passed;
* no approved MRB disposition concerns it (use as is, rework, downgrade, scrap, return).

**Scrapped** — named on an approved scrap (or return-to-supplier) disposition.
**Downgraded** — not scrapped, and either named on an approved downgrade disposition or of
final grade B or C (the OQC grade, else the grade of the latest EL2 result).
An MRB disposition that names no units applies to every unit of its hold that no other
approved disposition of that hold names.

FPY = first-pass good / started; scrap and downgrade rates are over started as well.

**Defect Pareto** — occurrences per defect code recorded in the period: EL defect codes
(every EL result's ``defects``), ``PWR-LOW`` (started modules below their lowest class),
``HIPOT`` / ``VISUAL`` (OQC decisions with that check failed) and the characteristic codes of
nonconforming IPQA/OQC inspection records.

Every read goes through ``for_user(user, "view")``. The database aggregates per serial and
then per line and UTC time bucket (one hour, or 15 minutes where a site's UTC offset is not
whole hours); only those buckets reach Python, where numpy maps them to site-local days,
shifts and periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Exists, OuterRef
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qdm.core.models import Line, Site
from qdm.data.choices import ElStage, UnitKind
from qdm.data.models import ElResult, FlashTest, ModuleModel, Unit
from qdm.manufacturing.choices import (
    DispositionDecision,
    DispositionStatus,
    InspectionStage,
    ReleaseStatus,
)
from qdm.manufacturing.models import (
    BinningRule,
    InspectionRecord,
    ModuleRelease,
    MrbDisposition,
)

DEFAULT_DAYS = 30
MAX_DAYS = 366
RETEST_DAYS = 7
FALLBACK_POWER_SHARE = 0.97
GRANULARITIES = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
}
#: shift patterns: (start hour, code) in site-local time, the first shift of the day first
SHIFT_PATTERNS: dict[str, list[tuple[int, str]]] = {
    "3x8": [(8, "A"), (16, "B"), (0, "C")],
    "2x12": [(8, "D"), (20, "N")],
}
SHIFT_PATTERN_LABELS = {
    "3x8": gettext_lazy("3 × 8 h (08:00, 16:00, 00:00)"),
    "2x12": gettext_lazy("2 × 12 h (08:00, 20:00)"),
}
#: the columns the database sums per (site, line, bucket), in this order
METRICS = (
    "started",
    "first_pass",
    "scrapped",
    "downgraded",
    "retested",
    "el_not_a",
    "low_power",
    "oqc_rejected",
    "mrb",
    "no_final_el",
)
REASONS = ("retested", "el_not_a", "no_final_el", "low_power", "oqc_rejected", "mrb")
SCRAP_DECISIONS = (DispositionDecision.SCRAP, DispositionDecision.RETURN_TO_SUPPLIER)


# SQL templates: filled with constants and ORM-compiled subqueries (values are parameters)
#: the columns of every branch of the per-serial UNION ALL, with their type
UNION_COLUMNS: dict[str, Any] = {
    "y_serial": CharField,
    "y_site": BigIntegerField,
    "y_line": BigIntegerField,
    "y_t": BigIntegerField,
    "y_flash": IntegerField,
    "y_pmax": FloatField,
    "y_el1": IntegerField,
    "y_el2": IntegerField,
    "y_rank": IntegerField,
    "y_last2": BigIntegerField,
    "y_scrap": IntegerField,
    "y_down": IntegerField,
    "y_mrb": IntegerField,
}
_BRANCH = "SELECT * FROM ({sql}) b{i}"
_PER_SERIAL = """
    SELECT y_serial AS serial, MIN(y_site) AS site_ref, MIN(y_line) AS line_ref,
      MIN(y_t) AS first_s, SUM(y_flash) AS flashes, MIN(y_pmax) AS pmax,
      SUM(y_el1) AS el1, SUM(y_el2) AS el2, MAX(y_rank) AS worst, MAX(y_last2) AS last2,
      MAX(y_scrap) AS scrap, MAX(y_down) AS downgrade, MAX(y_mrb) AS mrb
    FROM ({stacked}) x
    GROUP BY y_serial HAVING MIN(y_t) >= %s AND MIN(y_t) < %s"""
_FLAGS = """
    SELECT g.site_ref, g.line_ref,{model} g.first_s / {bucket} AS bucket,
      CASE WHEN g.flashes > 1 OR g.el1 > 1 OR g.el2 > 1 THEN 1 ELSE 0 END AS retested,
      CASE WHEN COALESCE(g.worst, 0) > 0 THEN 1 ELSE 0 END AS el_not_a,
      CASE WHEN g.pmax < {threshold} THEN 1 ELSE 0 END AS low_power,
      CASE WHEN r.rstatus = '{rejected}' OR NOT r.hipot OR NOT r.visual
           THEN 1 ELSE 0 END AS oqc_rejected,
      g.mrb AS mrb,
      CASE WHEN g.el2 = 0 THEN 1 ELSE 0 END AS no_final_el,
      g.scrap AS scrapped,
      CASE WHEN g.scrap = 0 AND (g.downgrade = 1 OR COALESCE(
             NULLIF(r.rgrade, ''),
             CASE g.last2 %% 4 WHEN 1 THEN 'B' WHEN 2 THEN 'C' ELSE 'A' END,
             'A') IN ('B', 'C')) THEN 1 ELSE 0 END AS downgraded
    FROM ({g}) g
    LEFT JOIN ({r}) r ON r.unit_code = g.serial
    LEFT JOIN ({u}) u ON u.unit_code = g.serial
    {where}"""
_SUMS = """
    SELECT site_ref, line_ref,{model} bucket, COUNT(*),
      SUM(CASE WHEN {reasons} = 0 THEN 1 ELSE 0 END),
      SUM(scrapped), SUM(downgraded), SUM(retested), SUM(el_not_a), SUM(low_power),
      SUM(oqc_rejected), SUM(mrb), SUM(no_final_el)
    FROM ({inner}) s GROUP BY {group}"""
_EL_DEFECTS_SQLITE = """
    SELECT e.site_id, e.line_id, e.bucket,
      UPPER(TRIM(CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.code') END)),
      COUNT(*)
    FROM ({el}) e,
      json_each(CASE WHEN json_type(e.defects) = 'array' THEN e.defects ELSE '[]' END) j
    GROUP BY 1, 2, 3, 4"""
_EL_DEFECTS_POSTGRES = """
    SELECT e.site_id, e.line_id, e.bucket,
      UPPER(TRIM(CASE WHEN jsonb_typeof(j.value) = 'object' THEN j.value ->> 'code' END)),
      COUNT(*)
    FROM ({el}) e CROSS JOIN LATERAL jsonb_array_elements(
      CASE WHEN jsonb_typeof(e.defects) = 'array' THEN e.defects ELSE '[]'::jsonb END) j
    GROUP BY 1, 2, 3, 4"""


class YieldError(ValueError):
    """Bad filter values; the message names the problem, ``field`` the filter."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def default_shift_pattern() -> str:
    pattern = getattr(settings, "QDM_SHIFT_PATTERN", "3x8")
    return pattern if pattern in SHIFT_PATTERNS else "3x8"


@dataclass(frozen=True)
class YieldQuery:
    date_from: date
    date_to: date
    site: Site | None = None
    line: Line | None = None
    module_model: ModuleModel | None = None
    granularity: str = "day"
    shifts: str = field(default_factory=default_shift_pattern)

    def check(self) -> None:
        if self.date_from > self.date_to:
            raise YieldError(_("The start date is after the end date."), "date_to")
        if (self.date_to - self.date_from).days + 1 > MAX_DAYS:
            raise YieldError(_("Choose at most %(days)s days.") % {"days": MAX_DAYS}, "date_to")
        if self.granularity not in GRANULARITIES:
            raise YieldError(
                _("Unknown granularity %(value)s.") % {"value": self.granularity}, "granularity"
            )
        if self.shifts not in SHIFT_PATTERNS:
            raise YieldError(
                _("Unknown shift pattern %(value)s.") % {"value": self.shifts}, "shifts"
            )
        if self.site and self.line and self.line.workshop.site_id != self.site.pk:
            raise YieldError(
                _("Line %(line)s is not at site %(site)s.")
                % {"line": self.line.code, "site": self.site.code},
                "line",
            )


def default_dates(today: date) -> tuple[date, date]:
    """The last ``DEFAULT_DAYS`` days up to and including ``today``."""
    return today - timedelta(days=DEFAULT_DAYS - 1), today


# --- SQL pieces ---------------------------------------------------------------------------
class EpochSeconds(Func):
    """Whole seconds since the epoch of a datetime (or of an aggregate of one), computed by
    the database so that no row becomes a Python datetime."""

    template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"
    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # stored as UTC text; julianday keeps ~50 µs, the 0.5 ms nudge guards whole seconds
        template = "CAST((julianday(%(expressions)s) - 2440587.5) * 86400.0 + 0.0005 AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _sql(queryset: Any) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _grade_rank() -> Case:
    return Case(
        When(grade="A", then=Value(0)),
        When(grade="B", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


@dataclass
class _Window:
    sites: list[Site]
    start: datetime  # UTC, the earliest local start of the sites
    end: datetime  # UTC, the latest local end (exclusive)
    bucket: int  # seconds


def _window(query: YieldQuery, sites: Sequence[Site]) -> _Window:
    starts, ends, whole_hours = [], [], True
    for site in sites:
        tz = ZoneInfo(site.timezone)
        first = datetime.combine(query.date_from, time.min, tzinfo=tz)
        last = datetime.combine(query.date_to + timedelta(days=1), time.min, tzinfo=tz)
        starts.append(first.astimezone(UTC))
        ends.append(last.astimezone(UTC))
        for moment in (first, last):
            offset = moment.utcoffset() or timedelta()
            whole_hours &= int(offset.total_seconds()) % 3600 == 0
    if not sites:
        now = datetime.now(UTC)
        return _Window([], now, now, 3600)
    return _Window(list(sites), min(starts), max(ends), 3600 if whole_hours else 900)


def _power_thresholds() -> dict[int, float]:
    """The lowest sellable Pmax of each module model (group master data)."""
    rules = {
        r.module_model_id: float(r.first_class_w) + float(r.guard_band_w)
        for r in BinningRule.objects.all()
    }
    out = {}
    for pk, pmax in ModuleModel.objects.values_list("pk", "pmax_w"):
        out[pk] = rules.get(pk, FALLBACK_POWER_SHARE * pmax)
    return out


def _parts(**columns: Any) -> dict[str, Any]:
    """One branch of the per-serial UNION: every column of ``UNION_COLUMNS``, typed NULL or
    0 where the branch has nothing to say."""
    out = {}
    for name, kind in UNION_COLUMNS.items():
        if name in columns:
            out[name] = columns[name]
        elif name in ("y_flash", "y_el1", "y_el2", "y_scrap", "y_down", "y_mrb"):
            out[name] = Value(0)
        else:
            out[name] = Cast(Value(None), kind())
    return out


def _branch(queryset: Any, **columns: Any) -> tuple[str, list[Any]]:
    cols = _parts(**columns)
    return _sql(queryset.annotate(**cols).values(*cols).order_by())


def _disposition_branches(user: Any) -> list[tuple[str, list[Any]]]:
    """Approved MRB decisions per unit code: the units a decision names, and for a decision
    that names none, the units of its hold that no other approved decision names."""
    approved = MrbDisposition.objects.for_user(user, "view").filter(
        status=DispositionStatus.APPROVED
    )
    through = MrbDisposition.units.through

    def flags(decision: str) -> dict[str, Any]:
        return {
            "y_scrap": Case(When(**{f"{decision}__in": SCRAP_DECISIONS}, then=1), default=0),
            "y_down": Case(When(**{decision: DispositionDecision.DOWNGRADE}, then=1), default=0),
            "y_mrb": Value(1),
        }

    named = through.objects.filter(mrbdisposition__in=approved.values("pk"))
    named_elsewhere = through.objects.filter(
        mrbdisposition__hold_id=OuterRef("hold_id"),
        mrbdisposition__status=DispositionStatus.APPROVED,
        unit__code=OuterRef("y_serial"),
    )
    unnamed = (
        approved.filter(units__isnull=True)
        .annotate(y_serial=F("hold__units__code"))
        .filter(y_serial__isnull=False)
        .filter(~Exists(named_elsewhere))
    )
    return [
        _branch(named, y_serial=F("unit__code"), **flags("mrbdisposition__decision")),
        _branch(unnamed, y_serial=F("y_serial"), **flags("decision")),
    ]


def _yield_buckets(user: Any, query: YieldQuery, win: _Window) -> np.ndarray:
    """Rows (site, line, bucket, *METRICS) summed by the database."""
    sql, params = yield_sql(user, query, win)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _as_array(rows, 3 + len(METRICS))


def yield_sql(
    user: Any, query: YieldQuery, win: _Window, *, by_model: bool = False
) -> tuple[str, list[Any]]:
    """The one statement behind :func:`_yield_buckets` (exposed for EXPLAIN). Flash tests,
    EL results and MRB decisions are stacked (UNION ALL) and grouped per serial in one pass
    — no join between large grouped sets, whatever the planner's statistics — then joined
    by index to the serial's unit and OQC decision and summed per site, line and bucket
    (``by_model``: per site, line, the serial's module model and bucket)."""
    site_ids = [s.pk for s in win.sites]
    lookback = timedelta(days=RETEST_DAYS)
    flashes = FlashTest.objects.for_user(user, "view").filter(
        site_id__in=site_ids,
        tested_at__gte=win.start - lookback,
        tested_at__lt=win.end + lookback,
    )
    if query.line:
        flashes = flashes.filter(line=query.line)
    els = ElResult.objects.for_user(user, "view").filter(
        site_id__in=site_ids,
        tested_at__gte=win.start - lookback,
        tested_at__lt=win.end + lookback,
    )
    rank = _grade_rank()
    branches = [
        _branch(
            flashes,
            y_serial=F("serial"),
            y_site=F("site_id"),
            y_line=F("line_id"),
            y_t=EpochSeconds(F("tested_at")),
            y_flash=Value(1),
            y_pmax=F("pmax_w"),
        ),
        _branch(
            els,
            y_serial=F("serial"),
            y_el1=Case(When(stage=ElStage.EL1, then=1), default=0),
            y_el2=Case(When(stage=ElStage.EL2, then=1), default=0),
            y_rank=rank,
            y_last2=Case(
                When(stage=ElStage.EL2, then=EpochSeconds(F("tested_at")) * Value(4) + rank),
                output_field=BigIntegerField(),
            ),
        ),
        *_disposition_branches(user),
    ]
    releases = (
        ModuleRelease.objects.for_user(user, "view")
        .filter(site_id__in=site_ids, decided_at__gte=win.start - lookback)
        .values(
            unit_code=F("unit__code"),
            rstatus=F("status"),
            rgrade=F("el_grade"),
            hipot=F("hipot_passed"),
            visual=F("visual_passed"),
        )
        .order_by()
    )
    units = (
        Unit.objects.for_user(user, "view")
        .filter(kind=UnitKind.MODULE)
        .values(unit_code=F("code"), model_ref=F("module_model_id"))
        .order_by()
    )
    thresholds = _power_thresholds()
    params: list[Any] = []
    if thresholds:
        whens = " ".join("WHEN %s THEN %s" for _ in thresholds)
        threshold = f"(CASE u.model_ref {whens} ELSE NULL END)"
        for pk, watts in thresholds.items():
            params += [pk, watts]
    else:
        threshold = "NULL"
    stacked = " UNION ALL ".join(
        _BRANCH.format(sql=sql, i=i) for i, (sql, _p) in enumerate(branches)
    )
    for _sql_text, branch_params in branches:
        params += branch_params
    params += [int(win.start.timestamp()), int(win.end.timestamp())]
    release_sql, release_params = _sql(releases)
    unit_sql, unit_params = _sql(units)
    params += release_params + unit_params
    where = ""
    if query.module_model:
        where = "WHERE u.model_ref = %s"
        params.append(query.module_model.pk)
    inner = _FLAGS.format(
        bucket=win.bucket,
        threshold=threshold,
        rejected=ReleaseStatus.REJECTED.value,
        g=_PER_SERIAL.format(stacked=stacked),
        r=release_sql,
        u=unit_sql,
        where=where,
        model=" u.model_ref AS model_ref," if by_model else "",
    )
    sums = _SUMS.format(
        reasons=" + ".join(REASONS),
        inner=inner,
        model=" model_ref," if by_model else "",
        group="1, 2, 3, 4" if by_model else "1, 2, 3",
    )
    return sums, params


def _as_array(rows: Sequence[Sequence[Any]], width: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    return np.array([[-1 if v is None else int(v) for v in row] for row in rows], dtype=np.int64)


def _el_defect_sql(el_sql: str) -> str:
    template = _EL_DEFECTS_SQLITE if connection.vendor == "sqlite" else _EL_DEFECTS_POSTGRES
    return template.format(el=el_sql)


def _pareto_buckets(user: Any, query: YieldQuery, win: _Window) -> list[tuple[Any, ...]]:
    """Rows (source, code, site, line, bucket, count) of defects recorded in the window
    (except PWR-LOW, which comes with the yield buckets)."""
    site_ids = [s.pk for s in win.sites]
    out: list[tuple[Any, ...]] = []

    def bucket(field_name: str) -> Any:
        return EpochSeconds(F(field_name)) / Value(win.bucket)

    el = ElResult.objects.for_user(user, "view").filter(
        site_id__in=site_ids, tested_at__gte=win.start, tested_at__lt=win.end
    )
    if query.line:
        el = el.filter(line=query.line)
    if query.module_model:
        el = el.filter(
            serial__in=Unit.objects.filter(
                kind=UnitKind.MODULE, module_model=query.module_model
            ).values("code")
        )
    el = el.annotate(bucket=bucket("tested_at")).values("site_id", "line_id", "bucket", "defects")
    el_sql, params = _sql(el.order_by())
    with connection.cursor() as cursor:
        cursor.execute(_el_defect_sql(el_sql), params)
        out += [("el", code, s, ln, b, n) for s, ln, b, code, n in cursor.fetchall() if code]

    releases = ModuleRelease.objects.for_user(user, "view").filter(
        Q(hipot_passed=False) | Q(visual_passed=False),
        site_id__in=site_ids,
        decided_at__gte=win.start,
        decided_at__lt=win.end,
    )
    if query.line:
        releases = releases.filter(unit__line=query.line)
    if query.module_model:
        releases = releases.filter(unit__module_model=query.module_model)
    for row in (
        releases.annotate(bucket=bucket("decided_at"))
        .values("site_id", "bucket", line_ref=F("unit__line_id"))
        .annotate(
            hipot=Count("id", filter=Q(hipot_passed=False)),
            visual=Count("id", filter=Q(visual_passed=False)),
        )
        .order_by()
    ):
        for code in ("hipot", "visual"):
            if row[code]:
                key = (row["site_id"], row["line_ref"], row["bucket"])
                out.append(("oqc", code.upper(), *key, row[code]))

    records = InspectionRecord.objects.for_user(user, "view").filter(
        conforming=False,
        lot__plan__stage__in=(InspectionStage.IPQA, InspectionStage.OQC),
        lot__site_id__in=site_ids,
        lot__inspected_at__gte=win.start,
        lot__inspected_at__lt=win.end,
    )
    records = records.exclude(lot__status="cancelled")
    if query.line:
        records = records.filter(lot__unit__line=query.line)
    if query.module_model:
        records = records.filter(
            Q(lot__plan__module_model=query.module_model)
            | Q(lot__unit__module_model=query.module_model)
        )
    out += [
        ("inspection", code, s, ln, b, n)
        for code, s, ln, b, n in records.annotate(bucket=bucket("lot__inspected_at"))
        .values_list(
            F("line__characteristic__code"), F("lot__site_id"), F("lot__unit__line_id"), "bucket"
        )
        .annotate(n=Count("id"))
        .order_by()
    ]
    return out


# --- from UTC buckets to site-local days, shifts and periods ------------------------------
def _period(day: date, granularity: str) -> tuple[int, str]:
    if granularity == "week":
        iso = day.isocalendar()
        return iso.year * 100 + iso.week, f"{iso.year}-W{iso.week:02d}"
    if granularity == "month":
        return day.year * 100 + day.month, f"{day.year}-{day.month:02d}"
    return day.toordinal(), day.isoformat()


def shift_table(pattern: str) -> list[dict[str, Any]]:
    """The shifts of a pattern in the order of the production day, with their hours."""
    shifts = SHIFT_PATTERNS[pattern]
    hours = [h for h, _code in shifts]
    table = []
    for i, (start, code) in enumerate(shifts):
        end = hours[(i + 1) % len(hours)]
        table.append(
            {"index": i, "shift": code, "label": f"{code} ({start:02d}:00–{end or 24:02d}:00)"}
        )
    return table


@dataclass
class _Local:
    keep: np.ndarray  # bool: the row's site-local date is in the period asked for
    period: np.ndarray  # int period key
    shift: np.ndarray  # int index into shift_table()
    labels: dict[int, str]


def _localise(sites: np.ndarray, buckets: np.ndarray, query: YieldQuery, win: _Window) -> _Local:
    """Site-local date, shift and period of each (site, UTC bucket) row: one timezone
    conversion per distinct pair (at most a few thousand), then numpy indexing."""
    n = len(sites)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Local(np.zeros(0, dtype=bool), empty, empty, {})
    zones = {s.pk: ZoneInfo(s.timezone) for s in win.sites}
    pairs, inverse = np.unique(np.stack([sites, buckets], axis=1), axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    shifts = SHIFT_PATTERNS[query.shifts]
    order = sorted(range(len(shifts)), key=lambda i: shifts[i][0])
    starts = [shifts[i][0] for i in order]
    keep = np.zeros(len(pairs), dtype=bool)
    period = np.zeros(len(pairs), dtype=np.int64)
    shift = np.zeros(len(pairs), dtype=np.int64)
    labels: dict[int, str] = {}
    for k, (site_id, b) in enumerate(pairs.tolist()):
        moment = datetime.fromtimestamp(b * win.bucket, zones.get(site_id, UTC))
        day = moment.date()
        keep[k] = query.date_from <= day <= query.date_to
        key, label = _period(day, query.granularity)
        period[k], labels[key] = key, label
        hour = moment.hour + moment.minute / 60
        position = int(np.searchsorted(starts, hour, side="right")) - 1
        shift[k] = order[position]  # -1 wraps to the last start: before the first shift
    return _Local(keep[inverse], period[inverse], shift[inverse], labels)


def _group(keys: Sequence[np.ndarray], values: np.ndarray) -> tuple[list[tuple[int, ...]], Any]:
    """Sums of ``values`` rows per distinct key tuple (keys sorted)."""
    if len(values) == 0:
        return [], np.zeros((0, values.shape[1]), dtype=np.int64)
    stacked = np.stack(keys, axis=1)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    sums = np.zeros((len(unique), values.shape[1]), dtype=np.int64)
    np.add.at(sums, np.asarray(inverse).reshape(-1), values)
    return [tuple(int(v) for v in row) for row in unique.tolist()], sums


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _figures(sums: Any) -> dict[str, Any]:
    m = {name: int(v) for name, v in zip(METRICS, sums, strict=True)}
    started = m["started"]
    return {
        "started": started,
        "first_pass": m["first_pass"],
        "fpy": _rate(m["first_pass"], started),
        "scrapped": m["scrapped"],
        "scrap_rate": _rate(m["scrapped"], started),
        "downgraded": m["downgraded"],
        "downgrade_rate": _rate(m["downgraded"], started),
        "reasons": {name: m[name] for name in REASONS},
    }


def _pareto(counts: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """Codes by count (then code), each with its share and the cumulative share."""
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][1], item[0][0]))
    out, running = [], 0
    for (source, code), count in ranked:
        running += count
        out.append(
            {
                "code": code,
                "source": source,
                "count": count,
                "share": count / total,
                "cumulative": running / total,
            }
        )
    return out


# --- the report ---------------------------------------------------------------------------
def scoped_sites(user: Any, site: Site | None = None, line: Line | None = None) -> list[Site]:
    sites = Site.objects.for_user(user, "view")
    if site:
        sites = sites.filter(pk=site.pk)
    if line:
        sites = sites.filter(pk=line.workshop.site_id)
    return list(sites.order_by("code"))


def local_today(sites: Sequence[Site]) -> date:
    """Today at the site that is furthest ahead (so that a default period ending "today"
    includes what every site made today)."""
    now = datetime.now(UTC)
    return max((now.astimezone(ZoneInfo(s.timezone)).date() for s in sites), default=now.date())


def yield_report(user: Any, query: YieldQuery) -> dict[str, Any]:
    """FPY, scrap and downgrade rates by period, line, shift and line × period, and the
    defect Pareto, for what ``user`` may see (see the module docstring)."""
    query.check()
    win = _window(query, scoped_sites(user, query.site, query.line))
    data = _yield_buckets(user, query, win) if win.sites else _as_array([], 3 + len(METRICS))
    pareto_rows = _pareto_buckets(user, query, win) if win.sites else []

    site_col, line_col, bucket_col, values = data[:, 0], data[:, 1], data[:, 2], data[:, 3:]
    local = _localise(site_col, bucket_col, query, win)
    keep = local.keep
    site_col, line_col, values = site_col[keep], line_col[keep], values[keep]
    period, shift = local.period[keep], local.shift[keep]

    p_site = np.array([r[2] for r in pareto_rows], dtype=np.int64)
    p_line = np.array([-1 if r[3] is None else r[3] for r in pareto_rows], dtype=np.int64)
    p_bucket = np.array([r[4] for r in pareto_rows], dtype=np.int64)
    p_local = _localise(p_site, p_bucket, query, win)
    labels = {**local.labels, **p_local.labels}

    lines = {
        ln.pk: ln
        for ln in Line.objects.for_user(user, "view")
        .filter(pk__in={int(v) for v in line_col.tolist()} | set(p_line.tolist()))
        .select_related("workshop__site")
    }
    sites = {s.pk: s for s in win.sites}
    shifts = shift_table(query.shifts)

    def line_info(pk: int, site_pk: int) -> dict[str, Any]:
        ln = lines.get(pk)
        site = sites.get(site_pk)
        return {
            "site": site.code if site else None,
            "line": ln.code if ln else None,
            "line_name": ln.display_name if ln else str(_("(no line)")),
        }

    totals = _figures(values.sum(axis=0) if len(values) else np.zeros(len(METRICS)))
    keys, sums = _group([period], values)
    periods = [{"period": labels[k[0]], **_figures(s)} for k, s in zip(keys, sums, strict=True)]
    keys, sums = _group([site_col, line_col], values)
    by_line = [
        {**line_info(ln, s), "line_id": ln if ln >= 0 else None, **_figures(v)}
        for (s, ln), v in zip(keys, sums, strict=True)
    ]
    keys, sums = _group([shift], values)
    by_shift = [
        {"shift": shifts[k[0]]["shift"], "label": shifts[k[0]]["label"], **_figures(v)}
        for k, v in zip(keys, sums, strict=True)
    ]
    keys, sums = _group([site_col, line_col, shift], values)
    line_shifts = [
        {**line_info(ln, s), "shift": shifts[sh]["shift"], **_figures(v)}
        for (s, ln, sh), v in zip(keys, sums, strict=True)
    ]
    keys, sums = _group([period, site_col, line_col], values)
    rows = [
        {"period": labels[p], **line_info(ln, s), **_figures(v)}
        for (p, s, ln), v in zip(keys, sums, strict=True)
    ]

    # the Pareto: recorded defects plus the started modules below their lowest class
    counts: dict[tuple[str, str], int] = {}
    by_line_code: dict[tuple[int, int, str], int] = {}
    by_period_code: dict[tuple[int, str], int] = {}

    def add(source: str, code: str, s: int, ln: int, p: int, n: int) -> None:
        counts[(source, code)] = counts.get((source, code), 0) + n
        by_line_code[(s, ln, code)] = by_line_code.get((s, ln, code), 0) + n
        by_period_code[(p, code)] = by_period_code.get((p, code), 0) + n

    for i, row in enumerate(pareto_rows):  # aggregated rows, not units
        if p_local.keep[i]:
            add(row[0], str(row[1]), int(p_site[i]), int(p_line[i]), int(p_local.period[i]), row[5])
    low = values[:, METRICS.index("low_power")] if len(values) else np.zeros(0, dtype=np.int64)
    columns = (period.tolist(), site_col.tolist(), line_col.tolist(), low.tolist())
    for k, s, ln, n in zip(*columns, strict=True):
        if n:
            add("flash", "PWR-LOW", s, ln, k, n)
    pareto = _pareto(counts)
    rank = {item["code"]: i for i, item in enumerate(pareto)}
    pareto_lines = sorted(
        (
            {**line_info(ln, s), "code": code, "count": n}
            for (s, ln, code), n in by_line_code.items()
        ),
        key=lambda r: (r["site"] or "", r["line"] or "", rank[r["code"]]),
    )
    pareto_periods = [
        {"period": labels[p], "code": code, "count": n}
        for (p, code), n in sorted(
            by_period_code.items(), key=lambda kv: (kv[0][0], rank[kv[0][1]])
        )
    ]
    return {
        "filters": {
            "date_from": query.date_from.isoformat(),
            "date_to": query.date_to.isoformat(),
            "site": query.site.code if query.site else None,
            "line": query.line.code if query.line else None,
            "module_model": query.module_model.code if query.module_model else None,
            "granularity": query.granularity,
            "shifts": query.shifts,
        },
        "sites": [s.code for s in win.sites],
        "shift_table": [{"shift": s["shift"], "label": s["label"]} for s in shifts],
        "totals": totals,
        "periods": periods,
        "lines": by_line,
        "shifts": by_shift,
        "line_shifts": line_shifts,
        "rows": rows,
        "pareto": pareto,
        "pareto_lines": pareto_lines,
        "pareto_periods": pareto_periods,
    }

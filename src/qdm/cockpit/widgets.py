"""The home-page widgets of the cockpit, registered in code.

A widget has a code, a title (translated: English and Chinese), the audiences and the
permission that may see it, and a data function ``data(user) -> dict`` that reads the
platforms through their ``selectors.py`` — every query goes through ``for_user``, so a
site-B manager sees no site-A numbers and a supplier user sees only their company's records.

What a data function returns (the widget template draws it):

* ``rows`` — ``[{title, detail, site, due, overdue, url}]`` (at most ``ROW_LIMIT``) and
  ``count`` (all of them);
* ``tiles`` — the KPI tiles (value, unit, trend, goal target and status);
* ``chart`` — ``{kind, categories, series}`` drawn by ``static/qdm/cockpit_home.js``.

Each role has its default widgets (``ROLE_DEFAULTS``); a user may choose their own
(``HomeLayout``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import INTERNAL, SUPPLIER, user_audiences

ROW_LIMIT = 8
TREND_MONTHS = 6


@dataclass(frozen=True)
class Widget:
    code: str
    title: str | Promise
    data: Callable[[Any], dict[str, Any]]
    audiences: tuple[str, ...] = (INTERNAL,)
    permission: str | None = None  # "app.view_model"; hidden without it
    list_url: str = ""  # URL name of the full list behind the widget
    width: int = 6  # Bootstrap columns on a large screen
    lazy: bool = False  # loaded after the page (HTMX) because it is slow to compute

    def visible_to(self, user: Any, audiences: frozenset[str] | None = None) -> bool:
        audiences = user_audiences(user) if audiences is None else audiences
        if not audiences & set(self.audiences):
            return False
        return self.permission is None or user.has_perm(self.permission)

    @property
    def url(self) -> str:
        try:
            return reverse(self.list_url) if self.list_url else ""
        except NoReverseMatch:
            return ""


def _row(
    title: str, detail: str = "", site: str = "", due: date | None = None, url: str = ""
) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "title": title,
        "detail": detail,
        "site": site,
        "due": due,
        "overdue": bool(due and due < today),
        "url": url,
    }


def _rows(queryset: Any, make: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {"count": queryset.count(), "rows": [make(x) for x in queryset[:ROW_LIMIT]]}


# --- KPI tiles with trend against goal ------------------------------------------------


def kpi_tiles(user: Any) -> dict[str, Any]:
    """The KPIs of the user's sites together for the latest month (``group_tiles``; those
    with neither a value nor a goal are left out), each with its trend over
    ``TREND_MONTHS`` months (the same roll-up) and the target of its goal: the goal of the
    user's site when they have exactly one, else the group goal (only the target is shown —
    a group goal's measured value would include sites the user may not see)."""
    from qdm.cockpit.kpis import REGISTRY, SUM
    from qdm.cockpit.models import QualityGoal
    from qdm.cockpit.selectors import _shift_months, group_tiles_by_month, latest_month
    from qdm.cockpit.services_goals import status_of
    from qdm.core.models import Site

    month = latest_month(user)
    if month is None:
        return {"tiles": [], "month": None}
    months = [_shift_months(month, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    # the trend: the same roll-up as the tiles, every month read at once
    tiles_by_month = group_tiles_by_month(user, months)
    by_month = {m: {t["code"]: t["value"] for t in tiles_by_month[m]} for m in months[:-1]}
    site_ids = list(Site.objects.for_user(user, "view").values_list("pk", flat=True))
    own_site = site_ids[0] if len(site_ids) == 1 else None
    goals: dict[str, Any] = {}
    for goal in (
        QualityGoal.objects.for_user(user, "view")
        .filter(year=month.year, level="company")
        .filter(Q(site__isnull=True) | Q(site_id=own_site))
        .order_by("code")
    ):
        if goal.kpi not in goals or goal.site_id is not None:
            goals[goal.kpi] = goal  # the goal of the user's one site wins over the group's
    tiles = []
    for tile in tiles_by_month[month]:
        kpi = REGISTRY[tile["code"]]
        if tile["value"] is None and kpi.code not in goals:
            continue  # neither a value in the user's scope nor a goal: nothing to show
        trend = [by_month[m].get(kpi.code) for m in months[:-1]] + [tile["value"]]
        goal = goals.get(kpi.code)
        target = None
        status = ""
        if goal is not None:
            target = goal.target / 12.0 if kpi.aggregation == SUM else goal.target
            status = status_of(tile["value"], target, goal.direction, goal.amber_band)
        tiles.append(
            {
                **tile,
                "trend": trend,
                "target": target,
                "status": status,
                "goal_url": goal.get_absolute_url() if goal else "",
            }
        )
    return {
        "tiles": tiles,
        "month": month.strftime("%Y-%m"),
        "months": [m.strftime("%Y-%m") for m in months],
    }


# --- work lists -----------------------------------------------------------------------


def my_capa_actions(user: Any) -> dict[str, Any]:
    from qdm.system.selectors import open_capa_actions

    return _rows(
        open_capa_actions(user, owner=user),
        lambda a: _row(
            f"{a.capa.number} {a.get_discipline_display()}",
            a.description[:80],
            a.capa.site.code if a.capa.site_id else "",
            a.due_date,
            a.capa.get_absolute_url(),
        ),
    )


def my_inspections(user: Any) -> dict[str, Any]:
    from qdm.manufacturing.selectors import open_inspection_lots

    return _rows(
        open_inspection_lots(user),
        lambda lot: _row(
            lot.number,
            f"{lot.plan.code} {lot.reference}".strip(),
            lot.site.code,
            timezone.localdate(lot.inspected_at),
            lot.get_absolute_url(),
        ),
    )


def spc_alerts(user: Any) -> dict[str, Any]:
    from qdm.manufacturing.selectors import open_spc_alerts

    return _rows(
        open_spc_alerts(user),
        lambda v: _row(
            v.config.name,
            v.rule_label,
            v.config.site.code if v.config.site else "",
            timezone.localdate(v.detected_at),
            v.get_absolute_url(),
        ),
    )


def holds(user: Any) -> dict[str, Any]:
    from qdm.manufacturing.selectors import open_holds

    return _rows(
        open_holds(user),
        lambda h: _row(
            h.number,
            h.reason[:80],
            h.site.code,
            timezone.localdate(h.held_at),
            h.get_absolute_url(),
        ),
    )


def iqc_waiting(user: Any) -> dict[str, Any]:
    from qdm.supplier.selectors import receipts_in_iqc

    return _rows(
        receipts_in_iqc(user),
        lambda r: _row(
            r.number,
            f"{r.supplier.code} · {r.material.code} · {r.supplier_lot}",
            r.site.code,
            timezone.localdate(r.received_at),
            r.get_absolute_url(),
        ),
    )


def supplier_grades(user: Any) -> dict[str, Any]:
    """The grade distribution of the latest scorecards, the C and D suppliers listed."""
    from qdm.supplier.selectors import latest_scorecards

    cards = list(latest_scorecards(user).order_by("grade", "supplier__code"))
    grades = ["A", "B", "C", "D"]
    counts = [sum(1 for c in cards if c.grade == g) for g in grades]
    weak = [c for c in cards if c.grade in ("C", "D")]
    return {
        "count": len(cards),
        "month": cards[0].month.strftime("%Y-%m") if cards else None,
        "chart": {"kind": "bar", "categories": grades, "series": [{"name": "", "data": counts}]},
        "rows": [
            _row(
                f"{c.supplier.code} {c.grade}",
                f"{c.category.code} · {c.score:.1f} · {c.ppm:.0f} ppm",
                url=c.get_absolute_url(),
            )
            for c in weak[:ROW_LIMIT]
        ],
    }


def complaints_sla(user: Any) -> dict[str, Any]:
    from qdm.service.selectors import open_complaints

    return _rows(
        open_complaints(user),
        lambda c: _row(
            c.number,
            f"{c.title[:60]} · {c.get_status_display()}",
            str(c.customer.code),
            c.sla_due,
            c.get_absolute_url(),
        ),
    )


def fmea_review(user: Any) -> dict[str, Any]:
    from qdm.design.selectors import fmeas_review_required

    return _rows(
        fmeas_review_required(user),
        lambda t: _row(
            f"{t.fmea_number} #{t.row}" if t.row else t.fmea_number,
            f"{t.get_kind_display()} · {t.capa.number}",
            t.fmea.site.code if t.fmea.site_id else "",
            timezone.localdate(t.created_at),
            t.get_absolute_url(),
        ),
    )


def today() -> date:
    return timezone.localdate()


def fpy_today(user: Any) -> dict[str, Any]:
    """Today's first-pass yield by line (site-local days) over the user's sites."""
    from qdm.manufacturing.selectors import fpy_by_line

    rows = fpy_by_line(user, None, today())
    return fpy_chart(rows)


def fpy_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "count": len(rows),
        "chart": {
            "kind": "bar",
            "categories": [r["line"] or "—" for r in rows],
            "series": [
                {"name": "FPY %", "data": [None if r["fpy"] is None else r["fpy"] for r in rows]}
            ],
            "percent": True,
        },
        "rows": [_row(r["line"] or "—", f"{r['first_pass']} / {r['started']}") for r in rows][
            :ROW_LIMIT
        ],
        "lines": rows,
    }


def top_risks(user: Any) -> dict[str, Any]:
    from qdm.cockpit.risks import open_risks

    risks = open_risks(user)
    return {
        "count": len(risks),
        "rows": [
            _row(f"{r.score:.0f} · {r.title}", r.summary, r.site, url=r.action_url)
            for r in risks[:ROW_LIMIT]
        ],
    }


# --- supplier portal widgets (their own records only, by scope) --------------------------


def supplier_scars(user: Any) -> dict[str, Any]:
    from qdm.supplier.selectors import open_scars

    return _rows(
        open_scars(user),
        lambda s: _row(
            s.capa.number,
            f"{s.reason[:60]} · {s.get_response_status_display()}",
            s.supplier.code,
            s.closure_due,
            s.get_absolute_url(),
        ),
    )


def supplier_iqc_results(user: Any) -> dict[str, Any]:
    from qdm.supplier.selectors import judged_receipts

    return _rows(
        judged_receipts(user),
        lambda r: _row(
            f"{r.number} {r.get_status_display()}",
            f"{r.material.code} · {r.supplier_lot} · {r.nonconforming or 0} / {r.sample_size}",
            r.supplier.code,
            timezone.localdate(r.judged_at) if r.judged_at else None,
            r.get_absolute_url(),
        ),
    )


def supplier_scorecard(user: Any) -> dict[str, Any]:
    """Monthly score per supplier and category that the user may see (a supplier user:
    their own), the latest grades listed."""
    from qdm.supplier.selectors import scorecard_history

    cards = list(scorecard_history(user).order_by("month", "supplier__code", "category__code"))
    months = sorted({c.month for c in cards})
    series: dict[str, dict[date, float]] = defaultdict(dict)
    for c in cards:
        series[f"{c.supplier.code} {c.category.code}"][c.month] = round(c.score, 1)
    latest = [c for c in cards if months and c.month == months[-1]]
    return {
        "count": len(latest),
        "chart": {
            "kind": "line",
            "categories": [m.strftime("%Y-%m") for m in months],
            "series": [
                {"name": name, "data": [values.get(m) for m in months]}
                for name, values in sorted(series.items())
            ],
        },
        "rows": [
            _row(
                f"{c.supplier.code} {c.category.code}: {c.grade}",
                f"{c.score:.1f} · {c.ppm:.0f} ppm · {c.acceptance_rate:.1f} %",
                url=c.get_absolute_url(),
            )
            for c in latest[:ROW_LIMIT]
        ],
    }


PORTAL = (INTERNAL, SUPPLIER)

REGISTRY: dict[str, Widget] = {
    w.code: w
    for w in (
        Widget("kpi_tiles", _("KPIs against their goals"), kpi_tiles,
               permission="cockpit.view_kpivalue", list_url="cockpit:cross_site", width=12),
        Widget("top_risks", _("Top open risks"), top_risks,
               permission="cockpit.view_kpivalue", list_url="cockpit:risks", lazy=True),
        Widget("my_capa_actions", _("My open CAPA actions"), my_capa_actions,
               permission="system.view_capaaction", list_url="system:capaaction_list"),
        Widget("my_inspections", _("My inspections due"), my_inspections,
               permission="manufacturing.view_inspectionlot",
               list_url="manufacturing:inspectionlot_list"),
        Widget("spc_alerts", _("Open SPC alerts"), spc_alerts,
               permission="manufacturing.view_spcviolation",
               list_url="manufacturing:spcviolation_list"),
        Widget("holds", _("Holds"), holds, permission="manufacturing.view_hold",
               list_url="manufacturing:hold_list"),
        Widget("iqc_waiting", _("IQC lots waiting"), iqc_waiting,
               permission="supplier.view_receipt", list_url="supplier:receipt_list"),
        Widget("supplier_grades", _("Supplier scorecard grades"), supplier_grades,
               permission="supplier.view_scorecard", list_url="supplier:scorecard_list"),
        Widget("complaints_sla", _("Complaints and SLA clocks"), complaints_sla,
               permission="service.view_complaint", list_url="service:complaint_list"),
        Widget("fmea_review", _("FMEAs flagged for review"), fmea_review,
               permission="design.view_fmeareviewtask", list_url="design:fmeareviewtask_list"),
        Widget("fpy_today", _("Today's first-pass yield by line"), fpy_today,
               permission="data.view_unit", list_url="manufacturing:yield"),
        Widget("supplier_scars", _("Open SCARs"), supplier_scars, PORTAL,
               "supplier.view_scarrequest", "supplier:scarrequest_list"),
        Widget("supplier_iqc_results", _("IQC results"), supplier_iqc_results, PORTAL,
               "supplier.view_receipt", "supplier:receipt_list"),
        Widget("supplier_scorecard", _("Scorecard"), supplier_scorecard, PORTAL,
               "supplier.view_scorecard", "supplier:scorecard_list"),
    )
}  # fmt: skip

#: each role's home page: its widgets in order (the first role of ``ROLE_ORDER`` a user
#: holds decides; users without a listed role get ``DEFAULT``)
ROLE_DEFAULTS: dict[str, tuple[str, ...]] = {
    "chief_quality_officer": (
        "kpi_tiles", "top_risks", "spc_alerts", "complaints_sla", "supplier_grades", "holds",
    ),
    "administrator": ("kpi_tiles", "top_risks", "spc_alerts", "holds"),
    "site_quality_manager": (
        "kpi_tiles", "fpy_today", "spc_alerts", "holds", "my_capa_actions", "iqc_waiting",
    ),
    "quality_engineer": ("my_capa_actions", "spc_alerts", "fpy_today", "fmea_review", "holds"),
    "inspector": ("my_inspections", "iqc_waiting", "holds", "spc_alerts"),
    "supplier_quality_engineer": (
        "supplier_grades", "iqc_waiting", "supplier_scars", "my_capa_actions",
    ),
    "customer_service_engineer": ("complaints_sla", "my_capa_actions", "kpi_tiles"),
    "design_engineer": ("fmea_review", "my_capa_actions", "spc_alerts"),
    "supplier_user": ("supplier_scars", "supplier_iqc_results", "supplier_scorecard"),
}  # fmt: skip
DEFAULT = ("kpi_tiles", "my_capa_actions", "spc_alerts")
ROLE_ORDER = (
    "chief_quality_officer",
    "administrator",
    "site_quality_manager",
    "supplier_quality_engineer",
    "customer_service_engineer",
    "quality_engineer",
    "design_engineer",
    "inspector",
    "supplier_user",
)


def home_role(user: Any) -> str:
    """The role whose home page ``user`` gets: the first of ``ROLE_ORDER`` they hold."""
    if getattr(user, "is_superuser", False):
        return "chief_quality_officer"
    held = set(user.grants.values_list("role__name", flat=True))
    return next((r for r in ROLE_ORDER if r in held), "")


def available(user: Any) -> list[Widget]:
    """The widgets ``user`` may put on their home page."""
    audiences = user_audiences(user)
    return [w for w in REGISTRY.values() if w.visible_to(user, audiences)]


def default_codes(user: Any) -> list[str]:
    allowed = {w.code for w in available(user)}
    return [c for c in ROLE_DEFAULTS.get(home_role(user), DEFAULT) if c in allowed]


def layout_codes(user: Any) -> list[str]:
    """The widgets of ``user``'s home page in order: their saved layout (less the widgets
    they may no longer see), else their role's defaults."""
    from qdm.cockpit.models_home import HomeLayout

    saved = HomeLayout.objects.filter(user=user).values_list("widgets", flat=True).first()
    if saved is None:
        return default_codes(user)
    allowed = {w.code for w in available(user)}
    return [c for c in saved if c in allowed]

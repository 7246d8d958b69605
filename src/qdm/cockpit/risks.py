"""Decision support: the open risks across the platforms, ranked, each with its evidence, a
score (0–100) and a suggested next action. Every rule reads through the platforms'
``selectors.py`` with the user's scope.

Rules (scores are ordinal, for ranking only; see docs/cockpit-home-and-risks.md):

* **FMEA × capability** — a failure chain of action priority High whose characteristic has
  weak live capability: the lowest Cpk over the active SPC charts of the characteristic in
  the user's scope below ``CPK_MIN`` (1.33, the usual minimum for a special characteristic,
  AIAG SPC manual / IATF 16949 customer-specific requirements). Score
  ``50 + 3 × S + 50 × (1.33 − Cpk)``, capped at 100. Action: open a CAPA.
* **Rising incoming ppm** — a supplier whose incoming ppm (Σ nonconforming / Σ sampled at
  IQC × 10⁶, the scorecard's definition) rose month on month over the last three months
  with scorecards (strictly increasing, three months present). Score
  ``40 + 60 × (ppm₃ − ppm₁) / ppm₃``. Action: tighten sampling (switching states).
* **Lots at risk from open complaints** — the lots the commonality analysis of an open
  complaint finds significant (Fisher's exact test, Benjamini–Hochberg q < 0.05), for the
  ``COMPLAINT_LIMIT`` open complaints with the most urgent SLA (each analysis is cached
  while the complaint's items stay the same). Score
  ``60 + 40 × (1 − q)``. Action: contain the lot (modules at risk of the suspect lot).
* **Goals forecast to miss** — quality goals of the current year whose forecast to year end
  is red or amber (``services_goals.measure_goal``). A group goal counts only for a user who
  sees every site (its measure spans all sites). Score red ``70 + min(30, 10 × |gap|)``,
  amber ``40 + min(20, 10 × |gap|)``, gap = forecast − target in the KPI's unit. Action:
  record a PDCA review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CPK_MIN = 1.33
PPM_MONTHS = 3
COMPLAINT_LIMIT = 5  # open complaints analysed per request (most urgent SLA first)
SUSPECT_LOTS_SECONDS = 3600  # a complaint's suspect lots are cached while its items stay

KINDS = {
    "fmea_capability": gettext_lazy("High-AP FMEA item with weak capability"),
    "supplier_ppm": gettext_lazy("Supplier with rising incoming ppm"),
    "complaint_lot": gettext_lazy("Lot at risk from an open complaint"),
    "goal_forecast": gettext_lazy("Goal forecast to miss"),
}


@dataclass
class Risk:
    kind: str
    title: str
    site: str
    score: float
    evidence: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""
    action_url: str = ""
    record_url: str = ""

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def summary(self) -> str:
        return " · ".join(f"{label}: {value}" for label, value in self.evidence[:3])


def _clip(score: float) -> float:
    return round(max(0.0, min(100.0, score)), 1)


def fmea_capability_risks(user: Any) -> list[Risk]:
    from qdm.design.selectors import high_ap_items
    from qdm.manufacturing.selectors import live_cpk

    items = list(high_ap_items(user)[:500])
    if not items:
        return []
    cpk = live_cpk(user, sorted({i.characteristic_id for i in items}))
    out = []
    for item in items:
        cap = cpk.get(item.characteristic_id)
        if cap is None or cap["cpk"] >= CPK_MIN:
            continue
        char = item.characteristic
        query = urlencode({"title": f"{char.code} Cpk {cap['cpk']:.2f} < {CPK_MIN}"})
        out.append(
            Risk(
                "fmea_capability",
                f"{item.fmea.number} #{item.position} {char.code}: {item.failure_mode[:60]}",
                cap["site"] or (item.fmea.site.code if item.fmea.site_id else ""),
                _clip(50 + 3 * item.severity + 50 * (CPK_MIN - cap["cpk"])),
                [
                    (_("Cpk"), f"{cap['cpk']:.2f}"),
                    (_("Minimum"), f"{CPK_MIN:.2f}"),
                    (_("Severity"), str(item.severity)),
                    (_("Action priority"), item.action_priority),
                    (_("SPC chart"), cap["chart"]),
                    (_("Points"), str(cap["count"])),
                ],
                _("Open a CAPA"),
                f"{reverse('system:eightd_add')}?{query}",
                item.get_absolute_url(),
            )
        )
    return out


def supplier_ppm_risks(user: Any) -> list[Risk]:
    from qdm.core.models import Supplier
    from qdm.supplier.selectors import monthly_ppm

    series = monthly_ppm(user, PPM_MONTHS)
    codes = dict(Supplier.objects.filter(pk__in=list(series)).values_list("pk", "code"))
    out = []
    for supplier_id, points in series.items():
        if len(points) < PPM_MONTHS:
            continue
        ppms = [p for _m, p, _n in points]
        if not all(b > a for a, b in pairwise(ppms)):
            continue
        first, last = ppms[0], ppms[-1]
        code = codes.get(supplier_id, str(supplier_id))
        evidence = [(m.strftime("%Y-%m"), f"{p:.0f} ppm ({n})") for m, p, n in points]
        out.append(
            Risk(
                "supplier_ppm",
                _("%(supplier)s: incoming ppm %(first).0f → %(last).0f")
                % {"supplier": code, "first": first, "last": last},
                "",
                _clip(40 + 60 * (last - first) / last),
                evidence,
                _("Tighten sampling"),
                f"{reverse('supplier:switchingstate_list')}?{urlencode({'supplier': supplier_id})}",
                f"{reverse('supplier:scorecard_list')}?{urlencode({'supplier': supplier_id})}",
            )
        )
    return out


def complaint_lot_risks(user: Any) -> list[Risk]:
    from django.core.cache import cache
    from django.db.models import Count, Max

    from qdm.service.selectors import lot_dimension_label, open_complaints, suspect_lots

    out = []
    complaints = (
        open_complaints(user)
        .filter(items__isnull=False)
        .annotate(n_items=Count("items"), last_item=Max("items"))
    )
    for complaint in complaints[:COMPLAINT_LIMIT]:
        # the analysis is slow (a genealogy and Fisher's tests): kept while the items stay
        key = f"qdm:suspect-lots:{complaint.pk}:{complaint.n_items}:{complaint.last_item}"
        lots = cache.get(key)
        if lots is None:
            lots = suspect_lots(complaint)
            cache.set(key, lots, SUSPECT_LOTS_SECONDS)
        for lot in lots:
            failing = f"{lot['failing']} / {lot['failing_total']}"
            comparison = f"{lot['comparison']} / {lot['comparison_total']}"
            out.append(
                Risk(
                    "complaint_lot",
                    _("%(lot)s (%(dimension)s) behind %(complaint)s")
                    % {
                        "lot": lot["lot"],
                        "dimension": lot_dimension_label(lot["dimension"]),
                        "complaint": complaint.number,
                    },
                    str(complaint.customer.code),
                    _clip(60 + 40 * (1 - lot["q_value"])),
                    [
                        (_("Complaint"), complaint.number),
                        (_("Failing modules with the lot"), failing),
                        (_("Comparison modules with the lot"), comparison),
                        (_("q value"), f"{lot['q_value']:.4f}"),
                    ],
                    _("Contain the lot"),
                    f"{reverse('service:at_risk')}?{urlencode({'code': lot['lot']})}",
                    complaint.get_absolute_url(),
                )
            )  # fmt: skip
    return out


def goal_forecast_risks(user: Any) -> list[Risk]:
    from qdm.cockpit.models import QualityGoal
    from qdm.cockpit.services_goals import AMBER, RED, STATUS_LABELS, measure_goal
    from qdm.core.models import Site

    year = timezone.localdate().year
    every_site = (
        Site.objects.for_user(user, "view").count() == Site.objects.count()
        and Site.objects.exists()
    )
    goals = QualityGoal.objects.for_user(user, "view").filter(year=year).select_related("site")
    if not every_site:
        goals = goals.filter(site__isnull=False)
    out = []
    for goal in goals:
        measure = measure_goal(goal)
        if measure.forecast is None or measure.forecast_status not in (RED, AMBER):
            continue
        gap = abs(measure.forecast - goal.target)
        score = 70 + min(30, 10 * gap) if measure.forecast_status == RED else 40 + min(20, 10 * gap)
        query = urlencode({"goal": goal.pk})
        out.append(
            Risk(
                "goal_forecast",
                f"{goal.code} {goal.title}",
                goal.site.code if goal.site_id else "",
                _clip(score),
                [
                    (_("Target"), f"{goal.target:g}"),
                    (_("Actual"), "—" if measure.actual is None else f"{measure.actual:.2f}"),
                    (_("Forecast"), f"{measure.forecast:.2f}"),
                    (_("Forecast status"), str(STATUS_LABELS.get(measure.forecast_status, ""))),
                ],
                _("Record a PDCA review"),
                f"{reverse('cockpit:goalreview_add')}?{query}",
                goal.get_absolute_url(),
            )
        )
    return out


RULES = {
    "fmea_capability": fmea_capability_risks,
    "supplier_ppm": supplier_ppm_risks,
    "complaint_lot": complaint_lot_risks,
    "goal_forecast": goal_forecast_risks,
}


def open_risks(user: Any, kinds: list[str] | None = None) -> list[Risk]:
    """The open risks ``user`` may see, highest score first (ties by kind and title)."""
    out: list[Risk] = []
    for kind, rule in RULES.items():
        if kinds is None or kind in kinds:
            out.extend(rule(user))
    out.sort(key=lambda r: (-r.score, r.kind, r.title))
    return out

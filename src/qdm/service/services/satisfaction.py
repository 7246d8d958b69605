"""Complaint ppm per shipped volume and the summary of the satisfaction surveys.

**Complaint ppm** = validated complaint modules per million modules shipped:

- *per period* (month of receipt of the complaint): the distinct modules named by the
  validated complaints received that month ÷ the modules shipped that month × 10^6;
- *per cohort* (month of shipment, or month of production): the distinct modules of the
  cohort named by any validated complaint ÷ the shipped modules of the cohort × 10^6.

A complaint is *validated* once triaged as valid (triaged, investigating, 8D or closed);
received and rejected ones do not count. Shipped modules are those on a pallet of a shipment
(module → pallet → shipment in the genealogy); the shipment's date is its ``produced_at``.
Months are calendar months in UTC. Everything is restricted to what the user may see.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from qdm.service.choices import ComplaintStatus
from qdm.service.models import ComplaintItem, SatisfactionSurvey
from qdm.service.models.satisfaction import DIMENSIONS

VALIDATED = (
    ComplaintStatus.TRIAGED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.EIGHT_D,
    ComplaintStatus.CLOSED,
)
BASES = ("shipment", "production")


def month(value: Any) -> str:
    return f"{value.year:04d}-{value.month:02d}"


@dataclass(frozen=True)
class PpmRow:
    key: str
    shipped: int
    complained: int

    @property
    def ppm(self) -> float | None:
        return self.complained / self.shipped * 1e6 if self.shipped else None

    def as_dict(self) -> dict[str, Any]:
        ppm = self.ppm
        return {
            "key": self.key,
            "shipped": self.shipped,
            "complained": self.complained,
            "ppm": None if ppm is None else round(ppm, 1),
        }


def shipped_modules(user: Any, customer: Any = None) -> dict[int, tuple[str, str]]:
    """module id → (shipment month, production month) of every module the user may see
    shipped (to ``customer`` if given)."""
    from qdm.data.models import Unit, UnitLink

    shipments = Unit.objects.for_user(user, "view").filter(
        kind="shipment", customer__isnull=False, produced_at__isnull=False
    )
    if customer is not None:
        shipments = shipments.filter(customer=customer)
    pallet_ship = dict(
        UnitLink.objects.filter(child__in=shipments, parent__kind="pallet").values_list(
            "parent_id", "child__produced_at"
        )
    )
    out: dict[int, tuple[str, str]] = {}
    rows = UnitLink.objects.filter(
        child_id__in=list(pallet_ship), parent__kind="module"
    ).values_list("parent_id", "child_id", "parent__produced_at")
    for module, pallet, produced in rows.iterator(chunk_size=5000):
        shipped = pallet_ship[pallet]
        out[module] = (month(shipped), month(produced or shipped))
    return out


def validated_items(user: Any, customer: Any = None) -> dict[int, str]:
    """module id → month of receipt of the first validated complaint naming it."""
    items = ComplaintItem.objects.for_user(user, "view").filter(complaint__status__in=VALIDATED)
    if customer is not None:
        items = items.filter(complaint__customer=customer)
    first: dict[int, str] = {}
    for unit, received in items.order_by("complaint__received_on").values_list(
        "unit_id", "complaint__received_on"
    ):
        first.setdefault(unit, month(received))
    return first


def ppm_tables(
    shipped: dict[int, tuple[str, str]], complained: dict[int, str]
) -> dict[str, list[PpmRow]]:
    """The three tables from the two maps (pure; the tests feed it by hand too)."""
    ship_n = Counter(s for s, _p in shipped.values())
    prod_n = Counter(p for _s, p in shipped.values())
    by_period: Counter[str] = Counter()
    by_ship: Counter[str] = Counter()
    by_prod: Counter[str] = Counter()
    for unit, received in complained.items():
        by_period[received] += 1
        if unit in shipped:
            s, p = shipped[unit]
            by_ship[s] += 1
            by_prod[p] += 1

    def rows(den: Counter[str], num: Counter[str]) -> list[PpmRow]:
        return [PpmRow(k, den.get(k, 0), num.get(k, 0)) for k in sorted(set(den) | set(num))]

    return {
        "period": rows(ship_n, by_period),
        "shipment": rows(ship_n, by_ship),
        "production": rows(prod_n, by_prod),
    }


def complaint_ppm(user: Any, customer: Any = None) -> dict[str, list[PpmRow]]:
    return ppm_tables(shipped_modules(user, customer), validated_items(user, customer))


# --- surveys ------------------------------------------------------------------------------


def nps(scores: Iterable[int]) -> float | None:
    """Net promoter score: % promoters (9–10) − % detractors (0–6), −100 … 100."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return (promoters - detractors) / len(values) * 100


def survey_summary(user: Any, customer: Any = None) -> list[dict[str, Any]]:
    """Per period and region: answers, the mean of each dimension and the NPS."""
    surveys = SatisfactionSurvey.objects.for_user(user, "view")
    if customer is not None:
        surveys = surveys.filter(Q(customer=customer))
    groups: dict[tuple[str, str], list[SatisfactionSurvey]] = defaultdict(list)
    for s in surveys.order_by("period", "region"):
        groups[(s.period, s.region or "—")].append(s)
    out = []
    for (period, region), answers in sorted(groups.items()):
        row: dict[str, Any] = {"period": period, "region": region, "n": len(answers)}
        for d in DIMENSIONS:
            values = [getattr(a, d) for a in answers if getattr(a, d) is not None]
            row[d] = round(sum(values) / len(values), 2) if values else None
        score = nps(a.nps for a in answers if a.nps is not None)
        row["nps"] = None if score is None else round(score, 1)
        out.append(row)
    return out

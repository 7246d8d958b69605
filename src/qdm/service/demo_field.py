"""Demo field history before the production history in QDM: the installed base of every
module base over the two years before its first module in QDM (serials imported from the
legacy ERP: one container a month, to the base's markets) and the field failures of those
modules — claims imported from the legacy CRM, each module replaced at the standard cost.

Without it every shipped module is younger than the production history (30 or 120 days), so
the warranty-returns forecast made as of six months ago (the cockpit's backtest) has no life
data. Claims accrue with module age by a Weibull law (see ``BETA`` and ``FAILED_BY_2Y``)."""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qdm.data.generator import (
    MARKETS,
    PALLET_SIZE,
    PALLETS_PER_CONTAINER,
    PROJECTS,
    Links,
    Units,
)
from qdm.data.models import Unit
from qdm.service.models import Complaint, ReturnedModule
from qdm.service.services.complaints import IntakeRow, add_items, create_complaint
from qdm.service.services.returns import create_return

#: months of installed base imported before the first module in QDM
LEGACY_MONTHS = 24
DAYS_PER_MONTH = 30.4375
#: Weibull shape < 1: wear-in — claims come early (installation, infant mortality) and the
#: hazard falls with age; wear-out (shape > 1) belongs to decades, beyond the demo's span
BETA = 0.7
#: share of modules failed after two years in the field: 0.05 %/y × 2 y, the field failure
#: (return) rate of pv-reference §5.1 (Jordan et al. 2017, unverified there); twice the upper
#: end of its synthetic early-life range (50–500 ppm of validated claims over 0–2 y)
FAILED_BY_2Y = 0.001
#: the scale η (months) giving F(24 months) = FAILED_BY_2Y: F(t) = 1 − exp(−(t/η)^β)
ETA_MONTHS = 24 / (-math.log(1 - FAILED_BY_2Y)) ** (1 / BETA)
#: field failure modes of pv-reference §5.1: symptom, weight, title, severity
FAILURES = [
    ("JBOX", 3, "Bypass diode open, one substring lost", "critical"),
    ("HOTSPOT", 3, "IR inspection finds a hot spot", "major"),
    ("CRACK", 2, "Cracked cells found by EL after a storm season", "major"),
    ("GLASS", 1, "Spontaneous glass breakage", "major"),
    ("DELAM", 1, "Delamination at the cell edges", "major"),
]
REPLACEMENT_COST = Decimal("158.00")  # USD, as the recent returns of the service demo


def _bases() -> dict[int, tuple[datetime.datetime, list[tuple[int, int | None]]]]:
    """site → (first module produced in QDM, its module lines with their model)."""
    first: dict[int, datetime.datetime] = {}
    lines: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    rows = (
        Unit.objects.filter(kind="module", line__isnull=False)
        .values_list("site_id", "line_id", "module_model_id")
        .distinct()
        .order_by("site_id", "line_id")
    )
    for site_id, line_id, model_id in rows:
        if all(line_id != known for known, _model in lines[site_id]):
            lines[site_id].append((line_id, model_id))
    for site_id in lines:
        at = (
            Unit.objects.filter(kind="module", site_id=site_id)
            .order_by("produced_at")
            .values_list("produced_at", flat=True)
            .first()
        )
        if at is not None:
            first[site_id] = at
    return {s: (first[s], lines[s]) for s in sorted(first)}


#: (module id, serial, site id, customer id, project, shipped on)
Module = tuple[int, str, int, int, str, datetime.date]
#: in the codes of the legacy shipments, pallets and serials
LEGACY = "LEG-"


def _installed_base(ctx: Any, rng: random.Random) -> list[Module]:
    """Write the legacy modules, pallets and shipments; returns every module."""
    from qdm.core.models import Site

    codes = dict(Site.objects.values_list("id", "code"))
    units, links = Units(), Links()
    modules: list[Module] = []
    per_container = PALLET_SIZE * PALLETS_PER_CONTAINER
    for site_id, (first, lines) in _bases().items():
        code = codes[site_id]
        markets = [c for c in MARKETS.get(code, []) if c in ctx.customers]
        markets = markets or sorted(ctx.customers)
        for k in range(LEGACY_MONTHS, 0, -1):
            shipped = first - datetime.timedelta(days=k * DAYS_PER_MONTH - rng.uniform(0, 20))
            customer = ctx.customers[rng.choice(markets)]
            project = rng.choice(PROJECTS.get(customer.code, ["Utility-scale project"]))
            line_id, model_id = lines[k % len(lines)]
            made = shipped - datetime.timedelta(days=rng.uniform(3, 15))
            stamp = made.strftime("%y%m%d")
            ship = units.add(
                f"CNT-{code}-{LEGACY}{shipped:%y%m%d}", "shipment", int(shipped.timestamp()),
                site=site_id, customer=customer.pk, project=project, quantity=per_container,
            )  # fmt: skip
            for p in range(PALLETS_PER_CONTAINER):
                packed = int(made.timestamp()) + 3600 * p
                pallet = units.add(
                    f"PAL-{code}-{LEGACY}{stamp}-{p + 1:03d}", "pallet", packed, site=site_id,
                    line=line_id, model=model_id, quantity=PALLET_SIZE,
                )  # fmt: skip
                links.add(pallet, ship, 1, int(shipped.timestamp()))
                members = []
                for m in range(PALLET_SIZE):
                    serial = f"{code}{LEGACY}{stamp}-{p * PALLET_SIZE + m + 1:06d}"
                    module = units.add(
                        serial, "module", packed - 60 * (PALLET_SIZE - m), site=site_id,
                        line=line_id, model=model_id, quantity=1.0,
                    )  # fmt: skip
                    members.append(module)
                    modules.append((module, serial, site_id, customer.pk, project, shipped.date()))
                links.add(members, pallet, 1, packed)
    if modules:
        units.write()
        links.write()
    return modules


def _failures(
    modules: list[Module], rng: random.Random, until: datetime.date
) -> list[tuple[datetime.date, str, int, str]]:
    """The claims received by ``until``: (received on, serial, customer, project) of every
    module whose Weibull failure time (months from shipment) falls before it."""
    claims = []
    for _module, serial, _site, customer, project, shipped in modules:
        days = round(rng.weibullvariate(ETA_MONTHS, BETA) * DAYS_PER_MONTH)
        if days <= (until - shipped).days:
            received = shipped + datetime.timedelta(days=days)
            claims.append((received, serial, customer, project))
    return sorted(claims)


@transaction.atomic
def build_field_history(ctx: Any, actor: Any, projects: dict[tuple[int, str], Any]) -> str:
    """The installed base and its field failures; a line for the demo log ("" when there
    is no production history to put it before, or it exists already)."""
    if Unit.objects.filter(kind="shipment", code__contains=LEGACY).exists():
        return ""
    rng = random.Random(ctx.seed + 78)
    modules = _installed_base(ctx, rng)
    if not modules:
        return ""
    today = timezone.localdate()
    # a claim of the last two weeks has no decided return yet: left to the recent complaints
    claims = _failures(modules, rng, today - datetime.timedelta(days=14))
    by_id = {c.pk: c for c in ctx.customers.values()}
    weights = [f[1] for f in FAILURES]
    for received, serial, customer_id, project in claims:
        symptom, _w, title, severity = rng.choices(FAILURES, weights)[0]
        complaint = create_complaint(
            actor=actor,
            customer=by_id[customer_id],
            project=projects.get((customer_id, project)),
            title=title,
            description=f"Imported from the legacy CRM ({symptom}); 1 module.",
            received_on=received,
            severity=severity,
            responsibility="manufacturing",
            resolution="Module replaced under the product warranty.",
        )
        (item,) = add_items(complaint, [IntakeRow(1, serial, symptom)], actor=actor)
        closed = received + datetime.timedelta(days=rng.randint(14, 30))
        Complaint.objects.filter(pk=complaint.pk).update(
            status="closed",
            closed_at=timezone.make_aware(datetime.datetime.combine(closed, datetime.time(10))),
        )
        rma = create_return(
            actor=actor, item=item, uncertainty_pct=1.5,
            received_on=received + datetime.timedelta(days=12),
            decision="replace", cost=REPLACEMENT_COST,
        )  # fmt: skip
        # decided in the legacy CRM: no decide transition today; the cost is booked on receipt
        ReturnedModule.objects.filter(pk=rma.pk).update(status="decided")
    return (
        f"legacy installed base: {len(modules)} modules of {len({m[2] for m in modules})} "
        f"bases shipped over the {LEGACY_MONTHS} months before the production history, "
        f"{len(claims)} field failures replaced"
    )

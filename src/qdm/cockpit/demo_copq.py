"""Demo quality-loss data: for every demo site, standard costs (each module model, each
material, handling one complaint), a year of prevention and appraisal cost records, a year
of revenues, and the group's USD → CNY exchange rate (so RMA costs in USD are converted).

Orders of magnitude (CNY, a GW-scale module site): a 580 W module ≈ 0.9 CNY/W ≈ 520 CNY;
rework ≈ 35 CNY; a B-grade module sells ≈ 15 % lower; inspection and test labour
300–500 k CNY a month; training 30–60 k; revenue ≈ 0.9 CNY/W × monthly output.

Idempotent: rows are looked up before they are created (same site, item / month, category)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qdm.cockpit.models_copq import (
    CostCategory,
    CostItemKind,
    ExchangeRate,
    QualityCostRecord,
    SiteRevenue,
    StandardCost,
)
from qdm.core.models import Site
from qdm.data.models import Material, ModuleModel
from qdm.utilities.periods import add_months, month_start

#: category → (low, high) monthly amount in CNY; certification costs come in 3 months a year
MONTHLY = {
    CostCategory.TRAINING: (30_000, 60_000),
    CostCategory.QUALITY_PLANNING: (40_000, 80_000),
    CostCategory.SUPPLIER_DEVELOPMENT: (20_000, 50_000),
    CostCategory.PROCESS_IMPROVEMENT: (50_000, 120_000),
    CostCategory.INSPECTION_LABOUR: (300_000, 500_000),
    CostCategory.TEST_CONSUMABLES: (50_000, 100_000),
    CostCategory.CALIBRATION: (20_000, 40_000),
    CostCategory.AUDITS: (10_000, 30_000),
}
CERTIFICATION_MONTHS = (3, 7, 11)
USD_CNY = Decimal("7.10")
CNY_PER_W = 0.9


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def build_copq(ctx: Any, months: int = 12) -> None:
    rng = random.Random(f"copq-{getattr(ctx, 'seed', 0)}")
    start = date(2024, 1, 1)
    models = list(ModuleModel.objects.all())
    if not models:
        return  # no product master data: a demo without production has no quality costs
    ExchangeRate.objects.get_or_create(
        site=None,
        currency="USD",
        to_currency="CNY",
        valid_from=start,
        defaults={"rate": USD_CNY},
    )
    materials = list(Material.objects.all())
    this_month = month_start(timezone.localdate())
    first = add_months(this_month, -(months - 1))
    records = revenues = costs = 0
    sites = getattr(ctx, "sites", None) or {s.code: s for s in Site.objects.filter(active=True)}
    for site in sites.values():
        for model in models:
            unit = CNY_PER_W * model.pmax_w
            _, made = StandardCost.objects.get_or_create(
                site=site,
                kind=CostItemKind.MODULE_MODEL,
                module_model=model,
                valid_from=start,
                defaults={
                    "currency": "CNY",
                    "unit_cost": _money(unit),
                    "rework_cost": Decimal("35.00"),
                    "downgrade_loss": _money(unit * 0.15),
                },
            )
            costs += made
        for material in materials:
            _, made = StandardCost.objects.get_or_create(
                site=site,
                kind=CostItemKind.MATERIAL,
                material=material,
                valid_from=start,
                defaults={
                    "currency": "CNY",
                    "unit_cost": Decimal("5.00"),
                    "rework_cost": Decimal("0.50"),
                    "downgrade_loss": Decimal("1.00"),
                },
            )
            costs += made
        _, made = StandardCost.objects.get_or_create(
            site=site,
            kind=CostItemKind.COMPLAINT,
            valid_from=start,
            defaults={"currency": "CNY", "unit_cost": Decimal("6000.00")},
        )
        costs += made
        size = float(site.capacity_gw or 5) / 10  # a 10 GW site has the ranges above
        existing = set(
            QualityCostRecord.objects.filter(site=site, month__gte=first).values_list(
                "month", "category"
            )
        )
        new = []
        for k in range(months):
            month = add_months(first, k)
            plan = dict(MONTHLY)
            if month.month in CERTIFICATION_MONTHS:
                plan[CostCategory.CERTIFICATION] = (80_000, 150_000)
            for category, (low, high) in plan.items():
                if (month, category) in existing:
                    continue
                new.append(
                    QualityCostRecord(
                        site=site,
                        month=month,
                        category=category,
                        amount=_money(rng.uniform(low, high) * size),
                        currency="CNY",
                        description="Demo",
                        entered_by=getattr(ctx, "users", {}).get("admin"),
                    )
                )
            if not SiteRevenue.objects.filter(site=site, month=month).exists():
                # ~ 70-90 % utilisation of the module capacity at 0.9 CNY/W
                watts = float(site.capacity_gw or 5) * 1e9 / 12 * rng.uniform(0.7, 0.9)
                SiteRevenue.objects.create(
                    site=site, month=month, amount=_money(watts * CNY_PER_W), currency="CNY"
                )
                revenues += 1
        QualityCostRecord.objects.bulk_create(new)
        records += len(new)
    ctx.log.append(
        f"Cockpit COPQ: {costs} standard costs, {records} quality cost records and "
        f"{revenues} site revenues for {len(sites)} sites."
    )

"""Demo inspection, holds, MRB and OQC release (see :mod:`qdm.manufacturing.demo`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.workflow import transition
from qdm.data.models import Characteristic, FlashTest, Material, ModuleModel, Unit
from qdm.manufacturing.models import BinningRule, InspectionPlan, ModuleRelease
from qdm.manufacturing.services.binning import release_modules, save_binning_rule
from qdm.manufacturing.services.holds import propose_disposition
from qdm.manufacturing.services.inspection import (
    create_plan,
    open_inspection_lot,
    record_results,
    requirement,
    save_plan_line,
)

GLASS = "GLS-AR-3.2"
# glass thickness (3.2 ± 0.2 mm): the fourth sample is out of tolerance
THICKNESS = [3.19, 3.21, 3.18, 3.46, 3.22]
TRANSMITTANCE = [93.9, 94.1, 93.8]


def _user(ctx: Any, prefix: str, site_code: str) -> Any:
    return ctx.users.get(f"{prefix}.{site_code.lower()}") or ctx.users["admin"]


def binning_rules(ctx: Any) -> int:
    made = 0
    for model in ModuleModel.objects.all():
        if BinningRule.objects.filter(module_model=model).exists():
            continue
        nameplate = int(model.pmax_w) // 5 * 5
        save_binning_rule(
            actor=ctx.users["admin"],
            module_model=model,
            first_class_w=nameplate - 15,
            last_class_w=nameplate + 15,
            class_width_w=5,
            guard_band_w=Decimal("0.5"),
            imp_class_width_a=Decimal("0.1"),
        )
        made += 1
    return made


def glass_inspection(ctx: Any) -> str:
    material = Material.objects.filter(code=GLASS).first()
    thickness = Characteristic.objects.filter(code="IQC-GLS-THK").first()
    trans = Characteristic.objects.filter(code="IQC-GLS-TRANS").first()
    lot_unit = (
        Unit.objects.filter(kind="material_lot", material=material, site__isnull=False)
        .select_related("site")
        .order_by("code")
        .first()
    )
    if not (material and thickness and trans and lot_unit):
        return "IQC demo: no glass lots or characteristics"
    site = lot_unit.site
    code = f"IQC-{GLASS}-{site.code}"
    if InspectionPlan.objects.filter(code=code).exists():
        return "IQC demo: already present"
    qe, sqm = _user(ctx, "qe", site.code), _user(ctx, "sqm", site.code)
    plan = create_plan(
        actor=qe,
        code=code,
        name="IQC 3.2 mm AR front glass",
        stage="iqc",
        site=site,
        material=material,
    )
    save_plan_line(
        actor=qe,
        plan=plan,
        sequence=10,
        characteristic=thickness,
        method="Micrometer",
        gauge="MIC-0.01",
        sampling="fixed",
        sample_size=5,
        reaction_plan="Hold the lot, open an NC, inform the supplier quality engineer",
    )
    save_plan_line(
        actor=qe,
        plan=plan,
        sequence=20,
        characteristic=trans,
        method="Spectrophotometer",
        gauge="UV-VIS-01",
        sampling="fixed",
        sample_size=3,
    )
    transition(plan, "release", actor=sqm, password=DEMO_PASSWORD, reason="IQC plan reviewed")
    plan.refresh_from_db()
    lot = open_inspection_lot(
        actor=qe, plan=plan, unit=lot_unit, quantity=Decimal(600), reference="GRN-DEMO-0001"
    )
    rows = [
        {"characteristic": thickness.code, "sample": i + 1, "result": v}
        for i, v in enumerate(THICKNESS)
    ] + [
        {"characteristic": trans.code, "sample": i + 1, "result": v}
        for i, v in enumerate(TRANSMITTANCE)
    ]
    for line in plan.lines.all():  # the demo data must match the plan's sample sizes
        assert requirement(line, lot.quantity)[0] == len(
            [r for r in rows if r["characteristic"] == line.characteristic.code]
        )
    record_results(lot, rows, actor=qe)
    transition(lot, "complete", actor=qe)
    lot.refresh_from_db()
    hold, ncr = lot.hold, lot.nonconformity
    assert hold is not None and ncr is not None  # a failed lot is held and has its NCR
    disposition = propose_disposition(
        hold,
        actor=qe,
        decision="return",
        quantity=hold.quantity,
        note="Thickness 3.46 mm > USL 3.4 mm: return the inspected quantity to the supplier",
    )
    transition(
        disposition,
        "approve",
        actor=sqm,
        password=DEMO_PASSWORD,
        reason="MRB: supplier to replace the quantity",
    )
    return f"IQC demo: {lot.number} failed → {ncr.number}, {hold.number} returned"


def oqc_releases(ctx: Any) -> int:
    """OQC decisions for the first modules flashed at one site (by that site's engineer)."""
    if ModuleRelease.objects.exists():
        return 0
    first = (
        Unit.objects.filter(kind="module", module_model__isnull=False, site__isnull=False)
        .select_related("site")
        .order_by("produced_at")
        .first()
    )
    if first is None:
        return 0
    serials = FlashTest.objects.filter(site=first.site).values_list("serial", flat=True)
    codes = list(
        Unit.objects.filter(code__in=serials, kind="module", module_model__isnull=False)
        .order_by("code")
        .values_list("code", flat=True)[:36]
    )
    return len(release_modules(codes, actor=_user(ctx, "qe", first.site.code)))


def downstream_hold(ctx: Any) -> str:
    """Hold an encapsulant (EVA/POE) lot with everything built from it: the modules that
    used it and the pallets they are packed on."""
    from qdm.data.models import UnitLink
    from qdm.manufacturing.models import Hold
    from qdm.manufacturing.services.holds import place_hold

    reason = "Gel content below 75 % on the retained sample: hold the lot and its modules"
    if Hold.objects.filter(reason=reason).exists():
        return "Downstream hold demo: already present"
    used = (
        UnitLink.objects.filter(
            parent__kind="material_lot",
            parent__material__code__startswith="ENC-",
            child__kind="module",
        )
        .order_by("-parent__produced_at", "parent__code")
        .values_list("parent", flat=True)
        .first()
    )
    if used is None:
        return "Downstream hold demo: no encapsulant lot went into modules"
    lot = Unit.objects.select_related("site").get(pk=used)
    hold = place_hold(
        actor=_user(ctx, "qe", lot.site.code),
        site=lot.site,
        reason=reason,
        quantity=Decimal(str(lot.quantity or 1)),
        units=[lot],
        include_downstream=True,
    )
    return f"Downstream hold demo: {hold.number} on {lot.code} + {hold.downstream_count} units"


def build(ctx: Any) -> None:
    rules = binning_rules(ctx)
    ctx.log.append(glass_inspection(ctx))
    ctx.log.append(downstream_hold(ctx))
    releases = oqc_releases(ctx)
    ctx.log.append(f"{rules} binning rules, {releases} module release decisions")

"""Demo SPC charts: laminator temperature (I-MR), firing peak temperature (X̄-R of 4) and
emitter sheet resistance (EWMA) on the first lines that have data, limits frozen from
their first week with an e-signature, then evaluated so that violations exist. The first
chart opens a nonconformity and holds what was made since the last good point; the
oldest violations of the others are acknowledged by the engineer. An IQC chart watches
the thickness of the main glass supplier's 3.2 mm glass at one site (supplier × material).

Then inspection, holds and OQC (:func:`build_quality`): a binning rule per module model,
an e-signed IQC plan for 3.2 mm front glass at the first site with glass lots, an inspection
lot of one glass lot that fails on thickness → nonconformity + hold → MRB "return to
supplier" approved with an e-signature, and OQC release decisions for a few modules.

Needs the data platform's demo data (characteristics, lots, flash tests looked up by code);
skips quietly without them. Running it again changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.models import Line
from qdm.core.workflow import transition
from qdm.data.models import Characteristic, Measurement
from qdm.manufacturing.models import SpcChartConfig, SpcViolation
from qdm.manufacturing.services.spc import create_chart_config, evaluate_new_points

# characteristic code, chart type, subgroup size, rule set, lines, label
CHARTS = [
    ("MOD-LAM-TEMP", "imr", 1, "nelson", 2, "I-MR"),
    ("CEL-FIRE-PEAK", "xbar-r", 4, "nelson", 1, "X̄-R n=4"),
    ("CEL-SHEET-R", "ewma", 1, "we", 1, "EWMA"),
]
BASELINE = timedelta(days=7)


def _user(ctx: Any, prefix: str, site_code: str) -> Any:
    return ctx.users.get(f"{prefix}.{site_code.lower()}") or ctx.users["admin"]


def build(ctx: Any) -> None:
    build_spc(ctx)
    build_iqc_chart(ctx)
    build_quality(ctx)


def build_quality(ctx: Any) -> None:
    from qdm.manufacturing.demo_quality import build as build_inspection

    build_inspection(ctx)


def build_spc(ctx: Any) -> None:
    made = violations = acknowledged = 0
    first_nc = True
    for code, chart, size, rules, how_many, label in CHARTS:
        char = Characteristic.objects.filter(code=code).first()
        if char is None:
            continue
        line_ids = list(
            Measurement.objects.filter(characteristic=char, line__isnull=False)
            .values_list("line", flat=True)
            .order_by("line")
            .distinct()[:how_many]
        )
        for line in Line.objects.filter(pk__in=line_ids).select_related("workshop__site"):
            name = f"{code} {line.code} {label}"
            if SpcChartConfig.objects.filter(name=name).exists():
                continue
            first = (
                Measurement.objects.filter(characteristic=char, line=line)
                .order_by("measured_at")
                .values_list("measured_at", flat=True)
                .first()
            )
            site = line.workshop.site.code
            config = create_chart_config(
                actor=_user(ctx, "qe", site),
                name=name,
                characteristic=char,
                line=line,
                chart_type=chart,
                subgroup_size=size,
                rule_set=rules,
                baseline_from=first,
                baseline_to=first + BASELINE,
                notify=True,
                open_nc_on_violation=first_nc,
                hold_on_violation=first_nc,
            )
            transition(
                config,
                "freeze",
                actor=_user(ctx, "sqm", site),
                password=DEMO_PASSWORD,
                reason="Baseline week reviewed: process stable, no assignable cause",
            )
            found = evaluate_new_points(config)
            violations += len(found)
            made += 1
            if not first_nc:
                acknowledged += _acknowledge_oldest(config, _user(ctx, "qe", site))
            first_nc = False
    if made:
        ctx.log.append(
            f"{made} SPC charts (limits frozen), {violations} SPC violations "
            f"({acknowledged} acknowledged)"
        )
    else:
        ctx.log.append("SPC charts: already present or no process measurements")


#: the oldest violations of a chart the engineer has looked at (the rest stay open alerts)
ACKNOWLEDGED = 3


def _acknowledge_oldest(config: SpcChartConfig, engineer: Any) -> int:
    from qdm.manufacturing.services.spc_reaction import acknowledge_violation

    oldest = SpcViolation.objects.filter(config=config).order_by("point_time")[:ACKNOWLEDGED]
    for violation in oldest:
        acknowledge_violation(
            violation,
            actor=engineer,
            note="Checked on the line: thermocouple drift, recalibrated and verified",
        )
    return len(oldest)


#: IQC characteristics measured on incoming lots, and the materials they are charted for
IQC_CANDIDATES = [
    ("IQC-GLS-THK", "GLS-AR-3.2"),
    ("MOD-EVA-GEL", "ENC-EVA-T"),
    ("MOD-EVA-GEL", "ENC-POE"),
    ("IQC-GLS-THK", "GLS-AR-2.0"),
]
#: the IQC chart's limits come from the first lots received (up to 20, half of them at least)
IQC_BASELINE_LOTS = 20
IQC_MIN_LOTS = 6


def build_iqc_chart(ctx: Any) -> None:
    """An I-MR chart of an incoming-inspection characteristic (glass thickness, else EVA or
    POE gel content) for the supplier that delivered the most lots of the material to one
    site, limits frozen from its first lots."""
    from django.db.models import Count

    from qdm.data.models import Unit

    best = None
    for code, material_code in IQC_CANDIDATES:
        char = Characteristic.objects.filter(code=code).first()
        row = (
            Unit.objects.filter(
                kind="material_lot", material__code=material_code, supplier__isnull=False
            )
            .values("site", "supplier", "material")
            .annotate(n=Count("pk"))
            .order_by("-n", "site", "supplier")
            .first()
        )
        if char is not None and row is not None and (best is None or row["n"] > best[1]["n"]):
            best = (char, row)
    if best is None or best[1]["n"] < IQC_MIN_LOTS:
        ctx.log.append("IQC SPC chart: not enough incoming lots")
        return
    char, busiest = best
    baseline_lots = min(IQC_BASELINE_LOTS, busiest["n"] // 2)
    from qdm.core.models import Site, Supplier
    from qdm.data.models import Material

    site = Site.objects.get(pk=busiest["site"])
    supplier = Supplier.objects.get(pk=busiest["supplier"])
    material = Material.objects.get(pk=busiest["material"])
    name = f"{char.code} {supplier.code} {material.code} {site.code} I-MR"
    if SpcChartConfig.objects.filter(name=name).exists():
        ctx.log.append("IQC SPC chart: already present")
        return
    lots = Unit.objects.filter(
        kind="material_lot", site=site, supplier=supplier, material_id=busiest["material"]
    ).values("code")
    times = list(
        Measurement.objects.filter(characteristic=char, site=site, subject__in=lots)
        .order_by("measured_at")
        .values_list("measured_at", flat=True)[:baseline_lots]
    )
    if len(times) < baseline_lots:
        ctx.log.append("IQC SPC chart: not enough glass measurements")
        return
    config = create_chart_config(
        actor=_user(ctx, "qe", site.code),
        name=name,
        characteristic=char,
        supplier=supplier,
        material=material,
        site=site,
        chart_type="imr",
        subgroup_size=1,
        rule_set="we",
        baseline_from=times[0],
        baseline_to=times[-1],
        notify=True,
    )
    transition(
        config,
        "freeze",
        actor=_user(ctx, "sqm", site.code),
        password=DEMO_PASSWORD,
        reason=f"First {len(times)} receipts of the supplier reviewed",
    )
    found = evaluate_new_points(config)
    ctx.log.append(f"IQC SPC chart {name}: {len(found)} violations")

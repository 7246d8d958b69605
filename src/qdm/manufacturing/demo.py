"""Demo SPC charts: laminator temperature (I-MR), firing peak temperature (X̄-R of 4) and
emitter sheet resistance (EWMA) on the first lines that have data, limits frozen from
their first week with an e-signature, then evaluated so that violations exist.

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
from qdm.manufacturing.models import SpcChartConfig
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
    build_quality(ctx)


def build_quality(ctx: Any) -> None:
    from qdm.manufacturing.demo_quality import build as build_inspection

    build_inspection(ctx)


def build_spc(ctx: Any) -> None:
    made = violations = 0
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
            )
            first_nc = False
            transition(
                config,
                "freeze",
                actor=_user(ctx, "sqm", site),
                password=DEMO_PASSWORD,
                reason="Baseline week reviewed: process stable, no assignable cause",
            )
            violations += len(evaluate_new_points(config))
            made += 1
    if made:
        ctx.log.append(f"{made} SPC charts (limits frozen), {violations} SPC violations")
    else:
        ctx.log.append("SPC charts: already present or no process measurements")

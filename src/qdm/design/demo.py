"""Demo FMEAs: a PFMEA of the JX1 module line (stringing, lamination, framing, flash test)
and a group-wide DFMEA of the SRM-N410-72 TOPCon module, with failure chains from the PV
reference (§5: hot spot, PID, cell cracks, delamination, junction box / bypass diode) rated
S/O/D, a few optimisation actions, and the DFMEA released with an e-signature.

Idempotent: an FMEA whose title exists is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.workflow import transition
from qdm.data.models import Characteristic, ModuleModel
from qdm.design.models import Fmea, FmeaItem
from qdm.design.services.fmea import apply_special_classes, create_fmea, save_item

PFMEA_TITLE = "Module line JX1: stringing to flash test"
DFMEA_TITLE = "SRM-N410-72 TOPCon module design"

# focus element, work element, 4M, effect, S, mode, cause, PC, O, DC, D, characteristic,
# optimisation (preventive action, detection action, S/O/D after) or None
PFMEA_ROWS: list[tuple[Any, ...]] = [
    (
        "Stringing",
        "Stringer soldering / IR heating",
        "machine",
        "Hot spot in the field, power loss, fire risk",
        9,
        "Cold or partial solder joint ribbon–busbar",
        "Heating temperature drift, contaminated ribbon flux",
        "Daily temperature verification, flux shelf-life control",
        4,
        "Peel test each shift, EL after stringing",
        4,
        "",
        ("Closed-loop IR lamp power with alarm", "Automatic EL image grading at stringer", 9, 2, 3),
    ),
    (
        "Stringing",
        "Cell handling / tabbing",
        "machine",
        "Cell cracks grow into inactive areas; 5–30 % power loss",
        8,
        "Micro-crack (CRK-A/B) in cell",
        "Excess ribbon tension, misaligned gripper on thin wafers",
        "Gripper alignment PM weekly, tension setpoint locked",
        5,
        "EL after stringing and after lamination (100 %)",
        3,
        "MOD-EL-GRADE",
        None,
    ),
    (
        "Lamination",
        "Laminator recipe",
        "method",
        "Delamination and moisture ingress, corrosion, insulation failure",
        8,
        "Encapsulant under-cured (gel content < 75 %)",
        "Platen temperature low or cycle time short",
        "Recipe lock, platen thermocouple hourly log",
        4,
        "Gel-content test per shift and encapsulant lot",
        6,
        "MOD-LAM-TEMP",
        ("Temperature uniformity mapping each month", "Gel test per laminator per shift", 8, 3, 4),
    ),
    (
        "Lamination",
        "Encapsulant storage",
        "environment",
        "Bubbles and delamination, visual reject",
        6,
        "Bubbles / voids in laminate",
        "Encapsulant moisture uptake above storage limit",
        "Humidity-controlled store, FIFO",
        3,
        "Visual inspection after lamination",
        5,
        "MOD-EVA-GEL",
        None,
    ),
    (
        "Framing",
        "Sealant dispensing",
        "machine",
        "Frame detaches under mechanical load; moisture at edge",
        8,
        "Insufficient sealant bead in frame groove",
        "Nozzle partially clogged",
        "Nozzle cleaning each shift",
        4,
        "Visual check of squeeze-out; pull test per batch",
        5,
        "",
        None,
    ),
    (
        "Flash test",
        "Sun simulator calibration",
        "measurement",
        "Power shortfall against nameplate, customer claim",
        7,
        "Pmax measured too high (wrong binning)",
        "Reference module drift, irradiance non-uniformity",
        "Golden-module check each shift, annual calibration (IEC 60904-9)",
        3,
        "Third-party reflash of retained samples each quarter",
        4,
        "MOD-PMAX",
        None,
    ),
    (
        "Flash test",
        "Hi-pot / insulation test",
        "measurement",
        "Electric shock hazard at installation (safety)",
        10,
        "Insulation fault shipped",
        "Test station bypassed or fixture contact broken",
        "Interlock: no label printed without a pass",
        2,
        "100 % insulation and withstand test, daily fixture self-test",
        2,
        "MOD-INS",
        None,
    ),
]

DFMEA_ROWS: list[tuple[Any, ...]] = [
    (
        "Cell string",
        "Bypass diode concept",
        "",
        "Hot spot > 20 K, backsheet/glass damage, fire risk",
        9,
        "Shaded or cracked cell heats in reverse bias",
        "Cells per bypass diode too many for the cell's reverse characteristic",
        "Design rule: ≤ 24 cells per diode; hot-spot simulation",
        3,
        "IEC 61215 MQT 09 hot-spot endurance on prototypes",
        4,
        "",
        None,
    ),
    (
        "Module",
        "Encapsulant and glass",
        "",
        "PID: 5–30 % power loss in high-voltage strings",
        8,
        "Potential-induced degradation (shunting / polarisation)",
        "Encapsulant volume resistivity too low for 1500 V systems",
        "POE/EPE encapsulant with resistivity spec, glass Na limit",
        4,
        "PID test 96 h, 85 °C / 85 % RH, −1500 V (IEC TS 62804-1)",
        5,
        "",
        ("Qualify encapsulant by PID 192 h", "Add PID sample test per encapsulant lot", 8, 2, 4),
    ),
    (
        "Module",
        "Laminate stack",
        "",
        "Delamination, moisture ingress, insulation failure (shock hazard)",
        9,
        "Loss of adhesion glass/encapsulant",
        "Encapsulant–glass adhesion insufficient after damp heat",
        "Peel-strength spec ≥ 53 N/cm, supplier material approval",
        3,
        "DH1000 and TC200 in qualification",
        5,
        "MOD-PEEL-GLASS",
        None,
    ),
    (
        "Junction box",
        "Bypass diode",
        "",
        "1/3 substring lost; overheating, fire risk",
        9,
        "Diode fails short or open",
        "Diode junction temperature above rating under hot spot current",
        "Diode thermal design margin ≥ 20 K, potting",
        4,
        "IEC 61215 MQT 18 bypass diode thermal test",
        4,
        "",
        ("Diode with higher current rating", "Thermal imaging at 1.25 × Isc", 9, 2, 4),
    ),
    (
        "Module",
        "Glass-glass structure",
        "",
        "Cell cracks under snow/wind load, power loss",
        7,
        "Cell cracks from laminate bending",
        "Mounting-hole position increases cell stress",
        "FEM stress analysis of the clamping zones",
        5,
        "Static and dynamic mechanical load with EL (MQT 16/20)",
        4,
        "MOD-EL-CRKA",
        None,
    ),
]


def _item(fmea: Fmea, row: tuple[Any, ...], owner: Any, position: int) -> FmeaItem:
    focus, lower, four_m, effect, s, mode, cause, pc, o, dc, d, char_code, action = row
    fields: dict[str, Any] = {
        "position": position,
        "higher_level": "PV module" if fmea.kind == "dfmea" else "Module line",
        "focus_element": focus,
        "lower_level": lower,
        "four_m": four_m,
        "failure_effect": effect,
        "severity": s,
        "failure_mode": mode,
        "failure_cause": cause,
        "prevention_controls": pc,
        "occurrence": o,
        "detection_controls": dc,
        "detection": d,
        "characteristic": Characteristic.objects.filter(code=char_code).first()
        if char_code
        else None,
    }
    if action:
        preventive, detective, s2, o2, d2 = action
        fields |= {
            "preventive_action": preventive,
            "detection_action": detective,
            "action_owner": owner,
            "action_due": dt.date(2026, 12, 31),
            "action_status": "implementing",
            "severity_after": s2,
            "occurrence_after": o2,
            "detection_after": d2,
        }
    return save_item(FmeaItem(fmea=fmea, **fields), actor=owner)


def build(ctx: Any) -> None:
    design = ctx.users["design"]
    made = 0
    if not Fmea.objects.filter(title=PFMEA_TITLE).exists():
        pfmea = create_fmea(
            actor=design,
            kind="pfmea",
            title=PFMEA_TITLE,
            site=ctx.sites.get("JX1"),
            planning_scope="Module line from stringing to flash and hi-pot test; "
            "cell and material processes excluded.",
            team="Tao Xu, design (moderator)\nHao Wang, quality engineer\nFang Li, site QM",
            start_date=dt.date(2026, 9, 1),
            due_date=dt.date(2026, 12, 15),
        )
        for n, row in enumerate(PFMEA_ROWS, start=1):
            _item(pfmea, row, design, n)
        apply_special_classes(pfmea, actor=design)
        made += 1
    if not Fmea.objects.filter(title=DFMEA_TITLE).exists():
        dfmea = create_fmea(
            actor=design,
            kind="dfmea",
            title=DFMEA_TITLE,
            site=None,
            product=ModuleModel.objects.filter(code="SRM-N410-72").first(),
            planning_scope="Glass-glass TOPCon module, 72 cells, junction box with 3 diodes.",
            team="Tao Xu, design\nWei Zhang, CQO\nLei Zhao, SQE",
            start_date=dt.date(2026, 6, 1),
            due_date=dt.date(2026, 10, 31),
        )
        for n, row in enumerate(DFMEA_ROWS, start=1):
            _item(dfmea, row, design, n)
        apply_special_classes(dfmea, actor=design)
        transition(dfmea, "submit", actor=design)
        transition(
            dfmea,
            "release",
            actor=ctx.users["cqo"],
            password=DEMO_PASSWORD,
            reason="DFMEA review meeting: actions agreed",
        )
        made += 1
    ctx.log.append(f"{made} FMEAs ({len(PFMEA_ROWS) + len(DFMEA_ROWS)} failure chains)")
    build_control_plan(ctx)
    from qdm.design.demo_lessons import build_lessons

    build_lessons(ctx)
    from qdm.design.demo_qualification import build_qualification

    build_qualification(ctx)
    from qdm.design.demo_apqp import build_apqp

    build_apqp(ctx)


CONTROL_PLAN_TITLE = "SRM-N410-72 lamination and flash test, line JX1"
MSA_TITLE = "Gel content (Soxhlet) gauge R&R, JX1 module lab"


def _gel_study_rows() -> list[list[Any]]:
    """10 laminate samples x 3 lab technicians x 3 extractions of the gel content (%):
    part-to-part spread 80-90 %, repeatability about 0.6 %, a small technician offset."""
    import numpy as np

    rng = np.random.default_rng(20261120)
    parts = np.linspace(80.5, 89.5, 10) + rng.normal(0, 0.6, 10)
    offsets = {"Li Na": 0.0, "Chen Jie": 0.35, "Zhou Min": -0.2}
    return [
        [f"L{p + 1:02d}", tech, round(float(parts[p] + off + rng.normal(0, 0.6)), 2)]
        for tech, off in offsets.items()
        for _trial in range(3)
        for p in range(10)
    ]


def build_control_plan(ctx: Any) -> None:
    """The PFMEA's lamination and flash-test steps as a production control plan of
    SRM-N410-72 on the first JX1 module line, with the gel-content MSA study on its line,
    released (e-signed) and published to manufacturing."""
    from qdm.design.models import ControlPlan, MsaStudy
    from qdm.design.services.control_plan import (
        generate_from_pfmea,
        publish,
        save_line,
        save_msa_study,
    )

    if ControlPlan.objects.filter(title=CONTROL_PLAN_TITLE).exists():
        return
    pfmea = Fmea.objects.filter(title=PFMEA_TITLE).first()
    site = ctx.sites.get("JX1")
    line = next(
        (
            ln
            for ln in ctx.lines
            if ln.workshop.site_id == site.pk and ln.workshop.stage == "module"
        ),
        None,
    )
    product = ModuleModel.objects.filter(code="SRM-N410-72").first()
    if pfmea is None or line is None or product is None:
        return
    design, cqo = ctx.users["design"], ctx.users["cqo"]
    gel = Characteristic.objects.get(code="MOD-EVA-GEL")
    study = MsaStudy.objects.filter(title=MSA_TITLE).first() or save_msa_study(
        MsaStudy(
            title=MSA_TITLE,
            site=site,
            characteristic=gel,
            gauge="Soxhlet extractor SX-02 (xylene, 5 h)",
            method="anova",
            tolerance=20.0,  # 75-95 % gel content
            data=_gel_study_rows(),
            study_date=dt.date(2026, 11, 18),
        ),
        actor=design,
    )
    plan = generate_from_pfmea(
        pfmea,
        actor=design,
        steps=["Lamination", "Flash test"],
        phase="production",
        title=CONTROL_PLAN_TITLE,
        product=product,
        process="Module lamination (EVA/POE) and IV flash / hi-pot test",
        line=line,
    )
    for cp_line in plan.lines.all():
        if cp_line.characteristic_id == gel.pk:
            cp_line.msa_study = study
            save_line(cp_line, actor=design)
    transition(
        plan,
        "release",
        actor=cqo,
        password=DEMO_PASSWORD,
        reason="Control plan review with process engineering",
    )
    plan.refresh_from_db()
    publish(plan, actor=design)
    ctx.log.append(f"control plan {plan.number} published ({plan.lines.count()} lines)")

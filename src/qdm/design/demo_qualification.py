"""Demo reliability qualification and an engineering change for the glass-glass TOPCon
module SRM-N380-72B:

* an IEC 61215:2021 programme (UV15 → TC50 → HF10, TC200, DH1000, PID, dynamic mechanical
  load, hot spot, bypass diode; two modules each), completed and signed "pass";
* an IEC 61730:2023 safety programme, completed "pass";
* an IEC 61215:2021 programme of a second BOM (front EVA instead of EPE) still in test, with
  one module losing 5.6 % in DH1000 — the TOPCon damp-heat sensitivity of the PV reference
  §4.3 — so its DH1000 sequence asks for a retest;
* two certificates (one expiring within the 90-day horizon) and a material change request
  (rear encapsulant POE → EPE) in impact assessment.

Losses are in the ranges of pv-reference.md §4.1/§4.3 (≤ 5 % gate; PERC/TOPCon DH1000 1–2 %
for good BOMs). Idempotent: a programme whose title exists is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.workflow import transition
from qdm.data.models import Material, ModuleModel
from qdm.design.models import (
    Certificate,
    ChangeRequest,
    QualificationProgramme,
    QualificationResult,
    QualificationSample,
    QualificationSequence,
)
from qdm.design.services import qualification as q
from qdm.design.services.change import create_change

MODEL = "SRM-N380-72B"
LAB = "TÜV Rheinland Shanghai PV lab"
TITLE_61215 = "SRM-N380-72B BOM-A IEC 61215:2021 design qualification"
TITLE_61730 = "SRM-N380-72B BOM-A IEC 61730:2023 safety qualification"
TITLE_BOM_B = "SRM-N380-72B BOM-B (front EVA) IEC 61215:2021 requalification"
CHANGE_TITLE = "SRM-N380-72B rear encapsulant POE → EPE"

# kind, steps, per-step Pmax losses (%) of the two samples
SEQUENCES_61215: list[tuple[str, str, list[list[float]]]] = [
    ("uv", "UV15 → TC50 → HF10", [[0.6, 0.9, 0.5], [0.8, 0.7, 0.6]]),
    ("tc200", "TC200", [[1.4], [1.1]]),
    ("dh1000", "DH1000", [[1.9], [1.6]]),
    ("pid", "PID 96 h, −1500 V", [[1.2], [0.9]]),
    ("dml", "DML 1000 × ±1000 Pa → TC50 → HF10", [[0.4, 0.8, 0.6], [0.5, 0.6, 0.7]]),
    ("hot_spot", "Hot spot", [[2.1], [1.7]]),
    ("bypass_diode", "Bypass diode thermal", [[0.2], [0.3]]),
]
SEQUENCES_61730: list[tuple[str, str, list[list[float]]]] = [
    ("tc200", "TC200", [[1.2], [1.3]]),
    ("dh1000", "DH1000", [[1.8], [1.5]]),
    ("wet_leakage", "Wet leakage", [[0.0], [0.0]]),
]
SEQUENCES_BOM_B: list[tuple[str, str, list[list[float]]]] = [
    ("dh1000", "DH1000", [[5.6], [2.4]]),
    ("tc200", "TC200", [[1.5], [1.2]]),
]


def _programme(
    ctx: Any,
    title: str,
    standard: str,
    bom: str,
    sequences: list[tuple[str, str, list[list[float]]]],
    prefix: str,
    materials: Any = None,
) -> QualificationProgramme:
    design = ctx.users["design"]
    model = ModuleModel.objects.get(code=MODEL)
    programme = q.create_programme(
        actor=design,
        title=title,
        standard=standard,
        module_model=model,
        bom_variant=bom,
        site=None,
        laboratory=LAB,
        start_date=dt.date(2026, 3, 2),
        materials=materials,
    )
    serial = 0
    nameplate = model.pmax_w
    for position, (kind, steps, losses) in enumerate(sequences, start=1):
        sequence = q.save_sequence(
            QualificationSequence(programme=programme, position=position, kind=kind, steps=steps),
            actor=design,
        )
        for sample_losses in losses:
            serial += 1
            sample = q.save_sample(
                QualificationSample(sequence=sequence, serial=f"{prefix}{serial:03d}"),
                actor=design,
            )
            pmax = round(nameplate * (1.012 + 0.002 * serial), 2)
            stages = [("initial", pmax)]
            for n, loss in enumerate(sample_losses, start=1):
                pmax = round(pmax * (1 - loss / 100), 2)
                stages.append((steps.split(" → ")[n - 1] if " → " in steps else steps, pmax))
            for stage, (step, value) in enumerate(stages):
                q.save_result(
                    QualificationResult(
                        sample=sample,
                        stage=stage,
                        step=step,
                        measured_on=dt.date(2026, 3, 2) + dt.timedelta(days=21 * stage),
                        pmax_w=value,
                        el_grade="A" if stage == 0 or sample_losses[-1] < 3 else "B",
                        insulation_mohm_m2=round(2600 - 400 * stage - 7 * serial, 0),
                        wet_leakage_mohm_m2=round(1150 - 120 * stage - 5 * serial, 0),
                    ),
                    actor=design,
                )
    transition(programme, "start", actor=design)
    return programme


def _complete(ctx: Any, programme: QualificationProgramme) -> None:
    transition(
        programme,
        "complete",
        actor=ctx.users["cqo"],
        password=DEMO_PASSWORD,
        reason="Test report reviewed: all sequences pass",
    )


def build_qualification(ctx: Any) -> None:
    if not ModuleModel.objects.filter(code=MODEL).exists():
        return
    made = []
    if not QualificationProgramme.objects.filter(title=TITLE_61215).exists():
        p = _programme(ctx, TITLE_61215, "iec61215:2021", "BOM-A", SEQUENCES_61215, "QS-N380-")
        _complete(ctx, p)
        made.append(p)
    if not QualificationProgramme.objects.filter(title=TITLE_61730).exists():
        p = _programme(ctx, TITLE_61730, "iec61730:2023", "BOM-A", SEQUENCES_61730, "QS-N380-S")
        _complete(ctx, p)
        made.append(p)
    if not QualificationProgramme.objects.filter(title=TITLE_BOM_B).exists():
        bom_a = list(QualificationProgramme.objects.get(title=TITLE_61215).materials.all())
        front_eva = Material.objects.filter(code="ENC-EVA-T").first()
        bom_b = [m for m in bom_a if m.code != "ENC-EPE"] + ([front_eva] if front_eva else [])
        made.append(
            _programme(
                ctx, TITLE_BOM_B, "iec61215:2021", "BOM-B", SEQUENCES_BOM_B, "QS-N380-B", bom_b
            )
        )
    _certificates(ctx)
    _change(ctx)
    ctx.log.append(f"{len(made)} qualification programmes")


def _certificates(ctx: Any) -> None:
    design = ctx.users["design"]
    model = ModuleModel.objects.get(code=MODEL)
    today = timezone.localdate()
    rows = [
        ("PV 50531877", "iec61215:2021", TITLE_61215, dt.date(2026, 5, 20), dt.date(2031, 5, 19)),
        ("PV 50531878", "iec61730:2023", TITLE_61730, today - dt.timedelta(days=1780),
         today + dt.timedelta(days=45)),
    ]  # fmt: skip
    for number, standard, title, issued, expires in rows:
        if Certificate.objects.filter(body="TÜV Rheinland", number=number).exists():
            continue
        programme = QualificationProgramme.objects.get(title=title)
        q.save_certificate(
            Certificate(
                body="TÜV Rheinland",
                number=number,
                standard=standard,
                bom_variants="BOM-A (EPE/POE, 2.0 + 2.0 mm glass)",
                issue_date=issued,
                expiry_date=expires,
            ),
            actor=design,
            module_models=[model],
            programmes=[programme],
        )


def _change(ctx: Any) -> None:
    if ChangeRequest.objects.filter(title=CHANGE_TITLE).exists():
        return
    poe = Material.objects.filter(code="ENC-POE").first()
    if poe is None:
        return
    design = ctx.users["design"]
    change = create_change(
        actor=design,
        kind="material",
        title=CHANGE_TITLE,
        description="Replace the rear POE film by the EPE co-extruded film already used on "
        "the front side (one encapsulant for both layers, lower cost).",
        reason="Cost reduction and single-material lamination recipe.",
        site=None,
        module_models=[ModuleModel.objects.get(code=MODEL)],
        materials=[poe],
        implementation_date=dt.date(2026, 9, 1),
        effective_from=timezone.make_aware(dt.datetime(2026, 9, 1, 6, 0)),
    )
    transition(change, "assess", actor=design)

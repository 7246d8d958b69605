"""Qualification pass/fail by edition: the pure verdict against the criteria encoded per
edition. Reference values: /work/shared/domain/pv-reference.md §4.1 — IEC 61215-1:2021 gate
2 "after each sequence Pmax ≥ 95 % of initial (≤5 % degradation), no major visual defects,
insulation & wet-leakage pass"; "2016 edition: ≤5 % per test, ≤8 % per sequence"; MQT 03 /
MQT 15 "R×A ≥ 40 MΩ·m² (A > 0.1 m²)"; MQT 09 hot spot "MQT 02 not a pass/fail gate";
classic scheme "design fails if ≥2 modules fail; one failure → retest"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qdm.design.services.qualification import (
    CRITERIA,
    Measurement,
    SampleVerdict,
    combine,
    criteria_for,
    sample_verdict,
    sequence_verdict,
)

AREA = 2.382 * 1.134  # a 2382 × 1134 mm module, > 0.1 m²
E2016, E2021 = CRITERIA["iec61215:2016"], CRITERIA["iec61215:2021"]
S2016, S2023 = CRITERIA["iec61730:2016"], CRITERIA["iec61730:2023"]


def run(
    *pmax: float, ins: float = 500.0, wet: float = 300.0, defect_at: int | None = None
) -> list[Measurement]:
    return [Measurement(stage, p, defect_at == stage, ins, wet) for stage, p in enumerate(pmax)]


def verdict(criteria, rows, kind="uv", area=AREA) -> str:
    return sample_verdict(criteria, kind, rows, area).verdict


def test_same_results_pass_2016_and_fail_2021_total_loss_between_5_and_8_pct() -> None:
    # 600 → 585 (2.5 %) → 566 (3.25 %): each test ≤ 5 %, the sequence loses 5.67 %
    rows = run(600.0, 585.0, 566.0)
    assert verdict(E2016, rows) == "pass"  # ≤ 8 % per sequence
    result = sample_verdict(E2021, "uv", rows, AREA)
    assert result.verdict == "fail"  # > 5 % per sequence
    assert result.loss_pct == pytest.approx(5.6667, abs=1e-3)
    assert "5.67" in result.reasons[0]


def test_same_results_fail_2016_per_test_and_pass_2021() -> None:
    # 600 → 568 (5.33 % in one test) → 570: the sequence loses exactly 5.0 %
    rows = run(600.0, 568.0, 570.0)
    result = sample_verdict(E2016, "uv", rows, AREA)
    assert result.verdict == "fail"
    assert "per test" in result.reasons[0]
    assert verdict(E2021, rows) == "pass"  # 5.0 % is still ≤ 5 %


@pytest.mark.parametrize(
    ("final", "expected"),
    [(570.0, "pass"), (569.94, "fail")],  # 5.00 % and 5.01 % of 600 W
)
def test_2021_sequence_loss_boundary(final: float, expected: str) -> None:
    assert verdict(E2021, run(600.0, final)) == expected


@pytest.mark.parametrize(("final", "expected"), [(552.0, "pass"), (551.94, "fail")])
def test_2016_sequence_loss_boundary_8_pct(final: float, expected: str) -> None:
    # 600 → 576 (4 %) → final: 8.00 % passes, 8.01 % fails; every single test ≤ 5 %
    assert verdict(E2016, run(600.0, 576.0, final)) == expected


@pytest.mark.parametrize("criteria", list(CRITERIA.values()), ids=list(CRITERIA))
@pytest.mark.parametrize(("value", "expected"), [(40.0, "pass"), (39.9, "fail")])
def test_insulation_and_wet_leakage_boundary_40_mohm_m2(criteria, value, expected) -> None:
    assert verdict(criteria, run(600.0, 595.0, ins=value)) == expected
    assert verdict(criteria, run(600.0, 595.0, wet=value)) == expected


@pytest.mark.parametrize(("value", "expected"), [(20.0, "pass"), (19.9, "fail")])
def test_small_module_is_judged_on_400_mohm(value: float, expected: str) -> None:
    # 0.05 m² ≤ 0.1 m²: R = value / A must be ≥ 400 MΩ ([K], documented)
    assert verdict(E2021, run(10.0, 9.9, ins=value), area=0.05) == expected


@pytest.mark.parametrize("criteria", list(CRITERIA.values()), ids=list(CRITERIA))
def test_a_major_visual_defect_after_the_sequence_fails(criteria) -> None:
    result = sample_verdict(criteria, "tc200", run(600.0, 598.0, defect_at=1), AREA)
    assert result.verdict == "fail"
    assert "visual" in result.reasons[0]


def test_hot_spot_pmax_is_not_a_gate_but_insulation_is() -> None:
    rows = run(600.0, 540.0)  # 10 % loss
    assert verdict(E2021, rows, kind="hot_spot") == "pass"
    assert verdict(E2021, rows, kind="tc200") == "fail"
    assert verdict(E2021, run(600.0, 540.0, wet=30.0), kind="hot_spot") == "fail"


@pytest.mark.parametrize("criteria", [S2016, S2023], ids=["61730:2016", "61730:2023"])
def test_61730_has_no_pmax_gate(criteria) -> None:
    assert verdict(criteria, run(600.0, 540.0), kind="dh1000") == "pass"
    assert verdict(E2021, run(600.0, 540.0), kind="dh1000") == "fail"


def test_missing_measurements_are_incomplete_never_pass() -> None:
    assert verdict(E2021, run(600.0)) == "incomplete"  # no final stage
    no_ins = [Measurement(0, 600.0, False, 500, 300), Measurement(1, 599.0, False, None, 300)]
    result = sample_verdict(E2021, "tc200", no_ins, AREA)
    assert result.verdict == "incomplete" and "insulation" in result.reasons[0]
    no_pmax = [Measurement(0, None, False, 500, 300), Measurement(1, 599.0, False, 500, 300)]
    assert verdict(E2021, no_pmax) == "incomplete"
    assert verdict(S2023, no_pmax) == "pass"  # Pmax is not needed for 61730
    assert verdict(E2021, [Measurement(1, 600.0), Measurement(2, 599.0)]) == "incomplete"


def test_sequence_one_failed_module_is_a_retest_two_fail_the_design() -> None:
    ok, bad = SampleVerdict("a", "pass"), SampleVerdict("b", "fail")
    assert sequence_verdict(E2021, [ok, ok]) == "pass"
    assert sequence_verdict(E2021, [ok, bad]) == "retest"
    assert sequence_verdict(E2021, [bad, bad]) == "fail"
    assert sequence_verdict(E2021, [ok, SampleVerdict("c", "incomplete")]) == "incomplete"
    assert sequence_verdict(E2021, []) == "incomplete"
    assert combine(["pass", "retest", "pass"]) == "retest"
    assert combine(["pass", "retest", "fail"]) == "fail"
    assert combine(["pass", "pass"]) == "pass"


def test_editions_differ_only_where_the_reference_says() -> None:
    assert (E2016.pmax_step_loss_pct, E2016.pmax_sequence_loss_pct) == (5.0, 8.0)
    assert (E2021.pmax_step_loss_pct, E2021.pmax_sequence_loss_pct) == (None, 5.0)
    assert {"pid", "dml"} <= E2021.sequences and not {"pid", "dml"} & E2016.sequences
    assert type(S2016)(**{**S2023.__dict__, "standard": "iec61730:2016"}) == S2016


def test_unknown_standard_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="iec61215:2005"):
        criteria_for("iec61215:2005")

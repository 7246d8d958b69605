"""Input paths whose code changed when quality/ was brought under mypy."""

from __future__ import annotations

import pytest

from qdm.quality.fmea import AP_TABLE, action_priority
from qdm.quality.pcf import MATERIAL_FACTORS, reference_factors
from qdm.quality.sampling import SamplingError, SwitchingState


def test_stored_switching_state_with_a_non_numeric_count_is_a_sampling_error() -> None:
    # A stored count that is neither a number nor a numeric string used to escape as a
    # TypeError from int(); it is bad stored state like an unknown severity.
    for key in ("switching_score", "tightened_accepted_run", "lots_inspected"):
        with pytest.raises(SamplingError, match=key):
            SwitchingState.from_dict({"severity": "normal", key: None})
        with pytest.raises(SamplingError, match=key):
            SwitchingState.from_dict({"severity": "normal", key: [3]})


def test_stored_switching_state_keeps_reading_numbers_and_numeric_strings() -> None:
    state = SwitchingState.from_dict(
        {"severity": "tightened", "switching_score": "4", "lots_inspected": 7.0}
    )
    assert (state.severity, state.switching_score, state.lots_inspected) == ("tightened", 4, 7)
    assert isinstance(state.lots_inspected, int)


def test_reference_factors_overrides_replace_one_material_only() -> None:
    # MATERIAL_FACTORS: PV_ICE non-energy process factors (pv-reference §6.5).
    default = reference_factors({"electricity": 0.5})
    assert default["glass"].value == MATERIAL_FACTORS["glass"]
    changed = reference_factors({"electricity": 0.5}, overrides={"glass": 0.1})
    assert changed["glass"].value == 0.1
    assert changed["frame"].value == default["frame"].value == MATERIAL_FACTORS["frame"]


def test_action_priority_returns_the_table_letter() -> None:
    # AIAG-VDA FMEA handbook 2019, PFMEA AP table: S 9-10, O 8-10 is H for every D;
    # S 1, any O and D is L; S 7-8, O 4-5, D 7-10 is H and D 1 is M.
    assert action_priority(10, 10, 1) == "H"
    assert action_priority(1, 10, 10) == "L"
    assert action_priority(8, 5, 8) == "H"
    assert action_priority(8, 5, 1) == "M"
    letters = {ap for _s, _o, aps in AP_TABLE for ap in aps}
    assert letters == {"H", "M", "L"}

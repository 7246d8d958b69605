"""Switching rules and switching score of ISO 2859-1:1999 (9.3, 9.4) on scripted lot sequences."""

from __future__ import annotations

import json

import pytest

from qdm.quality.sampling import (
    LotResult,
    SamplingError,
    SwitchingState,
    next_state,
    plan,
    resume_after_corrective_action,
)

# Lot 5000, level II: code letter L.  AQL 0.065 -> II-A L/0.065 = 0/1 (n 200);
# AQL 2.5 -> II-A L/2.5 = 10/11, one step tighter II-A L/1.5 = 7/8.
AC0 = {s: plan(5000, "0.065", "II", s) for s in ("normal", "tightened", "reduced")}
AC10 = {s: plan(5000, "2.5", "II", s) for s in ("normal", "tightened", "reduced")}


def run(state: SwitchingState, counts: list[int], plans: dict = AC0, **kw: bool) -> SwitchingState:
    for d in counts:
        state = next_state(state, LotResult(plans[state.severity], d), **kw)
    return state


OK, BAD = 0, 1  # nonconforming counts for the Ac 0 plans: accepted / not accepted


def test_starts_normal() -> None:
    assert SwitchingState().severity == "normal"


def test_two_not_accepted_within_five_lots_tightens() -> None:
    state = run(SwitchingState(), [BAD, OK, OK, OK])
    assert state.severity == "normal"
    state = run(state, [BAD])  # lots 1 and 5 of 5 consecutive lots not accepted
    assert state.severity == "tightened"
    assert "2 of 5" in state.reason


def test_two_not_accepted_six_lots_apart_stays_normal() -> None:
    state = run(SwitchingState(), [BAD, OK, OK, OK, OK, BAD])
    assert state.severity == "normal"


def test_two_consecutive_not_accepted_tightens() -> None:
    assert run(SwitchingState(), [OK, BAD, BAD]).severity == "tightened"


def test_tightened_back_to_normal_after_five_consecutive_accepted() -> None:
    state = run(SwitchingState(), [BAD, BAD])
    assert state.severity == "tightened"
    state = run(state, [OK, OK, OK, OK])
    assert state.severity == "tightened" and state.tightened_accepted_run == 4
    state = run(state, [BAD, OK, OK, OK, OK])  # the not-accepted lot restarts the run
    assert state.severity == "tightened"
    state = run(state, [OK])
    assert state.severity == "normal"
    assert state.switching_score == 0 and state.recent_normal == ()


def test_discontinue_after_five_cumulative_not_accepted_on_tightened() -> None:
    state = run(SwitchingState(), [BAD, BAD])
    state = run(state, [BAD, OK, BAD, OK, OK, BAD, OK, OK, OK])
    assert state.severity == "tightened" and state.tightened_not_accepted == 3
    state = run(state, [BAD])
    assert state.severity == "tightened" and state.tightened_not_accepted == 4
    state = run(state, [BAD])
    assert state.severity == "discontinued"
    with pytest.raises(SamplingError, match="discontinued"):
        next_state(state, LotResult(AC0["tightened"], OK))
    resumed = resume_after_corrective_action(state)
    assert resumed.severity == "tightened"
    assert resumed.tightened_not_accepted == 0 and resumed.tightened_accepted_run == 0
    with pytest.raises(SamplingError):
        resume_after_corrective_action(resumed)


def test_switching_score_ac_0_or_1_adds_two_per_accepted_lot() -> None:
    state = run(SwitchingState(), [OK] * 14)
    assert state.severity == "normal" and state.switching_score == 28
    state = run(state, [OK])
    assert state.severity == "reduced" and "30" in state.reason


def test_switching_score_resets_on_a_not_accepted_lot() -> None:
    state = run(SwitchingState(), [OK] * 10 + [BAD])
    assert state.severity == "normal" and state.switching_score == 0


def test_switching_score_ac_two_or_more_uses_the_tighter_aql() -> None:
    # II-A L/2.5 Ac 10; one step tighter II-A L/1.5 Ac 7.
    state = run(SwitchingState(), [7, 0, 3], plans=AC10)
    assert state.switching_score == 9
    state = run(state, [8], plans=AC10)  # accepted at 2.5 but not at 1.5: reset
    assert state.severity == "normal" and state.switching_score == 0
    assert state.recent_normal[-1] is True
    state = run(state, [0] * 9, plans=AC10)
    assert state.switching_score == 27
    state = run(state, [7], plans=AC10)
    assert state.severity == "reduced"


def test_reduced_needs_steady_production_and_authority_approval() -> None:
    state = run(SwitchingState(), [OK] * 15, production_steady=False)
    assert state.severity == "normal" and state.switching_score == 30
    state = run(state, [OK], authority_approves_reduced=False)
    assert state.severity == "normal" and state.switching_score == 32
    state = run(state, [OK])
    assert state.severity == "reduced"


def to_reduced() -> SwitchingState:
    state = run(SwitchingState(), [OK] * 15)
    assert state.severity == "reduced"
    return state


def test_reduced_back_to_normal_on_a_not_accepted_lot() -> None:
    state = run(to_reduced(), [OK, OK, OK])
    assert state.severity == "reduced"
    state = run(state, [BAD])
    assert state.severity == "normal" and "not accepted" in state.reason


def test_reduced_back_to_normal_when_production_irregular_or_other_conditions() -> None:
    assert run(to_reduced(), [OK], production_steady=False).severity == "normal"
    state = next_state(
        to_reduced(), LotResult(AC0["reduced"], OK), other_conditions_require_normal=True
    )
    assert state.severity == "normal"


def test_z14_gap_lot_on_reduced_returns_to_normal() -> None:
    # II-C L/2.5 (Z1.4) Ac 5 Re 8: 6 nonconforming -> not accepted under the ISO
    # no-gap rule used by LotResult, and back to normal either way.
    z14 = plan(5000, "2.5", severity="reduced", reduced_table="z1.4")
    state = next_state(to_reduced(), LotResult(z14, 6))
    assert state.severity == "normal"


def test_lot_must_use_the_plan_of_the_current_severity() -> None:
    with pytest.raises(SamplingError, match="tightened"):
        next_state(SwitchingState(), LotResult(AC0["tightened"], OK))


def test_full_walk_through_every_transition() -> None:
    state = SwitchingState()
    path = [state.severity]
    for counts in ([OK] * 15, [BAD], [BAD, BAD], [OK] * 5, [BAD, BAD], [BAD] * 5):
        state = run(state, counts)
        path.append(state.severity)
    assert path == [
        "normal",
        "reduced",
        "normal",
        "tightened",
        "normal",
        "tightened",
        "discontinued",
    ]
    assert state.lots_inspected == 30
    assert resume_after_corrective_action(state).severity == "tightened"


def test_state_round_trips_through_json() -> None:
    state = run(SwitchingState(), [OK, BAD, OK])
    data = json.loads(json.dumps(state.to_dict()))
    assert SwitchingState.from_dict(data) == state
    assert data["recent_normal"] == [True, False, True]
    with pytest.raises(SamplingError):
        SwitchingState.from_dict({"severity": "lenient"})


def test_negative_or_non_integer_counts_are_rejected() -> None:
    with pytest.raises(SamplingError):
        next_state(SwitchingState(), LotResult(AC0["normal"], -1))
    with pytest.raises(SamplingError):
        next_state(SwitchingState(), LotResult(AC0["normal"], True))  # type: ignore[arg-type]

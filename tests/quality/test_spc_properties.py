"""Property tests: location/scale equivariance and clear errors on degenerate input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qdm.quality import spc
from qdm.quality.capability import capability
from qdm.quality.spc import SpcInputError

values = st.lists(
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=10, max_size=60
)
shifts = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
scales = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)


def spread_ok(x: np.ndarray) -> bool:
    return float(np.ptp(x)) > 1e-3 * (1.0 + float(np.max(np.abs(x))))


def charts(x: np.ndarray) -> list[spc.ChartResult]:
    m = x[: (x.size // 5) * 5].reshape(-1, 5)
    return [
        spc.imr(x),
        spc.xbar_r(m),
        spc.xbar_s(m),
        spc.ewma(x),
        spc.ewma(m),
    ]


def close(a, b, scale: float) -> bool:
    return np.allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-9 * scale)


@settings(max_examples=60, deadline=None)
@given(values, shifts)
def test_shift_moves_center_and_limits_equally(data: list[float], a: float) -> None:
    x = np.array(data)
    assume(spread_ok(x[: (x.size // 5) * 5]) and all(spread_ok(r) for r in [x]))
    try:
        base = charts(x)
    except SpcInputError:
        assume(False)
    moved = charts(x + a)
    size = 1.0 + float(np.max(np.abs(x))) + abs(a)
    for b, m in zip(base, moved, strict=True):
        assert close(m.center, np.asarray(b.center) + a, size)
        assert close(m.lcl, np.asarray(b.lcl) + a, size)
        assert close(m.ucl, np.asarray(b.ucl) + a, size)
        assert close(m.sigma, b.sigma, size)
        if b.secondary is not None:  # dispersion charts do not move
            assert close(m.secondary.ucl, b.secondary.ucl, size)
            assert close(m.secondary.center, b.secondary.center, size)


@settings(max_examples=60, deadline=None)
@given(values, scales)
def test_scale_scales_center_limits_and_sigma(data: list[float], k: float) -> None:
    x = np.array(data)
    assume(spread_ok(x[: (x.size // 5) * 5]))
    try:
        base = charts(x)
    except SpcInputError:
        assume(False)
    scaled = charts(x * k)
    size = (1.0 + float(np.max(np.abs(x)))) * k
    for b, s in zip(base, scaled, strict=True):
        assert close(s.center, np.asarray(b.center) * k, size)
        assert close(s.lcl, np.asarray(b.lcl) * k, size)
        assert close(s.ucl, np.asarray(b.ucl) * k, size)
        assert close(s.sigma, np.asarray(b.sigma) * k, size)


@settings(max_examples=40, deadline=None)
@given(values, shifts, scales)
def test_cusum_is_location_scale_invariant(data: list[float], a: float, k: float) -> None:
    x = np.array(data)
    assume(spread_ok(x))
    base = spc.cusum(x)
    moved = spc.cusum(x * k + a)
    assert np.allclose(moved.points, base.points, rtol=1e-6, atol=1e-6)
    assert np.allclose(moved.lower, base.lower, rtol=1e-6, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(values, shifts, scales)
def test_capability_indices_invariant_under_shift_and_scale(
    data: list[float], a: float, k: float
) -> None:
    x = np.array(data)
    assume(spread_ok(x))
    lsl, usl = float(np.min(x)) - 1.0, float(np.max(x)) + 1.0
    base = capability(x, lsl=lsl, usl=usl)
    moved = capability(x * k + a, lsl=lsl * k + a, usl=usl * k + a)
    for name in ("cp", "cpk", "pp", "ppk", "cpm"):
        assert np.isclose(getattr(moved, name), getattr(base, name), rtol=1e-6)
    assert np.isclose(moved.sigma_within, base.sigma_within * k, rtol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: spc.imr(x),
        lambda x: spc.xbar_r(x.reshape(-1, 4)),
        lambda x: spc.xbar_s(x.reshape(-1, 4)),
        lambda x: spc.ewma(x),
        lambda x: spc.cusum(x),
        lambda x: capability(x, lsl=0.0, usl=10.0),
    ],
)
@pytest.mark.parametrize("level", [0.0, 5.0, -3.25])
def test_constant_series_raises_clear_error(call, level: float) -> None:
    x = np.full(20, level)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning: divide by zero allowed
        try:
            call(x)
        except SpcInputError as exc:
            assert "constant series" in str(exc)
        else:
            pytest.fail("constant series accepted")


def test_constant_counts_are_valid_for_a_c_chart() -> None:
    # Poisson limits come from the mean, not the spread: 5 defects every time is a valid chart.
    res = spc.c_chart([5.0] * 10)
    assert res.center == 5.0 and np.isclose(res.ucl, 5 + 3 * np.sqrt(5))


def test_zero_defectives_is_a_clear_error() -> None:
    with pytest.raises(SpcInputError, match="constant series"):
        spc.p_chart([0, 0, 0], [50, 50, 50])
    with pytest.raises(SpcInputError, match="constant series"):
        spc.u_chart([0, 0, 0], [5, 5, 5])


def test_input_validation_messages() -> None:
    with pytest.raises(SpcInputError, match="too few points"):
        spc.imr([1.0])
    with pytest.raises(SpcInputError, match="at least 2 observations"):
        spc.xbar_r(spc.Subgroups.from_chunks([1.0, 2.0, 3.0], 1))
    with pytest.raises(SpcInputError, match="up to 25"):
        spc.xbar_r(np.arange(60.0).reshape(2, 30))
    with pytest.raises(SpcInputError, match="more defectives"):
        spc.p_chart([3, 60], [50, 50])
    with pytest.raises(SpcInputError, match="not a finite number"):
        spc.imr([1.0, float("nan"), 2.0])
    with pytest.raises(SpcInputError, match="lambda"):
        spc.ewma([1.0, 2.0, 3.0], lambda_=0.0)


def test_subgroups_from_labels_groups_by_first_appearance() -> None:
    sg = spc.Subgroups.from_labels(
        np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array(["b", "a", "b", "a", "c"])
    )
    assert sg.sizes.tolist() == [2, 2, 1]
    assert sg.values.tolist() == [1.0, 3.0, 2.0, 4.0, 5.0]


def test_known_sigma_phase_two_standard_given_charts() -> None:
    # Montgomery 7th ed. sec. 6.2.6 "standard given": R chart center d2 sigma, UCL D2 sigma.
    x = np.arange(40.0).reshape(8, 5) % 7
    res = spc.xbar_r(x, center=3.0, sigma=2.0)
    assert res.center == 3.0 and np.isclose(res.ucl, 3.0 + 3 * 2.0 / np.sqrt(5))
    assert np.isclose(res.secondary.center, 2.326 * 2.0)
    assert np.isclose(res.secondary.ucl, (2.326 + 3 * 0.8640855) * 2.0)

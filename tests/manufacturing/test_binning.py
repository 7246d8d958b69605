"""Power binning at class boundaries, EL grading rules, release and packing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qdm.data.models import Unit
from qdm.manufacturing.models import ModuleRelease
from qdm.manufacturing.services.binning import (
    BinningError,
    el_grade,
    imp_class,
    pack_pallet,
    parse_el_rules,
    power_class,
    release_modules,
)
from qdm.manufacturing.services.holds import place_hold
from tests.manufacturing.test_inspection_builders import binning_rule, flashed_module, modules_of
from tests.personas import World

CLASSES = {"first_class_w": 570, "last_class_w": 595, "class_width_w": 5}


@pytest.mark.parametrize(
    ("pmax", "guard", "expected"),
    [
        (580.0, 0, 580),  # exactly on the boundary: the class itself (0/+5 W)
        (579.999, 0, 575),  # a hair below: the class under it
        (584.999, 0, 580),
        (585.0, 0, 585),
        (580.5, 0.5, 580),  # guard band: 580 W only from 580.5 W
        (580.499, 0.5, 575),
        (580.0, 1, 575),
        (570.0, 0, 570),  # the first class
        (569.999, 0, None),  # below the first class: not sellable as this model
        (570.2, 0.5, None),  # guard band pushes it below the first class
        (612.3, 0, 595),  # above the last class: clipped to the last
        (0.1 + 579.9, 0, 580),  # 580.0000000000001 in binary, 580 W
    ],
)
def test_power_class_edges(pmax: float, guard: float, expected: int | None) -> None:
    assert power_class(pmax, guard_band_w=guard, **CLASSES) == expected


@pytest.mark.parametrize("bad", [0, -580.0, float("nan"), None])
def test_power_class_refuses_nonsense(bad: float) -> None:
    with pytest.raises(BinningError):
        power_class(bad, **CLASSES)


def test_negative_guard_band_is_refused() -> None:
    with pytest.raises(BinningError, match="guard band"):
        power_class(580, guard_band_w=-1, **CLASSES)


RULES = parse_el_rules("CRK-C C\nBRK C\nCRK-B B\nCRK-A>2 B  # more than two micro-cracks")


@pytest.mark.parametrize(
    ("codes", "grade"),
    [
        ([], "A"),
        (["CRK-A", "CRK-A"], "A"),
        (["CRK-A", "CRK-A", "CRK-A"], "B"),
        (["CRK-B"], "B"),
        (["CRK-B", "BRK"], "C"),
        (["CRK-C"], "C"),
        (["crk-c"], "C"),  # codes are case-insensitive
        (["FING", "SCR"], "A"),  # codes without a rule do not downgrade
    ],
)
def test_el_grade_rules(codes: list[str], grade: str) -> None:
    assert el_grade([{"code": c, "cell": "C1"} for c in codes], RULES) == grade


def test_bad_el_rule_names_the_line() -> None:
    with pytest.raises(BinningError, match="line 2 “CRK-B grade-B”"):
        parse_el_rules("CRK-C C\nCRK-B grade-B")


def test_imp_classes_are_floor_of_the_width() -> None:
    assert imp_class(13.349, Decimal("0.1")) == "13.3"
    assert imp_class(13.3, Decimal("0.1")) == "13.3"
    assert imp_class(13.299, Decimal("0.1")) == "13.2"


@pytest.mark.django_db
def test_release_judges_power_el_hipot_and_hold(world: World) -> None:
    binning_rule(guard_band_w=Decimal("0.5"))
    flashed_module(world, "M-OK", pmax=583.2)
    flashed_module(world, "M-LOW", pmax=570.3)
    flashed_module(world, "M-CRK", defects=[{"code": "CRK-C", "cell": "C7"}])
    flashed_module(world, "M-B", defects=[{"code": "CRK-B", "cell": "C7"}])
    held = flashed_module(world, "M-HELD")
    place_hold(actor=world.user("eng_a"), site=world.site_a, reason="x", quantity=1, units=[held])
    codes = ["M-OK", "M-LOW", "M-CRK", "M-B", "M-HELD"]
    release_modules(codes, actor=world.user("eng_a"))
    got = {r.unit.code: r for r in ModuleRelease.objects.select_related("unit")}
    assert (got["M-OK"].status, got["M-OK"].power_class_w, got["M-OK"].el_grade) == (
        "released",
        580,
        "A",
    )
    assert got["M-OK"].imp_class == "13.3"
    assert got["M-LOW"].status == "rejected" and "below the first class" in got["M-LOW"].reasons
    assert got["M-CRK"].status == "rejected" and got["M-CRK"].reasons == "EL grade C"
    assert got["M-B"].status == "released" and got["M-B"].el_grade == "B"
    assert got["M-HELD"].status == "rejected" and "on hold" in got["M-HELD"].reasons
    release_modules(["M-OK"], actor=world.user("eng_a"), hipot_passed=False)
    assert ModuleRelease.objects.get(unit__code="M-OK").status == "rejected"


@pytest.mark.django_db
def test_release_refuses_unknown_codes(world: World) -> None:
    binning_rule()
    with pytest.raises(BinningError, match="Unknown unit codes: NOPE-1"):
        release_modules(["NOPE-1"], actor=world.user("eng_a"))
    assert ModuleRelease.objects.count() == 0


@pytest.mark.django_db
def test_only_released_modules_are_packed(world: World) -> None:
    binning_rule()
    for serial in ("P-1", "P-2"):
        flashed_module(world, serial)
    flashed_module(world, "P-BAD", defects=[{"code": "BRK"}])
    release_modules(["P-1", "P-2", "P-BAD"], actor=world.user("eng_a"))
    flashed_module(world, "P-NEW")  # never judged
    with pytest.raises(BinningError, match="not released: P-BAD, P-NEW"):
        pack_pallet("PAL-1", ["P-1", "P-BAD", "P-2", "P-NEW"], actor=world.user("eng_a"))
    assert not Unit.objects.filter(code="PAL-1").exists()
    pallet = pack_pallet("PAL-1", ["P-1", "P-2"], actor=world.user("eng_a"))
    assert modules_of(pallet) == ["P-1", "P-2"]
    assert pallet.efficiency_bin == "580W" and pallet.quantity == 2
    with pytest.raises(BinningError, match="Already packed on another pallet: P-1"):
        pack_pallet("PAL-2", ["P-1"], actor=world.user("eng_a"))


@pytest.mark.django_db
def test_pallets_hold_one_class_and_imp_sorting_on_request(world: World) -> None:
    binning_rule()
    flashed_module(world, "S-1", pmax=581, imp=13.31)
    flashed_module(world, "S-2", pmax=583, imp=13.42)
    flashed_module(world, "S-3", pmax=586, imp=13.35)
    release_modules(["S-1", "S-2", "S-3"], actor=world.user("eng_a"))
    with pytest.raises(BinningError, match="one power class and grade; found 580 W A, 585 W A"):
        pack_pallet("PAL-X", ["S-1", "S-3"], actor=world.user("eng_a"))
    with pytest.raises(BinningError, match=r"one Imp class per pallet; found 13\.3, 13\.4"):
        pack_pallet("PAL-X", ["S-1", "S-2"], actor=world.user("eng_a"), imp_sorting=True)
    assert not Unit.objects.filter(code="PAL-X").exists()
    pallet = pack_pallet("PAL-X", ["S-1", "S-2"], actor=world.user("eng_a"))  # no sorting asked
    assert modules_of(pallet) == ["S-1", "S-2"]

"""Footprint of what was really made: a shipment from its genealogy, hand-computed, and the
exact effect of one consumed lot's supplier factor."""

from __future__ import annotations

import pytest

from qdm.carbon.services import genealogy
from qdm.quality import pcf
from tests.carbon import builders as b
from tests.personas import World

pytestmark = pytest.mark.django_db

# Own emissions (kg CO2e), CN grid 0.5 kg/kWh (builders), intensities pv-reference §6.5:
POLY_OWN = 1000 * b.POLY  # 60 000
INGOT_OWN = 100 * 36.1 * 0.5  # 1 805
WAFER_OWN = 5000 * 0.0101 / pcf.SI_YIELDS["wafer"] * 8.3 * 0.5
CELL_OWN = 1000 * 0.0101 * 31.1 * 0.5  # 157.055
GLASS_OWN = 100 * b.GLASS  # 800
MODULE_OWN = 2.0 * 3.32 * 0.5  # 3.32
# shares: poly→ingot 100/1000, ingot→wafer 50/100, wafer→cell 1000/5000, cell→module
# 500/1000, glass→module 1/100, module→pallet→shipment whole
INGOT = INGOT_OWN + 0.1 * POLY_OWN  # 7 805
WAFER = WAFER_OWN + 0.5 * INGOT
CELL = CELL_OWN + 0.2 * WAFER
MODULE = MODULE_OWN + 0.5 * CELL + 0.01 * GLASS_OWN
SHIPMENT = 2 * MODULE  # ≈ 1 013.9


@pytest.fixture
def chain(world: World) -> tuple[b.Chain, object, dict]:
    mats = b.materials()
    return b.genealogy(world, mats, b.module_model()), b.library(), mats


def test_shipment_footprint_equals_the_hand_computation(chain) -> None:
    c, lib, _mats = chain
    result = genealogy.compute([c.shipment.pk, c.modules[0].pk, c.cell.pk], lib)
    ship = result[c.shipment.pk]
    assert ship.total_kg == pytest.approx(SHIPMENT)
    assert ship.modules == 2
    assert ship.kwp == pytest.approx(0.8)
    assert ship.per_module == pytest.approx(MODULE)
    assert ship.per_kwp == pytest.approx(SHIPMENT / 0.8)
    assert result[c.modules[0].pk].total_kg == pytest.approx(MODULE)
    assert result[c.cell.pk].total_kg == pytest.approx(CELL)
    assert ship.data_quality == "secondary"


def test_one_supplier_factor_changes_the_shipment_by_exactly_the_expected_amount(
    chain, world: World
) -> None:
    c, lib, mats = chain
    before = genealogy.compute([c.shipment.pk], lib)[c.shipment.pk].total_kg
    b.supplier_factor(world, mats["POLY-N-DENSE"], 15.0)
    after = genealogy.compute([c.shipment.pk], lib)[c.shipment.pk]
    # the shipment holds 2 × 0.5 × 0.2 × 0.5 × 0.1 = 0.01 of the poly lot's 1 000 kg:
    # Δ = 0.01 × 1 000 kg × (60 − 15) kg CO2e/kg = 450 kg CO2e
    assert before - after.total_kg == pytest.approx(450.0)
    # primary share: poly 0.01 × 15 000 = 150 of purchased 150 + 2 × 8 = 166 → ≥ 80 %
    assert after.data_quality == "primary"


def test_unverified_expired_or_other_basis_supplier_factors_are_ignored(
    chain, world: World
) -> None:
    import datetime as dt

    c, lib, mats = chain
    base = genealogy.compute([c.shipment.pk], lib)[c.shipment.pk].total_kg
    poly = mats["POLY-N-DENSE"]
    b.supplier_factor(world, poly, 10.0, verified=False)
    b.supplier_factor(world, poly, 11.0, valid_until=dt.date(2025, 6, 30))
    b.supplier_factor(world, poly, 12.0, gwp="AR6")  # another basis: never mixed
    b.supplier_factor(world, poly, 13.0, supplier=world.supplier_y)  # not this lot's supplier
    assert genealogy.compute([c.shipment.pk], lib)[c.shipment.pk].total_kg == pytest.approx(base)


def test_site_month_activity_changes_the_electricity_intensity(chain, world: World) -> None:
    import datetime as dt

    from qdm.carbon.models import ActivityRecord

    c, lib, _mats = chain
    month = dt.date(2026, 1, 1)
    # half the January electricity at site A is covered by certificates → market 0.25 kg/kWh
    for kind, qty, scheme in (("grid", 100, ""), ("certificates", 50, "GEC")):
        ActivityRecord.objects.create(
            site=world.site_a, month=month, kind=kind, quantity=qty, unit="MWh",
            certificate_scheme=scheme,
        )  # fmt: skip
    result = genealogy.compute([c.shipment.pk], lib)[c.shipment.pk]
    energy = SHIPMENT - genealogy_material_part()
    assert result.total_kg == pytest.approx(genealogy_material_part() + energy / 2)
    location = genealogy.compute([c.shipment.pk], lib, accounting="location")[c.shipment.pk]
    assert location.total_kg == pytest.approx(SHIPMENT)


def genealogy_material_part() -> float:
    # purchased-material share of the shipment: 0.01 × poly lot + 2 × 0.01 × glass lot
    return 0.01 * POLY_OWN + 0.02 * GLASS_OWN


def test_a_missing_factor_is_a_clear_error(chain, world: World) -> None:
    from qdm.carbon.models import EmissionFactor

    c, lib, _mats = chain
    EmissionFactor.objects.filter(library=lib, key="GLASS").delete()
    with pytest.raises(pcf.PcfError, match=r"no factor for material GLS-AR-3\.2"):
        genealogy.compute([c.shipment.pk], lib)

"""What-if: replacing a material's supplier by one with a verified factor declared in the
portal changes the model's footprint by exactly the expected amount, nothing saved; and
the supplier factors that cannot be used are refused with a clear error."""

from __future__ import annotations

import datetime as dt

import pytest

from qdm.carbon.models import ProductFootprint
from qdm.carbon.services.footprints import what_if
from qdm.data.models import Material, MaterialCategory
from qdm.quality import pcf
from tests.carbon import builders as b
from tests.personas import World

pytestmark = pytest.mark.django_db


def glass_kg() -> Material:
    cat, _ = MaterialCategory.objects.get_or_create(
        code="GLASS", defaults={"name": "GLASS", "name_en": "GLASS"}
    )
    return Material.objects.create(code="GLS-KG", name="g", name_en="g", category=cat, unit="kg")


def test_low_carbon_poly_changes_the_model_by_exactly_the_expected_amount(world: World) -> None:
    lib, model, mats = b.library(), b.module_model(), b.materials()
    sf = b.supplier_factor(world, mats["POLY-N-DENSE"], 14.5)
    data = what_if(model, world.site_a, lib, supplier_factors=[sf])
    base, new = data["base"], data["new"]
    # the MG-Si and Siemens steps (grid electricity + silicon process) are replaced by the
    # bought polysilicon: kg of poly the module needs (losses included) × 14.5 kg CO2e/kg
    expected = (
        base["per_module"] - base["by_step"]["mgsi"] - base["by_step"]["poly"]
        + base["scaling"]["poly"] * 14.5
    )  # fmt: skip
    assert new["per_module"] == pytest.approx(expected, rel=1e-12)
    assert new["by_flow"]["polysilicon"] == pytest.approx(base["scaling"]["poly"] * 14.5)
    assert base["by_flow"]["polysilicon"] == 0.0  # the same flows on both sides
    assert data["delta_per_kwp"] == pytest.approx((new["per_module"] - base["per_module"]) / 0.4)
    assert data["delta_per_kwp"] < 0
    assert data["suppliers"][0]["supplier"] == world.supplier_x.code
    assert not ProductFootprint.objects.exists()


def test_glass_supplier_changes_only_the_glass_flow(world: World) -> None:
    lib, model = b.library(), b.module_model()
    sf = b.supplier_factor(world, glass_kg(), 0.3)  # kg CO2e/kg instead of 0.542
    data = what_if(model, world.site_a, lib, supplier_factors=[sf])
    base, new = data["base"], data["new"]
    assert new["by_flow"]["glass"] == pytest.approx(base["by_flow"]["glass"] * 0.3 / 0.542)
    others = {k: v for k, v in new["by_flow"].items() if k != "glass"}
    assert others == pytest.approx({k: v for k, v in base["by_flow"].items() if k != "glass"})


def test_unusable_supplier_factors_are_refused(world: World) -> None:
    lib, model, mats = b.library(), b.module_model(), b.materials()
    cases = [
        (b.supplier_factor(world, mats["POLY-N-DENSE"], 10, verified=False), "not verified"),
        (
            b.supplier_factor(world, mats["POLY-N-DENSE"], 10, valid_until=dt.date(2025, 6, 30)),
            "not valid today",
        ),
        (b.supplier_factor(world, mats["POLY-N-DENSE"], 10, gwp="AR6"), "Bases are not mixed"),
        (b.supplier_factor(world, mats["GLS-AR-3.2"], 8, unit="kg CO2e/pcs"), "per pcs"),
        (
            b.supplier_factor(world, mats["CEL-M10-TOPCON"], 1, unit="kg CO2e/pcs"),
            "not part of the module chain",
        ),
    ]
    for sf, message in cases:
        with pytest.raises(pcf.PcfError, match=message):
            what_if(model, world.site_a, lib, supplier_factors=[sf])


def test_what_if_feed_with_a_supplier_and_scope(world: World, client_for) -> None:
    b.library()
    model, mats = b.module_model(), b.materials()
    sf = b.supplier_factor(world, mats["POLY-N-DENSE"], 14.5)
    url = f"/carbon/what-if/data/?model={model.pk}&site={world.site_a.pk}&supplier_factor="
    data = client_for("eng_a").get(url + str(sf.pk)).json()
    assert data["new"]["per_kwp"] < data["base"]["per_kwp"]
    bad = client_for("eng_a").get(url + "999999")
    assert bad.status_code == 400
    assert "no such factor in your scope" in bad.json()["error"]["message"]
    page = client_for("eng_a").get("/carbon/what-if/").content.decode()
    assert f'value="{sf.pk}"' in page
    # saving the switch stores the supplier in the inputs, reproducibly
    response = client_for("eng_a").post(
        "/carbon/what-if/save/",
        {"model": model.pk, "site": world.site_a.pk, "supplier_factor": sf.pk},
    )
    assert response.status_code == 302
    fp = ProductFootprint.objects.get()
    assert fp.inputs["supplier_factors"][0]["id"] == sf.pk
    assert fp.per_kwp_kg == pytest.approx(data["new"]["per_kwp"])

"""Stored product footprints (reproducible), the what-if feed and page, the corporate
inventory, declarations and their exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from qdm.carbon.models import ActivityRecord, CarbonDeclaration, ProductFootprint
from qdm.carbon.services import declarations
from qdm.carbon.services.factors import load_library
from qdm.carbon.services.footprints import compute_product_footprint, recompute, what_if
from qdm.carbon.services.inventory import inventory
from qdm.quality import pcf
from tests.carbon import builders as b
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_footprint_is_stored_with_its_inputs_and_recomputes_exactly(world: World) -> None:
    lib, model = b.library(), b.module_model()
    fp = compute_product_footprint(model, world.site_a, lib, actor=world.user("cqo"))
    assert fp.library == lib
    assert fp.basis == "CO2e, life-cycle, AR5"
    assert fp.inputs["grid_kg_per_kwh"] == {"electricity si": 0.5, "electricity module": 0.5}
    assert fp.inputs["area_m2"] == 2.0
    again = recompute(ProductFootprint.objects.get(pk=fp.pk))
    assert again.total_kg == fp.per_module_kg
    assert again.per_kwp == fp.per_kwp_kg
    # the same chain solved directly with pcf (pv-reference §6.5 intensities, 0.5 kg/kWh)
    direct = pcf.reference_chain(area_m2=2.0).solve(
        {"module": (1, "pcs")}, pcf.reference_factors({"electricity": 0.5}), power_kwp=0.4
    )
    assert fp.per_kwp_kg == pytest.approx(direct.per_kwp)


def test_what_if_renewable_share_halves_the_electricity_part(world: World) -> None:
    lib, model = b.library(), b.module_model()
    data = what_if(model, world.site_a, lib, renewable_share=0.5)
    base, new = data["base"], data["new"]
    electricity = base["by_flow"]["electricity si"] + base["by_flow"]["electricity module"]
    assert base["per_module"] - new["per_module"] == pytest.approx(electricity / 2)
    with pytest.raises(pcf.PcfError, match="renewable share"):
        what_if(model, world.site_a, lib, renewable_share=1.5)


def test_what_if_feed_and_save(world: World, client_for) -> None:
    b.library()
    model = b.module_model()
    client = client_for("eng_a")
    url = f"/carbon/what-if/data/?model={model.pk}&site={world.site_a.pk}&glass=5"
    data = client.get(url).json()
    assert data["new"]["by_flow"]["glass"] < data["base"]["by_flow"]["glass"]
    bad = client.get(f"/carbon/what-if/data/?model={model.pk}&site={world.site_a.pk}&glass=x")
    assert bad.status_code == 400
    assert "glass" in bad.json()["error"]["message"]
    assert client.get("/carbon/what-if/").status_code == 200
    # eng_b may look but not save; nothing is stored by a refused save
    response = client_for("eng_b").post(
        "/carbon/what-if/save/", {"model": model.pk, "site": world.site_b.pk}
    )
    assert response.status_code == 403
    assert not ProductFootprint.objects.exists()
    response = client.post(
        "/carbon/what-if/save/", {"model": model.pk, "site": world.site_a.pk, "renewable": "40"}
    )
    assert response.status_code == 302
    assert ProductFootprint.objects.get().inputs["renewable_share"] == 0.4
    # eng_a may not save for site B (out of their add scope): 404, nothing saved
    response = client.post("/carbon/what-if/save/", {"model": model.pk, "site": world.site_b.pk})
    assert response.status_code == 404
    assert ProductFootprint.objects.count() == 1


def test_inventory_scope_1_2_and_3(world: World) -> None:
    lib = b.library()
    month = dt.date(2026, 1, 1)
    rows = [
        ("grid", "electricity", 1000, "MWh", ""),
        ("certificates", "electricity", 400, "MWh", "GEC"),
        ("onsite_renewable", "electricity", 100, "MWh", ""),
        ("fuel", "natural gas", 5000, "Nm3", ""),
    ]
    for kind, key, qty, unit, scheme in rows:
        ActivityRecord.objects.create(
            site=world.site_a, month=month, kind=kind, key=key, quantity=qty, unit=unit,
            certificate_scheme=scheme,
        )  # fmt: skip
    mats = b.materials()
    b.genealogy(world, mats, b.module_model())  # a 1 000 kg poly lot and a 100-pane glass lot
    result = inventory(world.user("cqo"), load_library(lib), 2026)
    (row,) = result
    # scope 1: 5 000 Nm3 × 2.0 kg = 10 t; scope 2 location: 1 000 MWh × 0.5 = 500 t;
    # market: (1 000 − 400) MWh × 0.5 = 300 t; scope 3 cat. 1: 1 000 kg × 60 + 100 × 8 = 60.8 t
    assert row["site"] == "SA"
    assert row["scope1"] == pytest.approx(10.0)
    assert row["scope2_location"] == pytest.approx(500.0)
    assert row["scope2_market"] == pytest.approx(300.0)
    assert row["scope3_cat1"] == pytest.approx(60.8)
    assert row["mwh"] == pytest.approx(1100.0)
    # two 400 W modules made at SA in January 2026: 0.0008 MW; (10 + 300) t / 0.0008 MW
    assert row["mw"] == pytest.approx(0.0008)
    assert row["t_per_mw"] == pytest.approx(310 / 0.0008)
    # eng_b sees none of site A's activity
    assert all(r["site"] != "SA" for r in inventory(world.user("eng_b"), load_library(lib), 2026))


def test_declaration_and_exports(world: World, client_for) -> None:
    lib = b.library()
    chain = b.genealogy(world, b.materials(), b.module_model())
    client = client_for("eng_a")
    response = client.post("/carbon/declare/", {"unit": chain.shipment.pk})
    assert response.status_code == 302
    decl = CarbonDeclaration.objects.get()
    assert decl.modules == 2
    assert decl.library == lib
    assert decl.data_quality == "secondary"
    for lang in ("en", "zh-hans"):
        r = client.get(f"/carbon/carbon-declarations/{decl.pk}/export.xlsx?lang={lang}")
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.content)).active
        values = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
        label = "Shipment" if lang == "en" else "出货单"
        assert values[label] == "CNT-1"
        assert f"{decl.per_module_kg:,.1f}" in values.values()
        r = client.get(f"/carbon/carbon-declarations/{decl.pk}/export.pdf?lang={lang}")
        assert r.status_code == 200
        assert r.content.startswith(b"%PDF")
    assert b"STSong-Light" in declarations.declaration_pdf(decl, "zh-hans")
    french = client.get(f"/carbon/carbon-declarations/{decl.pk}/export.pdf?lang=fr")
    assert french.status_code == 404
    # site B's engineer cannot see or export it
    assert client_for("eng_b").get(decl.get_absolute_url()).status_code == 404
    url = f"/carbon/carbon-declarations/{decl.pk}/export.pdf"
    assert client_for("eng_b").get(url).status_code == 404
    # a module is not declared
    response = client.post("/carbon/declare/", {"unit": chain.modules[0].pk})
    assert CarbonDeclaration.objects.count() == 1


def test_declaring_outside_the_add_scope_saves_nothing(world: World, client_for) -> None:
    from django.contrib.auth.models import Group

    from qdm.core.models import Grant

    b.library()
    chain = b.genealogy(world, b.materials(), b.module_model())  # everything at site A
    # eng_b: carbon analyst at site B, and may view site A's units as a quality engineer there
    for role, site in (("carbon_analyst", world.site_b), ("quality_engineer", world.site_a)):
        Grant.objects.create(user=world.user("eng_b"), role=Group.objects.get(name=role), site=site)
    response = client_for("eng_b").post("/carbon/declare/", {"unit": chain.shipment.pk})
    assert response.status_code == 404
    assert not CarbonDeclaration.objects.exists()


def test_pages_render_for_a_carbon_analyst(world: World, client_for) -> None:
    lib = b.library()
    model = b.module_model()
    fp = compute_product_footprint(model, world.site_a, lib, actor=world.user("eng_a"))
    ActivityRecord.objects.create(
        site=world.site_a, month=dt.date(2026, 2, 1), kind="grid", quantity=10, unit="MWh"
    )
    client = client_for("eng_a")
    for url in (
        "/carbon/",
        "/carbon/inventory/?year=2026",
        "/carbon/activity-records/import/",
        fp.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/carbon/inventory/?year=2026").content.decode()
    assert "5.0" in page  # 10 MWh × 0.5 kg/kWh = 5 t CO2e, location- and market-based
    assert "Breakdown by step" in client.get(fp.get_absolute_url()).content.decode()
    assert client.get("/carbon/inventory/?year=abc").status_code == 404
    assert client_for("supplier_x").get("/carbon/inventory/").status_code == 403

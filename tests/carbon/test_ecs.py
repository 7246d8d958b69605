"""ECS tables loaded by the CLI (CSV and XLSX, validated, immutable versions), ECS results
stored as footprints beside the ISO 14067 result (model footprint page, shipment
declaration and its exports), recomputed exactly, and scoping.

The table is illustrative (mechanism only): the official per-country coefficients of the
CRE specifications were not found in public sources (pv-reference §6.2 "Gap"; see
tests/quality/test_pcf_ecs.py for the documents), so nothing official is seeded.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from qdm.carbon.models import EcsTableVersion, FactorLibrary, ProductFootprint
from qdm.carbon.services import declarations, ecs
from qdm.carbon.services.footprints import compute_product_footprint
from tests.carbon import builders as b
from tests.personas import World

pytestmark = pytest.mark.django_db

CSV = """component,unit,country,gwp,loss
polysilicon,kg,CN,100,1.2
polysilicon,kg,*,50,1.2
cell,pcs,*,0.5,
module,m2,CN,20,
module,m2,*,10,
"""


def load(tmp_path, text: str = CSV, version: str = "TEST-1", *extra: str) -> EcsTableVersion:
    path = tmp_path / "ecs.csv"
    path.write_text(text, encoding="utf-8")
    call_command(
        "carbon", "ecs-table", "load", str(path), "--version", version, "--rounding-step", "10",
        "--rounding-mode", "nearest", "--threshold", "PPE2_V2 building=740",
        "--source", "illustrative test table", *extra, stdout=io.StringIO(),
    )  # fmt: skip
    return EcsTableVersion.objects.get(version=version)


def test_cli_loads_a_csv_as_a_versioned_regulator_library(tmp_path) -> None:
    tv = load(tmp_path)
    assert tv.library.code == "ECS" and tv.library.kind == "regulator"
    assert tv.library.version == "TEST-1"
    assert not tv.official
    table = tv.as_table()
    assert table.gwp[("polysilicon", "CN")] == 100
    assert table.losses["polysilicon"] == 1.2
    assert table.thresholds == {"PPE2_V2 building": 740}
    assert len(tv.file_sha256) == 64
    # a version never changes
    with pytest.raises(CommandError, match="exists already"):
        load(tmp_path, CSV.replace("100", "90"))
    assert (
        EcsTableVersion.objects.get(version="TEST-1").as_table().gwp[("polysilicon", "CN")] == 100
    )


def test_cli_loads_xlsx_and_semicolon_csv(tmp_path) -> None:
    wb = Workbook()
    for row in [line.split(",") for line in CSV.strip().splitlines()]:
        wb.active.append([float(c) if c.replace(".", "").isdigit() else c for c in row])
    path = tmp_path / "ecs.xlsx"
    wb.save(path)
    call_command("carbon", "ecs-table", "load", str(path), "--version", "X-1",
                 stdout=io.StringIO())  # fmt: skip
    assert EcsTableVersion.objects.get(version="X-1").as_table().gwp[("module", "*")] == 10
    load(tmp_path, CSV.replace(",", ";"), "S-1")
    assert EcsTableVersion.objects.get(version="S-1").as_table().units["cell"] == "pcs"


def test_cli_bad_files_name_the_problem_and_load_nothing(tmp_path) -> None:
    with pytest.raises(CommandError, match=r"Row 3, gwp: 'abc' is not a number"):
        load(tmp_path, CSV.replace("50,1.2", "abc,1.2"))
    with pytest.raises(CommandError, match="--version"):
        call_command("carbon", "ecs-table", "load", str(tmp_path / "ecs.csv"))
    with pytest.raises(CommandError, match="no such file"):
        call_command("carbon", "ecs-table", "load", "/nonexistent.csv", "--version", "Z")
    bad = tmp_path / "t.txt"
    bad.write_text("x")
    with pytest.raises(CommandError, match=r"give a \.csv or \.xlsx"):
        call_command("carbon", "ecs-table", "load", str(bad), "--version", "Z")
    with pytest.raises(CommandError, match="NAME=VALUE"):
        load(tmp_path, CSV, "Z", "--threshold", "550")
    assert not EcsTableVersion.objects.exists()
    assert not FactorLibrary.objects.filter(code="ECS").exists()


def test_ecs_footprint_is_stored_beside_iso_and_recomputes(tmp_path, world: World) -> None:
    tv = load(tmp_path)
    model = b.module_model()  # 2.0 m², 400 W, 72 cells
    fp = ecs.compute_ecs_footprint(model, world.site_a, tv, actor=world.user("cqo"))
    # Q: Si 0.366 × 2 / 0.4 = 1.83 kg/kWc; 72 / 0.4 = 180 cells; 2 / 0.4 = 5 m²
    # G = 100 × 1.83 × 1.2 + 0.5 × 180 + 20 × 5 (module at site A, CN) = 219.6 + 90 + 100
    assert fp.breakdown["exact"] == pytest.approx(409.6)
    assert fp.per_kwp_kg == 410  # nearest 10
    assert fp.per_module_kg == pytest.approx(410 * 0.4)
    assert fp.method == "ecs" and fp.method_version == "TEST-1" and fp.library == tv.library
    assert fp.inputs["origins"]["module"] == {"CN": 1.0}
    assert fp.breakdown["thresholds"] == {"PPE2_V2 building": [740, True]}
    assert ecs.recompute(ProductFootprint.objects.get(pk=fp.pk)).exact == fp.breakdown["exact"]
    assert ecs.ecs_inputs(model, world.site_a, tv, origins={"module": {"FR": 1.0}})["origins"][
        "module"
    ] == {"FR": 1.0}


def test_detail_pages_show_both_methods(tmp_path, world: World, client_for) -> None:
    tv = load(tmp_path)
    lib, model = b.library(), b.module_model()
    cqo = world.user("cqo")
    iso = compute_product_footprint(model, world.site_a, lib, actor=cqo)
    ecs_fp = ecs.compute_ecs_footprint(model, world.site_a, tv, actor=cqo)
    client = client_for("eng_a")
    for fp in (iso, ecs_fp):
        page = client.get(fp.get_absolute_url()).content.decode()
        assert "ISO 14067 and French ECS side by side" in page
        assert f"{iso.per_kwp_kg:.1f}" in page and ">410<" in page
        assert "not an official table" in page
    page = client.get(tv.get_absolute_url()).content.decode()
    assert "polysilicon" in page and "PPE2_V2 building" in page


def test_declaration_carries_the_ecs_of_the_shipped_model(tmp_path, world: World) -> None:
    tv = load(tmp_path)
    mats = b.materials()
    model = b.module_model()
    chain = b.genealogy(world, mats, model)
    lib = b.library()
    cqo = world.user("cqo")
    decl = declarations.declare(chain.shipment, lib, actor=cqo)
    assert decl.breakdown["ecs"] is None  # no ECS footprint of the model yet
    assert (
        "not evaluated"
        in dict(declarations.rows(decl))["French simplified carbon evaluation (ECS)"]
    )
    ecs.compute_ecs_footprint(model, world.site_a, tv, actor=cqo)
    decl = declarations.declare(chain.shipment, lib, actor=cqo)
    assert decl.breakdown["ecs"]["per_kwp"] == 410
    assert decl.breakdown["ecs"]["models"][0]["modules"] == 2
    ws = load_workbook(io.BytesIO(declarations.declaration_xlsx(decl))).active
    values = {r[0]: r[1] for r in ws.iter_rows(values_only=True)}
    assert values["French simplified carbon evaluation (ECS)"].startswith("410 kg CO₂eq/kWc")
    assert declarations.declaration_pdf(decl, "zh-hans").startswith(b"%PDF")


def test_ecs_compute_page_and_scope(tmp_path, world: World, client_for) -> None:
    tv = load(tmp_path)
    model = b.module_model()
    eng_a = client_for("eng_a")  # carbon analyst at site A
    response = eng_a.post(
        "/carbon/ecs/compute/", {"table": tv.pk, "model": model.pk, "site": world.site_b.pk}
    )
    assert response.status_code == 404  # site B is outside eng_a's add scope
    assert not ProductFootprint.objects.exists()
    response = client_for("eng_b").post(
        "/carbon/ecs/compute/", {"table": tv.pk, "model": model.pk, "site": world.site_b.pk}
    )
    assert response.status_code == 403  # view-only on carbon
    assert not ProductFootprint.objects.exists()
    response = eng_a.post(
        "/carbon/ecs/compute/", {"table": tv.pk, "model": model.pk, "site": world.site_a.pk}
    )
    fp = ProductFootprint.objects.get()
    assert response.status_code == 302 and response["Location"] == fp.get_absolute_url()
    assert fp.method == "ecs"
    # API: read-only list of tables
    assert client_for("eng_a").get("/api/v1/carbon/ecs-tables/").json()["count"] == 1


def test_external_users_do_not_see_ecs_tables(tmp_path, world: World, api_for, client_for) -> None:
    tv = load(tmp_path)
    assert api_for("supplier_x").get("/api/v1/carbon/ecs-tables/").status_code == 403
    assert client_for("supplier_x").get(tv.get_absolute_url()).status_code in (403, 404)
    rows = api_for("eng_b").get("/api/v1/carbon/ecs-tables/").json()["results"]
    assert [r["version"] for r in rows] == ["TEST-1"]
    # read-only: nothing can be written through the API
    response = api_for("cqo").post("/api/v1/carbon/ecs-tables/", {"version": "X"}, format="json")
    assert response.status_code == 405
    assert EcsTableVersion.objects.count() == 1


def test_model_carbon_page_lists_both_methods_per_base(tmp_path, world: World, client_for) -> None:
    tv = load(tmp_path)
    lib, model = b.library(), b.module_model()
    cqo = world.user("cqo")
    iso = compute_product_footprint(model, world.site_a, lib, actor=cqo)
    ecs.compute_ecs_footprint(model, world.site_a, tv, actor=cqo)
    hidden = compute_product_footprint(model, world.site_b, lib, actor=cqo)
    page = client_for("eng_a").get(f"/carbon/models/{model.pk}/").content.decode()
    assert f"{iso.per_kwp_kg:.1f}" in page and ">410<" in page and "TEST-1" in page
    assert hidden.get_absolute_url() not in page  # site B is outside eng_a's view scope
    assert client_for("eng_a").get("/carbon/models/999999/").status_code == 404

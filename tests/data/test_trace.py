"""Traceability both ways on a hand-built genealogy: exact upstream sets with depths, exact
forward counts, module lists, pallets, shipments and customers; flash/EL/process attached
to a backward trace; unknown codes; scoping (site and supplier users); the CLI.

The genealogy (site A unless marked B; arrows read "consumed by")::

    P1 → I1 → W1 → C1 ─┬→ M1 ←─ C2 ← W1        G1 (glass, supplier X, lot X-2401)
                       └→ M2                    E1 (EVA, supplier Y, lot Y-77)
               W1 → C2 → M1, M3                 M1 ← G1, E1;  M2 ← G1, E1;  M3 ← G1
               W1 → C3(B) → M4(B) ← G2(B, glass, supplier X)
    M1, M2 → PL1;  M3 → PL2;  M4 → PL3(B)
    PL1, PL2 → S1 (customer C, "Solar Park North");  PL3 → S2(B) (customer C, "Agri PV")
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from qdm.core.models import Line
from qdm.data.models import (
    Characteristic,
    ElResult,
    FlashTest,
    Material,
    MaterialCategory,
    Measurement,
    Unit,
    UnitLink,
)
from qdm.data.trace import queries, service
from tests.personas import World

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

LINKS = [
    ("P1", "I1"),
    ("I1", "W1"),
    ("W1", "C1"),
    ("W1", "C2"),
    ("W1", "C3"),
    ("C1", "M1"),
    ("C2", "M1"),
    ("G1", "M1"),
    ("E1", "M1"),
    ("C1", "M2"),
    ("G1", "M2"),
    ("E1", "M2"),
    ("C2", "M3"),
    ("G1", "M3"),
    ("C3", "M4"),
    ("G2", "M4"),
    ("M1", "PL1"),
    ("M2", "PL1"),
    ("M3", "PL2"),
    ("M4", "PL3"),
    ("PL1", "S1"),
    ("PL2", "S1"),
    ("PL3", "S2"),
]


def build_genealogy(world: World) -> dict[str, Unit]:
    """The genealogy of the module docstring, written with bulk_create like ingestion."""
    glass_cat = MaterialCategory.objects.create(code="GLASS", name="玻璃", name_en="Glass")
    eva_cat = MaterialCategory.objects.create(code="EVA", name="胶膜", name_en="Encapsulant")
    glass = Material.objects.create(
        code="GL-32", name="3.2毫米玻璃", name_en="Glass 3.2 mm", category=glass_cat
    )
    eva = Material.objects.create(
        code="EVA-1", name="EVA胶膜", name_en="EVA film", category=eva_cat
    )
    a, b, la, lb = world.site_a, world.site_b, world.line_a, world.line_b
    x, y, c = world.supplier_x, world.supplier_y, world.customer_c
    spec: dict[str, dict[str, Any]] = {
        "P1": {"kind": "poly_lot", "site": a, "produced_at": T0 - timedelta(days=20)},
        "I1": {"kind": "ingot", "site": a, "produced_at": T0 - timedelta(days=15)},
        "W1": {"kind": "wafer_lot", "site": a, "produced_at": T0 - timedelta(days=10)},
        "C1": {"kind": "cell_lot", "site": a, "efficiency_bin": "24.6"},
        "C2": {"kind": "cell_lot", "site": a, "efficiency_bin": "24.8"},
        "C3": {"kind": "cell_lot", "site": b, "efficiency_bin": "24.6"},
        "G1": {
            "kind": "material_lot",
            "site": a,
            "material": glass,
            "supplier": x,
            "supplier_lot": "X-2401",
        },
        "G2": {
            "kind": "material_lot",
            "site": b,
            "material": glass,
            "supplier": x,
            "supplier_lot": "X-2402",
        },
        "E1": {
            "kind": "material_lot",
            "site": a,
            "material": eva,
            "supplier": y,
            "supplier_lot": "Y-77",
        },
        "M1": {"kind": "module", "site": a, "line": la, "produced_at": T0},
        "M2": {"kind": "module", "site": a, "line": la, "produced_at": T0 + timedelta(hours=1)},
        "M3": {"kind": "module", "site": a, "line": la, "produced_at": T0 + timedelta(hours=2)},
        "M4": {"kind": "module", "site": b, "line": lb, "produced_at": T0},
        "PL1": {"kind": "pallet", "site": a},
        "PL2": {"kind": "pallet", "site": a},
        "PL3": {"kind": "pallet", "site": b},
        "S1": {"kind": "shipment", "site": a, "customer": c, "project": "Solar Park North"},
        "S2": {"kind": "shipment", "site": b, "customer": c, "project": "Agri PV"},
    }
    Unit.objects.bulk_create(Unit(code=code, **fields) for code, fields in spec.items())
    units = {u.code: u for u in Unit.objects.all()}
    UnitLink.objects.bulk_create(
        UnitLink(parent=units[p], child=units[ch], quantity=1.0) for p, ch in LINKS
    )
    return units


@pytest.fixture
def units(world: World) -> dict[str, Unit]:
    return build_genealogy(world)


def upstream_of(body: dict[str, Any]) -> set[tuple[Any, str, int]]:
    return {(row["code"], row["kind"], row["depth"]) for row in body["upstream"]}


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


# --- the query layer --------------------------------------------------------------------


def test_walks_both_ways_with_smallest_depths(units: dict[str, Unit]) -> None:
    back = queries.walk(units["M1"].pk, "backward")
    assert [(r.code, r.depth) for r in back] == [
        ("C1", 1),
        ("C2", 1),
        ("E1", 1),
        ("G1", 1),
        ("W1", 2),
        ("I1", 3),
        ("P1", 4),
    ]
    forward = {r.code: r.depth for r in queries.walk(units["W1"].pk, "forward")}
    assert forward == {
        "C1": 1,
        "C2": 1,
        "C3": 1,
        "M1": 2,
        "M2": 2,
        "M3": 2,
        "M4": 2,
        "PL1": 3,
        "PL2": 3,
        "PL3": 3,
        "S1": 4,
        "S2": 4,
    }
    edges = queries.edges(units["M1"].pk, "backward")
    codes = {u.pk: code for code, u in units.items()}
    assert {(codes[p], codes[c]) for p, c in edges} == {
        ("C1", "M1"),
        ("C2", "M1"),
        ("G1", "M1"),
        ("E1", "M1"),
        ("W1", "C1"),
        ("W1", "C2"),
        ("I1", "W1"),
        ("P1", "I1"),
    }


def test_a_cycle_ends_at_the_depth_limit_and_lists_each_unit_once(
    units: dict[str, Unit],
) -> None:
    # bad data: S1 → P1 closes a loop through the whole chain
    UnitLink.objects.create(parent=units["S1"], child=units["P1"])
    forward = queries.walk(units["P1"].pk, "forward", max_depth=50)
    codes = [r.code for r in forward]
    assert len(codes) == len(set(codes))
    assert "P1" not in codes
    assert {"I1", "W1", "M1", "M4", "S1", "S2"} <= set(codes)
    back = queries.walk(units["M1"].pk, "backward", max_depth=50)
    assert {r.code for r in back} >= {"S1", "PL1", "PL2", "M2", "M3", "P1"}


# --- backward ---------------------------------------------------------------------------


def test_backward_trace_lists_every_upstream_unit_with_details(
    world: World, units: dict[str, Unit], api_for
) -> None:
    response = api_for("cqo").get("/api/v1/data/trace/backward/M1/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["serial"] == "M1"
    assert upstream_of(body) == {
        ("C1", "cell_lot", 1),
        ("C2", "cell_lot", 1),
        ("G1", "material_lot", 1),
        ("E1", "material_lot", 1),
        ("W1", "wafer_lot", 2),
        ("I1", "ingot", 3),
        ("P1", "poly_lot", 4),
    }
    glass = next(row for row in body["upstream"] if row["code"] == "G1")
    assert glass["material"] == "GL-32"
    assert glass["supplier"] == "SUP-X"
    assert glass["supplier_lot"] == "X-2401"
    assert glass["site"] == "SA"
    wafer = next(row for row in body["upstream"] if row["code"] == "W1")
    assert wafer["produced_at"] == (T0 - timedelta(days=10)).isoformat()
    assert body["restricted"] == {}
    assert body["flash"] is None and body["el"] is None and body["process"] == []
    # a module made of two cell lots from one wafer lot: the wafer lot is listed once
    m2 = api_for("cqo").get("/api/v1/data/trace/backward/M2/").json()
    assert upstream_of(m2) == {
        ("C1", "cell_lot", 1),
        ("G1", "material_lot", 1),
        ("E1", "material_lot", 1),
        ("W1", "wafer_lot", 2),
        ("I1", "ingot", 3),
        ("P1", "poly_lot", 4),
    }


def test_backward_trace_attaches_flash_el_and_process_of_the_window(
    world: World, units: dict[str, Unit], api_for
) -> None:
    a, la = world.site_a, world.line_a
    iv = {
        "irradiance_wm2": 1000,
        "module_temp_c": 25,
        "voc_v": 52.0,
        "isc_a": 14.0,
        "vmp_v": 43.5,
        "ff_pct": 79.0,
    }
    FlashTest.objects.bulk_create(
        [
            FlashTest(
                serial="M1",
                tested_at=T0 + timedelta(minutes=30),
                site=a,
                line=la,
                pmax_w=580.0,
                imp_a=580 / 43.5,
                **iv,
            ),
            FlashTest(
                serial="M1",
                tested_at=T0 + timedelta(hours=5),
                site=a,
                line=la,
                pmax_w=575.5,
                imp_a=575.5 / 43.5,
                **iv,
            ),
            FlashTest(
                serial="M2",
                tested_at=T0 + timedelta(hours=9),
                site=a,
                line=la,
                pmax_w=590.0,
                imp_a=590 / 43.5,
                **iv,
            ),
        ]
    )
    ElResult.objects.bulk_create(
        [
            ElResult(
                serial="M1",
                tested_at=T0 - timedelta(minutes=20),
                stage="EL1",
                grade="A",
                site=a,
                line=la,
            ),
            ElResult(
                serial="M1",
                tested_at=T0 + timedelta(minutes=40),
                stage="EL2",
                grade="B",
                site=a,
                line=la,
                defects=[{"code": "CRK-B", "cell": "C12"}],
            ),
        ]
    )
    lam = Characteristic.objects.create(
        code="LAM-TEMP",
        name="层压温度",
        name_en="Lamination temperature",
        kind="process",
        stage="module",
        unit="°C",
    )
    other_line = Line.objects.create(
        code="SA-M02", name="甲2线", name_en="A line 2", workshop=world.workshop_a
    )
    Measurement.objects.bulk_create(
        [
            Measurement(
                characteristic=lam,
                subject="SA-M01-LAM",
                value=145.2,
                site=a,
                line=la,
                measured_at=T0 - timedelta(hours=1, minutes=30),
            ),
            Measurement(
                characteristic=lam,
                subject="SA-M01-LAM",
                value=146.0,
                site=a,
                line=la,
                measured_at=T0 + timedelta(hours=2),
            ),
            Measurement(
                characteristic=lam,
                subject="SA-M01-LAM",
                value=150.0,
                site=a,
                line=la,
                measured_at=T0 + timedelta(hours=2, minutes=1),
            ),  # outside the window
            Measurement(
                characteristic=lam,
                subject="SA-M01-LAM",
                value=140.0,
                site=a,
                line=la,
                measured_at=T0 - timedelta(hours=3),
            ),  # outside the window
            Measurement(
                characteristic=lam,
                subject="SA-M02-LAM",
                value=139.0,
                site=a,
                line=other_line,
                measured_at=T0,
            ),  # another line
        ]
    )
    body = api_for("eng_a").get("/api/v1/data/trace/backward/M1/").json()
    assert body["flash"]["pmax_w"] == 575.5  # the latest of two
    assert body["flash"]["tested_at"] == (T0 + timedelta(hours=5)).isoformat()
    assert body["flash"]["line"] == "SA-M01"
    assert body["el"]["stage"] == "EL2" and body["el"]["grade"] == "B"
    assert body["el"]["defects"] == [{"code": "CRK-B", "cell": "C12"}]
    assert body["process_window_hours"] == 2
    assert [(m["characteristic"], m["value"]) for m in body["process"]] == [
        ("LAM-TEMP", 145.2),
        ("LAM-TEMP", 146.0),
    ]
    assert body["process"][0]["unit"] == "°C"
    # a site-B engineer cannot trace the module at all
    assert api_for("eng_b").get("/api/v1/data/trace/backward/M1/").status_code == 404


# --- forward ----------------------------------------------------------------------------


def test_forward_trace_counts_and_lists_every_downstream_unit(
    world: World, units: dict[str, Unit], api_for
) -> None:
    body = api_for("cqo").get("/api/v1/data/trace/forward/W1/").json()
    assert body["code"] == "W1" and body["kind"] == "wafer_lot"
    assert body["counts"] == {"cell_lot": 3, "module": 4, "pallet": 3, "shipment": 2}
    assert body["modules"] == ["M1", "M2", "M3", "M4"]
    assert body["modules_total"] == 4
    assert body["pallets"] == ["PL1", "PL2", "PL3"]
    assert [s["code"] for s in body["shipments"]] == ["S1", "S2"]
    assert body["shipments"][0]["customer"] == "CUS-C"
    assert body["shipments"][0]["project"] == "Solar Park North"
    assert body["customers"] == [
        {"code": "CUS-C", "name": "Customer C", "projects": ["Agri PV", "Solar Park North"]}
    ]
    assert body["restricted"] == {}
    poly = api_for("cqo").get("/api/v1/data/trace/forward/P1/").json()
    assert poly["counts"] == {
        "ingot": 1,
        "wafer_lot": 1,
        "cell_lot": 3,
        "module": 4,
        "pallet": 3,
        "shipment": 2,
    }
    glass = api_for("cqo").get("/api/v1/data/trace/forward/G1/").json()
    assert glass["counts"] == {"module": 3, "pallet": 2, "shipment": 1}
    assert glass["modules"] == ["M1", "M2", "M3"]
    assert glass["pallets"] == ["PL1", "PL2"]
    assert glass["customers"] == [
        {"code": "CUS-C", "name": "Customer C", "projects": ["Solar Park North"]}
    ]
    # from a module: its pallet and shipment; from a shipment: nothing downstream
    module = api_for("cqo").get("/api/v1/data/trace/forward/M3/").json()
    assert module["counts"] == {"pallet": 1, "shipment": 1}
    assert module["modules"] == []
    end = api_for("cqo").get("/api/v1/data/trace/forward/S1/").json()
    assert end["counts"] == {} and end["customers"] == []


def test_forward_modules_are_paged_and_counts_stay_exact(
    world: World, units: dict[str, Unit], api_for
) -> None:
    body = api_for("cqo").get("/api/v1/data/trace/forward/W1/?limit=2&offset=1").json()
    assert body["modules"] == ["M2", "M3"]
    assert (body["limit"], body["offset"], body["modules_total"]) == (2, 1, 4)
    assert body["counts"]["module"] == 4
    for query in ("limit=0", "limit=abc", "offset=-1", "limit=1001"):
        response = api_for("cqo").get(f"/api/v1/data/trace/forward/W1/?{query}")
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "invalid"
        assert set(error["fields"]) == {query.split("=")[0]}


# --- unknown codes and scoping ----------------------------------------------------------


@pytest.mark.parametrize("direction", ["backward", "forward"])
def test_unknown_code_is_404_naming_it(world: World, units, api_for, direction: str) -> None:
    response = api_for("cqo").get(f"/api/v1/data/trace/{direction}/NO-SUCH-42/")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert "NO-SUCH-42" in error["message"]
    assert error["fields"] == {}


def test_anonymous_and_unprivileged_users_are_refused(world: World, units, api_for) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/data/trace/backward/M1/").status_code == 401
    response = api_for("outsider").get("/api/v1/data/trace/backward/M1/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_site_b_engineer_cannot_trace_a_site_a_module(world: World, units, api_for) -> None:
    client = api_for("eng_b")
    unknown = error_of(client.get("/api/v1/data/trace/backward/NOPE/"))["message"]
    for direction, code in (
        ("backward", "M1"),
        ("forward", "M1"),
        ("forward", "W1"),
        ("forward", "G1"),
    ):
        response = client.get(f"/api/v1/data/trace/{direction}/{code}/")
        assert response.status_code == 404, code
        # the same answer as for a code that does not exist: nothing is revealed
        assert error_of(response)["message"].replace(code, "NOPE") == unknown
    assert api_for("eng_a").get("/api/v1/data/trace/backward/M4/").status_code == 404


def test_units_outside_the_scope_are_counted_but_not_named(world: World, units, api_for) -> None:
    # site B's module was made from a site-A wafer lot: eng_b sees the chain anonymously
    body = api_for("eng_b").get("/api/v1/data/trace/backward/M4/").json()
    assert upstream_of(body) == {
        ("C3", "cell_lot", 1),
        ("G2", "material_lot", 1),
        (None, "wafer_lot", 2),
        (None, "ingot", 3),
        (None, "poly_lot", 4),
    }
    hidden = [row for row in body["upstream"] if row["restricted"]]
    assert all(row["site"] is None and row["produced_at"] is None for row in hidden)
    assert body["restricted"] == {"poly_lot": 1, "ingot": 1, "wafer_lot": 1}
    # eng_a forward-traces the wafer lot: site B's branch is counted, not listed
    forward = api_for("eng_a").get("/api/v1/data/trace/forward/W1/").json()
    assert forward["counts"] == {"cell_lot": 3, "module": 4, "pallet": 3, "shipment": 2}
    assert forward["restricted"] == {"cell_lot": 1, "module": 1, "pallet": 1, "shipment": 1}
    assert forward["modules"] == ["M1", "M2", "M3"]
    assert forward["modules_total"] == 3
    assert forward["pallets"] == ["PL1", "PL2"]
    assert [s["code"] for s in forward["shipments"]] == ["S1"]
    assert forward["customers"] == [
        {"code": "CUS-C", "name": "Customer C", "projects": ["Solar Park North"]}
    ]


def test_supplier_user_forward_traces_own_lots_as_counts_only(world: World, units, api_for) -> None:
    supplier = api_for("supplier_x")
    body = supplier.get("/api/v1/data/trace/forward/G1/").json()
    assert body["counts"] == {"module": 3, "pallet": 2, "shipment": 1}
    assert body["modules"] == [] and body["modules_total"] == 0
    assert body["pallets"] == [] and body["shipments"] == [] and body["customers"] == []
    assert body["restricted"] == {"module": 3, "pallet": 2, "shipment": 1}
    assert "CUS-C" not in json.dumps(body) and "Solar" not in json.dumps(body)
    # another supplier's lot, a module, a wafer lot: not found
    for url in ("forward/E1/", "backward/M1/", "forward/W1/"):
        assert supplier.get(f"/api/v1/data/trace/{url}").status_code == 404, url
    # backward from the own lot: nothing upstream, no test data
    own = supplier.get("/api/v1/data/trace/backward/G1/").json()
    assert own["upstream"] == [] and own["flash"] is None and own["process"] == []


# --- the command line -------------------------------------------------------------------


def run_trace(*args: str) -> str:
    out = StringIO()
    call_command("trace", *args, stdout=out)
    return out.getvalue()


def test_cli_json_matches_the_api(world: World, units, api_for) -> None:
    backward = json.loads(run_trace("backward", "M1", "--json"))
    assert backward == api_for("cqo").get("/api/v1/data/trace/backward/M1/").json()
    forward = json.loads(run_trace("forward", "W1", "--json", "--limit", "3", "--offset", "1"))
    assert forward["modules"] == ["M2", "M3", "M4"]
    assert forward["counts"] == {"cell_lot": 3, "module": 4, "pallet": 3, "shipment": 2}
    scoped = json.loads(run_trace("forward", "W1", "--json", "--user", "eng_a"))
    assert scoped["modules"] == ["M1", "M2", "M3"]


def test_cli_text_output(world: World, units) -> None:
    text = run_trace("backward", "M1")
    assert "G1" in text and "X-2401" in text and "P1" in text
    text = run_trace("forward", "G1")
    assert "M1" in text and "PL2" in text and "Solar Park North" in text


def test_cli_unknown_code_exits_1_naming_it(world: World, units) -> None:
    for direction in ("backward", "forward"):
        with pytest.raises(CommandError) as info:
            run_trace(direction, "NO-SUCH-42")
        assert info.value.returncode == 1
        assert "NO-SUCH-42" in str(info.value)
    with pytest.raises(CommandError) as info:
        run_trace("backward", "M1", "--user", "eng_b")
    assert info.value.returncode == 1


def test_service_without_user_sees_everything(world: World, units) -> None:
    trace = service.forward("W1")
    assert trace.payload["modules"] == ["M1", "M2", "M3", "M4"]
    with pytest.raises(service.UnitNotFound):
        service.backward("")

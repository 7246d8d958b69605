"""The trace page: form, graph data in a json_script block, the units table, paging, the
XLSX export, unknown codes and scoping."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from qdm.data.trace import service
from tests.data.test_trace import build_genealogy
from tests.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(world: World) -> dict[str, Any]:
    return build_genealogy(world)


def graph_of(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script id="trace-graph-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "no graph data block"
    return json.loads(match.group(1))


def test_empty_page_shows_the_form(world: World, client_for) -> None:
    response = client_for("eng_a").get("/data/trace/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="code"' in html and 'name="direction"' in html
    assert "qdm/trace.js" in html
    assert "<script>" not in html  # CSP: no inline script


def test_backward_page_draws_the_genealogy(world: World, units, client_for) -> None:
    response = client_for("eng_a").get("/data/trace/?code=M1&direction=backward")
    assert response.status_code == 200
    html = response.content.decode()
    graph = graph_of(html)
    assert graph["direction"] == "backward"
    names = {node["name"]: node for node in graph["nodes"]}
    assert set(names) == {"M1", "C1", "C2", "G1", "E1", "W1", "I1", "P1"}
    assert names["M1"]["start"] is True
    assert names["P1"]["depth"] == 4 and names["P1"]["kind"] == "poly_lot"
    assert ["Supplier lot", "X-2401"] in names["G1"]["details"]
    by_id = {node["id"]: node["name"] for node in graph["nodes"]}
    links = {(by_id[link["source"]], by_id[link["target"]]) for link in graph["links"]}
    assert links == {
        ("C1", "M1"),
        ("C2", "M1"),
        ("G1", "M1"),
        ("E1", "M1"),
        ("W1", "C1"),
        ("W1", "C2"),
        ("I1", "W1"),
        ("P1", "I1"),
    }
    assert len(graph["categories"]) == 8
    # the table lists every upstream unit, linked to re-trace from it
    table = html[html.index('data-testid="trace-table"') :]
    for code in ("C1", "C2", "G1", "E1", "W1", "I1", "P1"):
        assert f"?code={code}&amp;direction=backward" in table
    assert "X-2401" in table
    assert 'data-testid="trace-flash"' in html and 'data-testid="trace-process"' in html


def test_forward_page_shows_counts_customers_and_pages(world: World, units, client_for) -> None:
    html = client_for("cqo").get("/data/trace/?code=W1&direction=forward").content.decode()
    graph = graph_of(html)
    assert {n["name"] for n in graph["nodes"]} >= {"W1", "C1", "M4", "PL3", "S2"}
    counts = html[html.index('data-testid="trace-counts"') :]
    assert "Module" in counts and ">4<" in counts.replace(" ", "")
    assert "Solar Park North" in html and "Agri PV" in html
    assert "Modules 1–4 of 4" in html


def test_large_kinds_become_one_aggregate_node(
    world: World, units, client_for, monkeypatch
) -> None:
    monkeypatch.setattr(service, "GRAPH_MAX_PER_KIND", 2)
    html = client_for("cqo").get("/data/trace/?code=W1&direction=forward").content.decode()
    graph = graph_of(html)
    aggregates = {n["kind"]: n["count"] for n in graph["nodes"] if "count" in n}
    assert aggregates == {"cell_lot": 3, "module": 4, "pallet": 3}
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    links = {(names[x["source"]], names[x["target"]]) for x in graph["links"]}
    assert ("W1", "Cell lot × 3") in links
    assert ("Module × 4", "Pallet × 3") in links
    assert ("Pallet × 3", "S1") in links and ("Pallet × 3", "S2") in links


def test_outside_scope_units_are_anonymous_nodes(world: World, units, client_for) -> None:
    html = client_for("eng_b").get("/data/trace/?code=M4").content.decode()
    graph = graph_of(html)
    hidden = [n for n in graph["nodes"] if n.get("restricted")]
    assert sorted(n["kind"] for n in hidden) == ["ingot", "poly_lot", "wafer_lot"]
    assert all(n["code"] is None and n["details"] == [] for n in hidden)
    # as whole words: two-character codes can occur inside a CSRF token by chance
    assert not re.search(r"(?<![\w-])(W1|P1)(?![\w-])", html)
    assert 'data-testid="trace-restricted"' in html


def test_unknown_or_out_of_scope_code_is_404_with_a_message(
    world: World, units, client_for
) -> None:
    for persona, code in (("cqo", "NO-SUCH-42"), ("eng_b", "M1")):
        response = client_for(persona).get(f"/data/trace/?code={code}&direction=backward")
        assert response.status_code == 404
        assert code in response.content.decode()
        assert 'data-testid="trace-error"' in response.content.decode()
    assert client_for("outsider").get("/data/trace/").status_code == 403


def test_page_in_chinese(world: World, units, client_for) -> None:
    client = client_for("eng_a")
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/data/trace/?code=M1").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "导出 XLSX" in html  # "Export XLSX"
    assert "组件" in [c["name"] for c in graph_of(html)["categories"]]  # "Module"


def test_xlsx_export_of_a_backward_trace(world: World, units, client_for) -> None:
    response = client_for("eng_a").get("/data/trace/?code=M1&direction=backward&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "trace-backward-m1-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Code", "Kind", "Depth", "Material", "Supplier", "Supplier lot")
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {"C1", "C2", "G1", "E1", "W1", "I1", "P1"}
    assert body["G1"][1:6] == ("Material lot", 1, "GL-32", "SUP-X", "X-2401")
    assert body["P1"][1:3] == ("Polysilicon lot", 4)


def test_xlsx_export_of_a_forward_trace_has_every_module(
    world: World, units, client_for, monkeypatch
) -> None:
    monkeypatch.setattr(service, "DEFAULT_LIMIT", 1)  # the page shows one module
    client = client_for("eng_a")
    page = client.get("/data/trace/?code=G1&direction=forward").content.decode()
    assert "Modules 1–1 of 3" in page
    response = client.get("/data/trace/?code=G1&direction=forward&export=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    codes = [row[0] for row in rows[1:]]
    assert codes == ["M1", "M2", "M3", "PL1", "PL2", "S1"]
    shipment = rows[-1]
    assert shipment[8:10] == ("CUS-C", "Solar Park North")

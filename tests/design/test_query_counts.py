"""Query counts that do not grow with the data: the FMEA failure net's integrity check, the
APQP project list (current gate per row) and the control-plan revisions API (changes per
plan). Each compares a small with a larger data set (equal counts) and checks the content."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qdm.design.models import ControlPlan, Fmea, StructureNode
from qdm.design.services.control_plan import new_control_plan_revision, revision_changes, save_line
from qdm.design.services.fmea import link_chain, move_node, net_integrity
from tests.design.builders import (
    make_characteristic,
    make_control_plan,
    make_cp_line,
    make_fmea,
    release_plan,
)
from tests.design.test_apqp import gate, make_project, sign_off
from tests.design.test_structure import failure, function, node
from tests.personas import World

pytestmark = pytest.mark.django_db

RATINGS = {"severity": 8, "occurrence": 4, "detection": 5}


def count_queries(run: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        result = run()
    return len(ctx.captured_queries), result


# --- FMEA failure net ---------------------------------------------------------------------------


def inverted_net(world: World) -> dict[str, Any]:
    """DFMEA: system → element E1 → element E2 → component C; the chain FE (E1) → FM (E2) →
    FC (C), a second cause on C in no chain, a mode on E2 in no chain; then E2 is moved under
    the system and E1 under E2, so the chain's effect sits below its mode (inverted)."""
    fmea = make_fmea(world, kind="dfmea", title="TOPCon module DFMEA")
    system = node(fmea, "system", "Glass-glass module")
    e1 = node(fmea, "element", "Laminate", system)
    e2 = node(fmea, "element", "Encapsulant", e1)
    c = node(fmea, "component", "EVA sheet", e2)
    fe = failure(function(e1, "Keep the cells sealed"), "effect", "Moisture ingress")
    fm = failure(function(e2, "Bond glass and cells"), "mode", "Delamination")
    fc = failure(function(c, "Cross-link to gel ≥ 75 %"), "cause", "Gel content too low")
    orphan = failure(fc.function, "cause", "Sheet stored too long")
    lonely = failure(fm.function, "mode", "Yellowing")
    row = link_chain(fe, fm, fc, actor=world.user("cqo"), **RATINGS)
    move_node(e2, system, actor=world.user("cqo"))
    move_node(StructureNode.objects.get(pk=e1.pk), e2, actor=world.user("cqo"))
    return locals()


def add_sound_chains(world: World, fmea: Fmea, count: int) -> None:
    """``count`` sound chains on a deeper branch (system → F1 → F2 → F3 → component each), and
    as many orphan causes, so the net has many more failures, chains and levels."""
    system = fmea.nodes.get(parent=None)
    f1 = node(fmea, "element", "Junction box", system)
    f2 = node(fmea, "element", "Potting", f1)
    f3 = node(fmea, "element", "Potting bead", f2)
    for i in range(count):
        part = node(fmea, "component", f"Silicone lot {i}", f3)
        fe = failure(function(f1, f"Insulate terminals {i}"), "effect", f"Arc {i}")
        fm = failure(function(f3, f"Fill the box {i}"), "mode", f"Voids {i}")
        fc = failure(function(part, f"Cure fully {i}"), "cause", f"Mix ratio off {i}")
        failure(fc.function, "cause", f"Unchained {i}")
        link_chain(fe, fm, fc, actor=world.user("cqo"), **RATINGS)


def test_net_integrity_finds_the_hand_built_problems(world: World) -> None:
    net = inverted_net(world)
    problems = net_integrity(net["fmea"])
    # failures in node position order (E2 created before C), then the chains
    assert [(p.code, p.element) for p in problems] == [
        ("mode_without_effect", net["lonely"]),
        ("orphan_cause", net["orphan"]),
        ("broken_chain", net["row"]),
    ]
    assert [p.message for p in problems] == [
        "Failure mode “Yellowing” on System element: Encapsulant has no failure effect.",
        "Orphan failure cause “Sheet stored too long” on Component: EVA sheet: it is in no "
        "failure chain.",
        "Row 1: The failure effect must sit on a higher level than System element: Encapsulant "
        "(found on System element: Laminate).",
    ]


def test_net_integrity_query_count_does_not_grow_with_the_net(world: World) -> None:
    fmea = inverted_net(world)["fmea"]
    few, found = count_queries(lambda: net_integrity(fmea))
    assert len(found) == 3
    add_sound_chains(world, fmea, 6)
    many, found = count_queries(lambda: net_integrity(fmea))
    # the six sound chains add six orphan causes ("Unchained i") and nothing else
    assert [p.code for p in found].count("orphan_cause") == 7
    assert len(found) == 9
    assert few == many <= 3  # failures, chains, structure nodes


# --- APQP project list --------------------------------------------------------------------------


def project_list(client: Any) -> tuple[int, str]:
    return count_queries(lambda: client.get("/design/apqp-projects/").content.decode())


def test_project_list_query_count_does_not_grow_with_the_projects(world: World, client_for) -> None:
    client = client_for("cqo")
    first = make_project(world)
    g = gate(first, "plan")
    g.deliverables.update(required=False)
    sign_off(world, g)  # the first project is in its second gate
    make_project(world, start_date=date(2026, 2, 2))
    few, page = project_list(client)
    assert page.count("Product design and development") == 1
    assert page.count("Plan and define the programme") == 1
    for month in range(3, 7):
        make_project(world, start_date=date(2026, month, 2))
    many, page = project_list(client)
    assert few == many
    assert page.count("Product design and development") == 1
    assert page.count("Plan and define the programme") == 5


# --- control-plan revisions API ----------------------------------------------------------------


def revised_plan(world: World, i: int) -> ControlPlan:
    """Revision 2 of a released plan: one line changed, one removed, one added."""
    plan = make_control_plan(world, title=f"Lamination control plan {i}")
    make_cp_line(plan, make_characteristic(f"GEL-{i}"))
    make_cp_line(plan, make_characteristic(f"PEEL-{i}"), sequence=20, sample_size=3)
    release_plan(world, plan)
    rev2 = new_control_plan_revision(plan, actor=world.user("cqo"), reason=f"Change {i}")
    peel = rev2.lines.get(characteristic__code=f"PEEL-{i}")
    peel.sample_size = 6
    save_line(peel, actor=world.user("cqo"))
    rev2.lines.get(characteristic__code=f"GEL-{i}").delete()
    make_cp_line(rev2, make_characteristic(f"EL-{i}"), sequence=30)
    return rev2


def revisions(api: Any) -> tuple[int, list[dict[str, Any]]]:
    return count_queries(
        lambda: api.get("/api/v1/design/control-plan-revisions/").json()["results"]
    )


def test_revision_api_query_count_does_not_grow_with_the_plans(world: World, api_for) -> None:
    api = api_for("cqo")
    plans = [revised_plan(world, i) for i in range(2)]
    few, rows = revisions(api)
    assert len(rows) == 2
    plans += [revised_plan(world, i) for i in range(2, 6)]
    many, rows = revisions(api)
    assert few == many
    assert len(rows) == 6
    # the same changes as the per-plan service, plan by plan
    by_id = {row["id"]: row["changes"] for row in rows}
    for plan in plans:
        expected = [
            {"characteristic": c.code, "change": c.change, "fields": [list(f) for f in c.fields]}
            for c in revision_changes(plan)
        ]
        assert by_id[plan.pk] == expected
    assert by_id[plans[0].pk] == [
        {"characteristic": "EL-0", "change": "added", "fields": []},
        {"characteristic": "GEL-0", "change": "removed", "fields": []},
        {"characteristic": "PEEL-0", "change": "changed", "fields": [["sample size", "3", "6"]]},
    ]

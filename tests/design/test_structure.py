"""FMEA structure tree, functions and failure net (AIAG-VDA 2019 steps 2–4): level rules, 4M
on work elements, failure chains across levels, the net's integrity check (no orphan
causes, every mode has an effect), editing through UI and API, revisions copy the net."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from qdm.design.models import FailureElement, Fmea, FmeaFunction, FmeaItem, StructureNode
from qdm.design.services.fmea import (
    attach_row,
    link_chain,
    move_node,
    net_integrity,
    new_revision,
    remove_failure,
    remove_node,
    save_failure,
    save_function,
    save_node,
)
from tests.design.builders import make_characteristic, make_fmea, released
from tests.personas import World

pytestmark = pytest.mark.django_db


def node(fmea: Fmea, kind: str, name: str, parent: Any = None, four_m: str = "") -> StructureNode:
    return save_node(
        StructureNode(fmea=fmea, kind=kind, name=name, parent=parent, four_m=four_m),
        actor=fmea.created_by,
    )


def function(n: StructureNode, text: str, char: Any = None) -> FmeaFunction:
    return save_function(
        FmeaFunction(node=n, description=text, characteristic=char), actor=n.fmea.created_by
    )


def failure(fn: FmeaFunction, kind: str, text: str) -> FailureElement:
    return save_failure(
        FailureElement(function=fn, kind=kind, description=text), actor=fn.node.fmea.created_by
    )


def stringing_net(world: World) -> dict[str, Any]:
    """PFMEA: module assembly → stringing → stringer (machine), one chain's worth of parts."""
    fmea = make_fmea(world)
    item = node(fmea, "process_item", "TOPCon glass-glass module assembly")
    step = node(fmea, "process_step", "Stringing", item)
    machine = node(fmea, "work_element", "Stringer soldering head", step, "machine")
    peel = make_characteristic("MOD-PEEL")
    fe = failure(function(item, "Deliver modules at rated power"), "effect",
                 "Power loss, hot spot in the field")  # fmt: skip
    fm = failure(function(step, "Solder ribbon to busbar"), "mode", "Ribbon not soldered")
    fc = failure(function(machine, "Heat to 240 ± 5 °C", peel), "cause", "Temperature too low")
    return locals()


def test_chain_from_the_net_fills_the_worksheet_row(world: World) -> None:
    net = stringing_net(world)
    assert {p.code for p in net_integrity(net["fmea"])} == {"orphan_cause", "mode_without_effect"}
    row = link_chain(net["fe"], net["fm"], net["fc"], actor=world.user("cqo"),
                     severity=8, occurrence=4, detection=7)  # fmt: skip
    assert (row.higher_level, row.focus_element, row.lower_level, row.four_m) == (
        "TOPCon glass-glass module assembly", "Stringing", "Stringer soldering head", "machine",
    )  # fmt: skip
    assert (row.failure_effect, row.failure_mode, row.failure_cause) == (
        "Power loss, hot spot in the field", "Ribbon not soldered", "Temperature too low",
    )  # fmt: skip
    assert row.characteristic == net["peel"] and row.lower_function == "Heat to 240 ± 5 °C"
    # AIAG-VDA FMEA handbook 2019, PFMEA AP table: S 7–8, O 4–5, D 7–10 → H
    assert (row.action_priority, row.rpn) == ("H", 224)
    assert net_integrity(net["fmea"]) == []


def test_orphan_cause_and_mode_without_effect_are_reported(world: World) -> None:
    net = stringing_net(world)
    problems = net_integrity(net["fmea"])
    messages = " ".join(p.message for p in problems)
    assert "Orphan failure cause “Temperature too low” on Process work element" in messages
    assert (
        "Failure mode “Ribbon not soldered” on Process step: Stringing has no failure effect"
        in (messages)
    )
    second = failure(net["fc"].function, "cause", "Flux dried out")
    link_chain(net["fe"], net["fm"], net["fc"], actor=world.user("cqo"),
               severity=8, occurrence=4, detection=5)  # fmt: skip
    [problem] = net_integrity(net["fmea"])
    assert (problem.code, problem.element) == ("orphan_cause", second)


def test_level_rules_name_the_field(world: World) -> None:
    net = stringing_net(world)
    fmea = net["fmea"]
    cases = [
        ({"kind": "process_step", "name": "Root step"}, "parent", "only a Process item is a root"),
        ({"kind": "system", "name": "Vehicle"}, "kind", "has no System level"),
        ({"kind": "work_element", "name": "Operator", "parent": net["step"]}, "four_m", "4M type"),
        ({"kind": "work_element", "name": "X", "parent": net["item"], "four_m": "man"}, "parent",
         "A Process item cannot hold a Process work element"),
        ({"kind": "process_step", "name": "Y", "parent": net["step"], "four_m": "man"}, "four_m",
         "Only a process work element"),
    ]  # fmt: skip
    for fields, field, text in cases:
        with pytest.raises(ValidationError) as err:
            save_node(StructureNode(fmea=fmea, **fields), actor=world.user("cqo"))
        assert text in " ".join(err.value.message_dict[field]), fields
    # no cycles: a step cannot move under its own work element
    with pytest.raises(ValidationError) as err:
        move_node(net["step"], net["machine"], actor=world.user("cqo"))
    assert "parent" in err.value.message_dict
    # a cause needs a lower level than the root
    with pytest.raises(ValidationError, match="lower level"):
        failure(net["fe"].function, "cause", "Anything")


def test_chain_levels_are_checked(world: World) -> None:
    net = stringing_net(world)
    actor = world.user("cqo")
    ratings = {"severity": 8, "occurrence": 4, "detection": 5}
    same_level = failure(net["fm"].function, "effect", "Ribbon lifts")
    with pytest.raises(ValidationError) as err:
        link_chain(same_level, net["fm"], net["fc"], actor=actor, **ratings)
    assert (
        "must sit on a higher level than Process step: Stringing"
        in (err.value.message_dict["net_effect"][0])
    )
    with pytest.raises(ValidationError) as err:
        link_chain(net["fe"], net["fm"], net["fm"], actor=actor, **ratings)
    assert "is not a Failure cause" in err.value.message_dict["net_cause"][0]
    with pytest.raises(ValidationError) as err:
        link_chain(net["fe"], net["fm"], net["fc"], actor=actor, **{**ratings, "severity": 11})
    assert "Severity (S) must be a whole number from 1 to 10 (got 11)" in str(err.value)
    assert not FmeaItem.objects.exists()


def test_move_breaks_a_chain_and_remove_is_refused_while_chained(world: World) -> None:
    net = stringing_net(world)
    actor = world.user("cqo")
    row = link_chain(net["fe"], net["fm"], net["fc"], actor=actor,
                     severity=8, occurrence=4, detection=5)  # fmt: skip
    other = node(net["fmea"], "process_step", "Layup", net["item"])
    move_node(net["machine"], other, actor=actor)
    [problem] = net_integrity(net["fmea"])
    assert problem.code == "broken_chain" and "Row 1: The failure cause" in problem.message
    with pytest.raises(ValidationError, match="used by failure chain"):
        remove_node(net["step"], actor=actor)
    with pytest.raises(ValidationError, match="#1"):
        remove_failure(net["fc"], actor=actor)
    row.delete()
    remove_node(net["step"], actor=actor)
    assert not StructureNode.objects.filter(name="Stringing").exists()
    assert not FailureElement.objects.filter(description="Ribbon not soldered").exists()


def test_released_fmea_structure_is_frozen_and_revision_copies_the_net(world: World) -> None:
    net = stringing_net(world)
    actor = world.user("cqo")
    link_chain(net["fe"], net["fm"], net["fc"], actor=actor, severity=8, occurrence=4, detection=5)
    fmea = released(world, net["fmea"])
    with pytest.raises(ValidationError, match="can no longer be changed"):
        node(fmea, "process_step", "Lamination", net["item"])
    with pytest.raises(ValidationError, match="can no longer be changed"):
        remove_failure(net["fc"], actor=actor)
    copy = new_revision(fmea, actor=actor)
    assert copy.nodes.count() == 3
    assert FmeaFunction.objects.filter(node__fmea=copy).count() == 3
    row = copy.items.get()
    assert row.net_mode.function.node.fmea == copy and row.net_cause.function.node.fmea == copy
    assert row.net_mode != net["fm"]
    assert net_integrity(copy) == []
    machine = copy.nodes.get(kind="work_element")
    assert (machine.parent.name, machine.four_m) == ("Stringing", "machine")


def test_dfmea_tree_system_element_component(world: World) -> None:
    fmea = make_fmea(world, kind="dfmea", title="Glass-glass module DFMEA")
    module = node(fmea, "system", "PV module TC-GG-620")
    jbox = node(fmea, "element", "Junction box", module)
    diode = node(fmea, "component", "Bypass diode", jbox)
    fe = failure(function(module, "Deliver rated power 25 years"), "effect", "Hot spot, fire risk")
    fm = failure(function(jbox, "Bypass a shaded substring"), "mode", "Diode does not conduct")
    fc = failure(function(diode, "Carry 25 A at 75 °C"), "cause", "Diode undersized")
    row = link_chain(fe, fm, fc, actor=world.user("cqo"), severity=9, occurrence=3, detection=4)
    # AIAG-VDA FMEA handbook 2019, DFMEA AP table: S 9–10, O 2–3, D 2–4 → L
    assert row.action_priority == "L" and row.four_m == ""
    # a cause on the system (above the mode) is refused as a chain
    high = failure(function(jbox, "Seal the box"), "cause", "Potting void")
    with pytest.raises(ValidationError):
        link_chain(fe, fm, high, actor=world.user("cqo"), severity=9, occurrence=3, detection=4)


def test_draft_fmea_with_a_net_can_be_deleted(world: World) -> None:
    net = stringing_net(world)
    link_chain(net["fe"], net["fm"], net["fc"], actor=world.user("cqo"),
               severity=8, occurrence=4, detection=5)  # fmt: skip
    net["fmea"].delete()
    assert not StructureNode.objects.exists() and not FmeaItem.objects.exists()


def test_structure_editor_ui(world: World, client_for) -> None:
    fmea = make_fmea(world)
    url = f"/design/fmeas/{fmea.pk}/structure/"
    client = client_for("eng_a")
    assert client.post(url, {"op": "add_node", "add_node-kind": "process_item",
                             "add_node-name": "Module assembly"}).status_code == 302  # fmt: skip
    root = StructureNode.objects.get()
    client.post(url, {"op": "add_node", "add_node-kind": "process_step",
                      "add_node-name": "Lamination", "add_node-parent": root.pk})  # fmt: skip
    step = StructureNode.objects.get(name="Lamination")
    # a work element without 4M: the page says what is wrong, nothing is stored
    response = client.post(url, {"op": "add_node", "add_node-kind": "work_element",
                                 "add_node-name": "Laminator", "add_node-parent": step.pk},
                           follow=True)  # fmt: skip
    assert "Choose the 4M type of the work element." in response.content.decode()
    assert StructureNode.objects.count() == 2
    client.post(url, {"op": "add_node", "add_node-kind": "work_element",
                      "add_node-name": "Laminator", "add_node-parent": step.pk,
                      "add_node-four_m": "machine"})  # fmt: skip
    laminator = StructureNode.objects.get(name="Laminator")
    for target, kind, text in ((root, "effect", "Delamination in the field"),
                               (step, "mode", "Gel content too low"),
                               (laminator, "cause", "Curing time too short")):  # fmt: skip
        client.post(url, {"op": "add_function", "add_function-node": target.pk,
                          "add_function-description": f"Function of {target.name}"})  # fmt: skip
        fn = FmeaFunction.objects.get(node=target)
        client.post(url, {"op": "add_failure", "add_failure-function": fn.pk,
                          "add_failure-kind": kind, "add_failure-description": text})  # fmt: skip
    page = client.get(url).content.decode()
    assert 'data-problem="orphan_cause"' in page and "Laminator" in page
    fe, fm, fc = (FailureElement.objects.get(kind=k) for k in ("effect", "mode", "cause"))
    response = client.post(url, {"op": "link_chain", "link_chain-net_effect": fe.pk,
                                 "link_chain-net_mode": fm.pk, "link_chain-net_cause": fc.pk,
                                 "link_chain-severity": 8, "link_chain-occurrence": 3,
                                 "link_chain-detection": 6})  # fmt: skip
    assert response.status_code == 302
    assert fmea.items.get().failure_cause == "Curing time too short"
    assert 'data-testid="net-ok"' in client.get(url).content.decode()
    # remove through the editor is refused while chained
    response = client.post(url, {"op": "remove_node", "pk": laminator.pk}, follow=True)
    assert "used by failure chain" in response.content.decode()
    # out of scope: a site-B FMEA answers 404 and nothing changes
    other = make_fmea(world, "B")
    out = client.post(
        f"/design/fmeas/{other.pk}/structure/",
        {"op": "add_node", "add_node-kind": "process_item", "add_node-name": "Z"},
    )
    assert out.status_code == 404 and not other.nodes.exists()
    # view-only: eng_b sees a site-B tree but cannot change it
    assert client_for("eng_b").get(f"/design/fmeas/{other.pk}/structure/").status_code == 200
    denied = client_for("eng_b").post(f"/design/fmeas/{other.pk}/structure/",
                                      {"op": "add_node", "add_node-kind": "process_item",
                                       "add_node-name": "Z"})  # fmt: skip
    assert denied.status_code in (403, 404) and not other.nodes.exists()


def test_structure_api(world: World, api_for) -> None:
    fmea = make_fmea(world)
    api = api_for("eng_a")
    root = api.post("/api/v1/design/fmea-structure/",
                    {"fmea": fmea.pk, "kind": "process_item", "name": "Cell to module"},
                    format="json")  # fmt: skip
    assert root.status_code == 201, root.json()
    bad = api.post("/api/v1/design/fmea-structure/",
                   {"fmea": fmea.pk, "kind": "work_element", "name": "Operator",
                    "parent": root.json()["id"]}, format="json")  # fmt: skip
    assert bad.status_code == 400
    assert "A Process item cannot hold a Process work element" in bad.json()["error"]["message"]
    step = api.post("/api/v1/design/fmea-structure/",
                    {"fmea": fmea.pk, "kind": "process_step", "name": "EL test",
                     "parent": root.json()["id"]}, format="json").json()  # fmt: skip
    fn = api.post(
        "/api/v1/design/fmea-functions/",
        {"node": step["id"], "description": "Detect cracks"},
        format="json",
    ).json()
    mode = api.post("/api/v1/design/fmea-failures/",
                    {"function": fn["id"], "kind": "mode", "description": "Crack missed"},
                    format="json")  # fmt: skip
    assert mode.status_code == 201
    integrity = api.get("/api/v1/design/fmea-structure/integrity/", {"fmea": fmea.pk}).json()
    assert integrity["ok"] is False
    assert [p["code"] for p in integrity["problems"]] == ["mode_without_effect"]
    other = make_fmea(world, "B")
    assert api.get("/api/v1/design/fmea-structure/integrity/",
                   {"fmea": other.pk}).status_code == 404  # fmt: skip
    out = api.post(
        "/api/v1/design/fmea-structure/",
        {"fmea": other.pk, "kind": "process_item", "name": "Z"},
        format="json",
    )
    assert out.status_code in (400, 404) and not other.nodes.exists()


def test_link_chain_api(world: World, api_for) -> None:
    net = stringing_net(world)
    body = {"net_effect": net["fe"].pk, "net_mode": net["fm"].pk, "net_cause": net["fc"].pk,
            "severity": 8, "occurrence": 4, "detection": 5}  # fmt: skip
    # AIAG-VDA FMEA handbook 2019, PFMEA AP table: S 7–8, O 4–5, D 5–6 → M
    response = api_for("eng_a").post("/api/v1/design/fmea-structure/link-chain/", body,
                                     format="json")  # fmt: skip
    assert response.status_code == 201 and response.json()["action_priority"] == "M"
    bad = api_for("eng_a").post("/api/v1/design/fmea-structure/link-chain/",
                                {**body, "net_cause": net["fm"].pk}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "is not a Failure cause" in bad.json()["error"]["message"]
    assert FmeaItem.objects.count() == 1


def test_attach_an_existing_row_to_the_net(world: World, client_for, api_for) -> None:
    from tests.design.builders import make_item

    net = stringing_net(world)
    row = make_item(net["fmea"], s=9, o=4, d=4, preventive_action="IR closed loop")
    assert row.net_mode is None
    # the cause at the mode's level is refused; nothing changes
    stray = _cause_on(net["step"])
    with pytest.raises(ValidationError, match="lower level"):
        attach_row(row, net["fe"], net["fm"], stray, actor=world.user("cqo"))
    row.refresh_from_db()
    assert row.net_mode is None
    remove_failure(stray, actor=world.user("cqo"))
    attached = attach_row(row, net["fe"], net["fm"], net["fc"], actor=world.user("cqo"))
    assert attached.failure_cause == "Temperature too low" and attached.four_m == "machine"
    assert (attached.severity, attached.preventive_action) == (9, "IR closed loop")
    assert net_integrity(net["fmea"]) == []
    # UI: the form lists only rows not yet attached; a second row attaches through the page
    other = make_item(net["fmea"], s=7, o=3, d=3)
    url = f"/design/fmeas/{net['fmea'].pk}/structure/"
    page = client_for("eng_a").get(url).content.decode()
    assert 'data-testid="form-attach_row"' in page and f"#{other.position} " in page
    response = client_for("eng_a").post(url, {
        "op": "attach_row", "attach_row-item": other.pk, "attach_row-net_effect": net["fe"].pk,
        "attach_row-net_mode": net["fm"].pk, "attach_row-net_cause": net["fc"].pk,
    })  # fmt: skip
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.net_cause == net["fc"]
    # API: a row of another FMEA cannot be attached to this net
    foreign = make_item(make_fmea(world))
    body = {"item": foreign.pk, "net_effect": net["fe"].pk, "net_mode": net["fm"].pk,
            "net_cause": net["fc"].pk}  # fmt: skip
    bad = api_for("eng_a").post("/api/v1/design/fmea-structure/attach-row/", body, format="json")
    assert bad.status_code == 400 and "another FMEA" in bad.json()["error"]["message"]
    foreign.refresh_from_db()
    assert foreign.net_mode is None


def _cause_on(target: StructureNode) -> FailureElement:
    fn = function(target, "Hold the ribbon")
    return failure(fn, "cause", "Ribbon clamp worn")

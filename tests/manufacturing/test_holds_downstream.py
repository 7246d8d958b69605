"""Holds that follow the genealogy: holding a material or cell lot with "include downstream
units" holds the modules and pallets built from it, and the shipment check refuses them."""

from __future__ import annotations

import pytest

from qdm.data.models import Unit, UnitLink
from qdm.manufacturing.models import Hold
from qdm.manufacturing.services.holds import (
    HoldError,
    create_shipment,
    downstream_units,
    named_units,
    place_hold,
    update_hold,
)
from tests.manufacturing.test_inspection_builders import glass_lot, released_pallet
from tests.personas import World

pytestmark = pytest.mark.django_db


def genealogy(world: World) -> dict[str, Unit]:
    """Glass lot G1 → modules D-1, D-2 (pallet PAL-D-1) and D-3 (pallet PAL-D-2); cell lot
    C1 → D-3 only; module D-9 of glass lot G2 on PAL-D-3. A shipment of site B's module
    built from G1 (another site) must not be held with it."""
    g1 = glass_lot(world, "A", "GLS-G1")
    g2 = glass_lot(world, "A", "GLS-G2")
    c1 = Unit.objects.create(code="CL-C1", kind="cell_lot", site=world.site_a, quantity=2400)
    p1 = released_pallet(world, "PAL-D-1", ["D-1", "D-2"])
    p2 = released_pallet(world, "PAL-D-2", ["D-3"])
    p3 = released_pallet(world, "PAL-D-3", ["D-9"])
    by_code = {u.code: u for u in Unit.objects.filter(code__in=["D-1", "D-2", "D-3", "D-9"])}
    links = [(g1, "D-1"), (g1, "D-2"), (g1, "D-3"), (c1, "D-3"), (g2, "D-9")]
    UnitLink.objects.bulk_create(UnitLink(parent=lot, child=by_code[m]) for lot, m in links)
    far = Unit.objects.create(code="B-MOD-1", kind="module", site=world.site_b)
    UnitLink.objects.create(parent=g1, child=far)
    return {"G1": g1, "G2": g2, "C1": c1, "P1": p1, "P2": p2, "P3": p3}


def test_holding_a_material_lot_with_its_downstream_units(world: World) -> None:
    units = genealogy(world)
    hold = place_hold(
        actor=world.user("eng_a"),
        site=world.site_a,
        reason="Glass lot with bubbles",
        quantity=1000,
        unit_codes="GLS-G1",
        include_downstream=True,
    )
    held = sorted(hold.units.values_list("code", flat=True))
    # G1 → D-1, D-2, D-3 (modules) → PAL-D-1, PAL-D-2 (pallets); B-MOD-1 is at site B
    assert held == ["D-1", "D-2", "D-3", "GLS-G1", "PAL-D-1", "PAL-D-2"]
    assert hold.include_downstream is True
    assert hold.downstream_count == 5
    assert hold.quantity == 1000  # the quantity is that of the lot named
    assert [u.code for u in named_units(hold)] == ["GLS-G1"]
    # shipping refuses the pallets built from the lot; the unrelated pallet ships
    with pytest.raises(HoldError) as refused:
        create_shipment(actor=world.user("eng_a"), code="CNT-D1", unit_codes=["PAL-D-2"])
    assert str(refused.value) == (
        "Held material cannot be shipped: PAL-D-2; PAL-D-2 (held modules: D-3)."
    )
    assert not Unit.objects.filter(code="CNT-D1").exists()
    shipment = create_shipment(actor=world.user("eng_a"), code="CNT-D3", unit_codes=["PAL-D-3"])
    assert UnitLink.objects.filter(parent=units["P3"], child=shipment).exists()


def test_a_cell_lot_reaches_only_its_own_modules(world: World) -> None:
    genealogy(world)
    found = downstream_units(
        [Unit.objects.get(code="CL-C1")], site=world.site_a, actor=world.user("eng_a")
    )
    assert [u.code for u in found] == ["D-3", "PAL-D-2"]


def test_without_the_option_only_the_lot_is_held(world: World) -> None:
    genealogy(world)
    hold = place_hold(
        actor=world.user("eng_a"),
        site=world.site_a,
        reason="x",
        quantity=1,
        unit_codes="GLS-G1",
    )
    assert list(hold.units.values_list("code", flat=True)) == ["GLS-G1"]
    assert hold.downstream_count == 0
    shipment = create_shipment(actor=world.user("eng_a"), code="CNT-OK", unit_codes=["PAL-D-1"])
    assert shipment.code == "CNT-OK"


def test_switching_the_option_on_later_extends_the_hold(world: World) -> None:
    genealogy(world)
    hold = place_hold(
        actor=world.user("eng_a"), site=world.site_a, reason="x", quantity=1, unit_codes="CL-C1"
    )
    update_hold(hold, actor=world.user("eng_a"), include_downstream=True)
    hold.refresh_from_db()
    assert sorted(hold.units.values_list("code", flat=True)) == ["CL-C1", "D-3", "PAL-D-2"]
    assert hold.downstream_count == 2
    # and off again: back to the lot alone
    update_hold(hold, actor=world.user("eng_a"), include_downstream=False)
    hold.refresh_from_db()
    assert list(hold.units.values_list("code", flat=True)) == ["CL-C1"]
    assert hold.downstream_count == 0


def test_a_bad_code_with_the_option_holds_nothing(world: World) -> None:
    genealogy(world)
    with pytest.raises(HoldError, match="Unknown unit codes: NOPE"):
        place_hold(
            actor=world.user("eng_a"),
            site=world.site_a,
            reason="x",
            quantity=1,
            unit_codes="GLS-G1 NOPE",
            include_downstream=True,
        )
    assert not Hold.objects.exists()


def test_the_form_and_the_page_show_the_downstream_count(world: World, client) -> None:
    genealogy(world)
    client.force_login(world.user("eng_a"))
    response = client.post(
        "/manufacturing/holds/add/",
        {
            "site": world.site_a.pk,
            "unit_codes": "GLS-G1",
            "include_downstream": "on",
            "quantity": "1000",
            "reason": "Glass lot with bubbles",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hold = Hold.objects.get()
    assert hold.downstream_count == 5
    page = client.get(hold.get_absolute_url()).content.decode()
    assert "Includes 5 downstream units" in page
    assert "6 units" in page
    # the edit form names only the lot; the downstream units follow from it
    edit = client.get(f"/manufacturing/holds/{hold.pk}/edit/").content.decode()
    assert "GLS-G1</textarea>" in edit and "PAL-D-1</textarea>" not in edit


def test_the_api_takes_the_option_and_answers_the_count(world: World, api_for) -> None:
    genealogy(world)
    response = api_for("eng_a").post(
        "/api/v1/manufacturing/holds/",
        {
            "site": world.site_a.pk,
            "unit_codes": ["GLS-G1"],
            "include_downstream": True,
            "quantity": "1000",
            "reason": "Glass lot with bubbles",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["downstream_count"] == 5
    assert sorted(body["units"]) == ["D-1", "D-2", "D-3", "GLS-G1", "PAL-D-1", "PAL-D-2"]
    refused = api_for("eng_a").post(
        "/api/v1/manufacturing/holds/",
        {
            "site": world.site_a.pk,
            "unit_codes": ["GLS-G1"],
            "include_downstream": True,
            "downstream_count": 3,
            "quantity": "1",
            "reason": "x",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert Hold.objects.count() == 1

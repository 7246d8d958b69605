"""Holds: placing, releasing (e-signed), and the shipping check."""

from __future__ import annotations

import pytest

from qdm.core.workflow import TransitionError, transition
from qdm.data.models import Unit, UnitLink
from qdm.manufacturing.models import Hold
from qdm.manufacturing.services.holds import (
    HoldError,
    check_shippable,
    create_shipment,
    place_hold,
    propose_disposition,
)
from tests.manufacturing.test_inspection_builders import glass_lot, released_pallet
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_held_pallet_cannot_be_shipped(world: World) -> None:
    pallet = released_pallet(world, "PAL-A-1", ["H-1", "H-2", "H-3"])
    other = released_pallet(world, "PAL-A-2", ["H-4"])
    hold = place_hold(
        actor=world.user("eng_a"),
        site=world.site_a,
        reason="Suspect EVA lot",
        quantity=1,
        unit_codes="H-2",
    )
    assert hold.number.startswith("HOLD-SA-")
    with pytest.raises(HoldError) as refused:
        create_shipment(actor=world.user("eng_a"), code="CNT-1", unit_codes=["PAL-A-1", "PAL-A-2"])
    assert str(refused.value) == "Held material cannot be shipped: PAL-A-1 (held modules: H-2)."
    assert not Unit.objects.filter(code="CNT-1").exists()
    assert not UnitLink.objects.filter(parent=other).exists()

    # a held pallet itself
    place_hold(actor=world.user("eng_a"), site=world.site_a, reason="x", quantity=1, units=[other])
    with pytest.raises(HoldError, match="Held material cannot be shipped: PAL-A-2"):
        check_shippable([other])

    # released with an e-signature, the pallet ships
    with pytest.raises(TransitionError):
        transition(hold, "release", actor=world.user("cqo"), password="bad", reason="ok")
    transition(hold, "release", actor=world.user("cqo"), password=PASSWORD, reason="EVA fine")
    shipment = create_shipment(actor=world.user("eng_a"), code="CNT-1", unit_codes=["PAL-A-1"])
    assert UnitLink.objects.filter(parent=pallet, child=shipment).exists()
    assert shipment.kind == "shipment"


def test_scrapped_units_stay_unshippable_after_the_hold_closes(world: World) -> None:
    pallet = released_pallet(world, "PAL-A-3", ["S-1", "S-2"])
    hold = place_hold(
        actor=world.user("eng_a"), site=world.site_a, reason="x", quantity=2, unit_codes="S-1 S-2"
    )
    scrap = propose_disposition(
        hold, actor=world.user("eng_a"), decision="scrap", quantity=1, unit_codes="S-2"
    )
    keep = propose_disposition(hold, actor=world.user("eng_a"), decision="use_as_is", quantity=1)
    for d in (scrap, keep):
        transition(d, "approve", actor=world.user("cqo"), password=PASSWORD, reason="MRB")
    hold.refresh_from_db()
    assert hold.status == "dispositioned"
    with pytest.raises(HoldError, match=r"PAL-A-3 \(held modules: S-2\)"):
        check_shippable([pallet])


def test_release_is_refused_once_part_is_dispositioned(world: World) -> None:
    lot = glass_lot(world, "A")
    hold = place_hold(
        actor=world.user("eng_a"), site=world.site_a, reason="x", quantity=10, units=[lot]
    )
    d = propose_disposition(hold, actor=world.user("eng_a"), decision="scrap", quantity=4)
    transition(d, "approve", actor=world.user("cqo"), password=PASSWORD, reason="MRB")
    with pytest.raises(TransitionError, match="already dispositioned"):
        transition(hold, "release", actor=world.user("cqo"), password=PASSWORD, reason="x")
    hold.refresh_from_db()
    assert hold.status == "on_hold"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit_codes": "GLS-1 NOPE-9"}, "Unknown unit codes: NOPE-9"),
        ({"quantity": -3}, "quantity must be positive"),
        ({"quantity": "lots"}, "is not a number"),
        ({"reason": "  "}, "Say why"),
        ({"unit_codes": ""}, "at least one unit code"),
    ],
)
def test_bad_holds_are_refused_and_nothing_saved(world: World, kwargs: dict, message: str) -> None:
    glass_lot(world, "A", code="GLS-1")
    data = {"reason": "Bubbles", "quantity": 5, "unit_codes": "GLS-1"} | kwargs
    with pytest.raises(HoldError, match=message):
        place_hold(actor=world.user("eng_a"), site=world.site_a, **data)
    assert Hold.objects.count() == 0


def test_units_of_another_site_or_scope_are_refused(world: World) -> None:
    glass_lot(world, "B", code="GLS-B-1")
    with pytest.raises(HoldError, match="Not at site SA: GLS-B-1"):
        place_hold(
            actor=world.user("cqo"), site=world.site_a, reason="x", quantity=1, unit_codes="GLS-B-1"
        )
    # eng_a cannot see site B's unit: it is unknown to them
    with pytest.raises(HoldError, match="Unknown unit codes: GLS-B-1"):
        place_hold(
            actor=world.user("eng_a"),
            site=world.site_a,
            reason="x",
            quantity=1,
            unit_codes="GLS-B-1",
        )
    assert Hold.objects.count() == 0


def test_the_hold_form_shows_service_refusals(world: World, client_for) -> None:
    glass_lot(world, "A", code="GLS-UI-1")
    response = client_for("eng_a").post(
        "/manufacturing/holds/add/",
        {
            "site": world.site_a.pk,
            "unit_codes": "GLS-UI-1\nGHOST-1",
            "quantity": "5",
            "reason": "x",
        },
    )
    assert response.status_code == 400
    assert "Unknown unit codes: GHOST-1." in response.content.decode()
    assert Hold.objects.count() == 0


def test_the_oqc_desk_refuses_a_held_pallet(world: World, client_for) -> None:
    released_pallet(world, "PAL-UI", ["UI-1"])
    place_hold(
        actor=world.user("eng_a"), site=world.site_a, reason="x", quantity=1, unit_codes="UI-1"
    )
    response = client_for("eng_a").post(
        "/manufacturing/oqc/", {"action": "ship", "shipment": "CNT-UI", "units": "PAL-UI"}
    )
    assert response.status_code == 400
    assert "Held material cannot be shipped: PAL-UI (held modules: UI-1)." in (
        response.content.decode()
    )
    assert not Unit.objects.filter(code="CNT-UI").exists()

"""The hold, MRB and OQC API: service refusals answer 400 with the service's message and
save nothing; e-signed approval through ``transition/``."""

from __future__ import annotations

import pytest

from qdm.data.models import Unit
from qdm.manufacturing.models import Hold, MrbDisposition
from qdm.manufacturing.services.holds import place_hold
from tests.manufacturing.test_inspection_builders import glass_lot, released_pallet
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db
HOLDS = "/api/v1/manufacturing/holds/"


def test_unknown_unit_code_and_negative_quantity_are_refused(world: World, api_for) -> None:
    glass_lot(world, "A", code="GLS-API-1")
    api = api_for("eng_a")
    body = {"site": world.site_a.pk, "reason": "x", "quantity": "5"}
    response = api.post(HOLDS, body | {"unit_codes": ["GLS-API-1", "GHOST-7"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Unknown unit codes: GHOST-7."
    response = api.post(
        HOLDS, body | {"unit_codes": ["GLS-API-1"], "quantity": "-1"}, format="json"
    )
    assert response.status_code == 400
    assert Hold.objects.count() == 0


def test_mrb_approval_through_the_api_needs_the_password(world: World, api_for) -> None:
    lot = glass_lot(world, "A")
    hold = place_hold(
        actor=world.user("eng_a"), site=world.site_a, reason="x", quantity=10, units=[lot]
    )
    api = api_for("eng_a")
    too_much = {"hold": hold.pk, "decision": "scrap", "quantity": "11"}
    response = api.post("/api/v1/manufacturing/mrb-dispositions/", too_much, format="json")
    assert response.status_code == 400
    assert "exceeds what is left to disposition" in response.json()["error"]["message"]
    assert MrbDisposition.objects.count() == 0
    response = api.post(
        "/api/v1/manufacturing/mrb-dispositions/", too_much | {"quantity": "10"}, format="json"
    )
    assert response.status_code == 201
    url = f"/api/v1/manufacturing/mrb-dispositions/{response.json()['id']}/transition/"
    cqo = api_for("cqo")
    wrong = cqo.post(url, {"action": "approve", "password": "x", "reason": "MRB"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "signature_password"
    hold.refresh_from_db()
    assert hold.status == "on_hold"
    right = cqo.post(
        url, {"action": "approve", "password": PASSWORD, "reason": "MRB"}, format="json"
    )
    assert right.status_code == 200 and right.json()["status"] == "approved"
    hold.refresh_from_db()
    assert hold.status == "dispositioned"


def test_shipping_a_held_pallet_through_the_api_is_refused(world: World, api_for) -> None:
    released_pallet(world, "PAL-API", ["API-1", "API-2"])
    place_hold(
        actor=world.user("eng_a"), site=world.site_a, reason="x", quantity=1, unit_codes="API-1"
    )
    response = api_for("eng_a").post(
        "/api/v1/manufacturing/module-releases/ship/",
        {"shipment": "CNT-API", "units": ["PAL-API"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Held material cannot be shipped: PAL-API (held modules: API-1)."
    )
    assert not Unit.objects.filter(code="CNT-API").exists()

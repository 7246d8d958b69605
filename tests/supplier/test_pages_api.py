"""Pages render for the SQE (English and Chinese), the API receives a lot and takes the
supplier's SCAR answer, and bad API input answers the error envelope with nothing saved."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from qdm.supplier.models import Receipt, ScarRequest
from qdm.supplier.services.scar import raise_scar_for_receipt
from tests.personas import World
from tests.supplier.builders import glass, judge, receive, setup_iqc, sqe

pytestmark = pytest.mark.django_db

LISTS = [
    "supplierprofile",
    "supplierplant",
    "suppliercontact",
    "approvedmaterial",
    "certificate",
    "switchingstate",
    "receipt",
    "scarrequest",
    "scorecard",
    "scorecardweights",
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_renders_for_the_sqe(world: World, language: str) -> None:
    setup_iqc(world)
    receipt = judge(world, receive(world), bad=2)
    scar = raise_scar_for_receipt(receipt, actor=sqe(world))
    client = Client(headers={"accept-language": language})
    client.force_login(sqe(world))
    for name in LISTS:
        assert client.get(reverse(f"supplier:{name}_list")).status_code == 200, name
    for url in (
        receipt.get_absolute_url(),
        scar.get_absolute_url(),
        reverse("supplier:switchingstate_detail", args=[receipt_state(receipt)]),
        reverse("supplier:portal"),
        reverse("supplier:receive"),
        reverse("supplier:index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(scar.get_absolute_url()).content.decode()
    assert 'data-testid="scar-review"' not in page  # nothing submitted yet


def test_api_receives_a_lot_and_refuses_bad_input(world: World, api_for) -> None:
    from tests.personas import make_user

    setup_iqc(world)
    inspector = make_user("insp_a", "inspector", site=world.site_a)
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=inspector).key}")
    body = {
        "site": world.site_a.pk,
        "supplier": world.supplier_x.pk,
        "material": glass().pk,
        "supplier_lot": "API-1",
        "quantity": "500",
    }
    created = api.post("/api/v1/supplier/receipts/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["sample_size"] == 80 and created.json()["severity"] == "normal"
    # site B is outside the inspector's scope: refused, nothing saved
    refused = api.post(
        "/api/v1/supplier/receipts/", {**body, "site": world.site_b.pk}, format="json"
    )
    assert refused.status_code == 400 and "error" in refused.json()
    unknown = api.post("/api/v1/supplier/receipts/", {**body, "severity": "reduced"}, format="json")
    assert unknown.json()["error"]["code"] == "unknown_field"
    assert Receipt.objects.count() == 1
    # receipts are not edited through the API (403: no change permission; 405 otherwise)
    pk = created.json()["id"]
    assert api.patch(
        f"/api/v1/supplier/receipts/{pk}/", {"quantity": 2}, format="json"
    ).status_code in (403, 405)


def test_supplier_answers_through_the_api(world: World, api_for) -> None:
    setup_iqc(world)
    receipt = judge(world, receive(world), bad=2)
    scar = raise_scar_for_receipt(receipt, actor=sqe(world))
    api = api_for("supplier_x")
    missing = api.post(
        f"/api/v1/supplier/scars/{scar.pk}/answer/", {"containment": "x"}, format="json"
    )
    assert missing.status_code == 400
    answer = {
        "containment": "Sorted",
        "root_cause": "Worn roller",
        "category": "machine",
        "corrective": "Replaced",
        "whys": ["scratch", "roller"],
    }
    ok = api.post(f"/api/v1/supplier/scars/{scar.pk}/answer/", answer, format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["response_status"] == "submitted"
    # the supplier cannot accept its own answer through the transition endpoint
    accept = api.post(
        f"/api/v1/supplier/scars/{scar.pk}/transition/",
        {"action": "accept", "password": "x", "reason": "x"},
        format="json",
    )
    assert accept.status_code in (400, 403)
    assert ScarRequest.objects.get(pk=scar.pk).response_status == "submitted"


def receipt_state(receipt: Receipt) -> int:
    from qdm.supplier.models import SwitchingState

    return SwitchingState.objects.get(supplier=receipt.supplier, material=receipt.material).pk

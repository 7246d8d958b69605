"""Supplier portal isolation: for every page, API endpoint, export and action, the user of
supplier X gets 404 for supplier Y's records — guessed ids, changed filters and edited
URLs reveal nothing — and nothing changes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse
from openpyxl import load_workbook

from qdm.core.services.attachments import add_attachment
from qdm.supplier.models import (
    ApprovedMaterial,
    Certificate,
    Receipt,
    ScarRequest,
    Scorecard,
    SupplierContact,
    SupplierPlant,
    SupplierProfile,
    SwitchingEvent,
    SwitchingState,
)
from qdm.supplier.services.scar import raise_scar_for_receipt
from qdm.supplier.services.scorecards import compute_scorecard
from tests.personas import PASSWORD, World
from tests.supplier.builders import glass, judge, receive, setup_iqc, sqe, wafer

pytestmark = pytest.mark.django_db

# (model, list url name, API prefix)
RESOURCES = [
    (SupplierProfile, "supplierprofile", "profiles"),
    (SupplierPlant, "supplierplant", "plants"),
    (SupplierContact, "suppliercontact", "contacts"),
    (ApprovedMaterial, "approvedmaterial", "approved-materials"),
    (Certificate, "certificate", "certificates"),
    (SwitchingState, "switchingstate", "switching-states"),
    (Receipt, "receipt", "receipts"),
    (ScarRequest, "scarrequest", "scars"),
    (Scorecard, "scorecard", "scorecards"),
]


@pytest.fixture
def both(world: World) -> dict[str, dict[str, Any]]:
    """The same records for supplier X and supplier Y."""
    setup_iqc(world)
    setup_iqc(world, material=wafer())
    engineer = sqe(world)
    made: dict[str, dict[str, Any]] = {}
    for key, supplier in (("X", world.supplier_x), ("Y", world.supplier_y)):
        receipt = judge(world, receive(world, supplier=supplier, supplier_lot=f"{key}-L1"), bad=2)
        wafers = receive(world, supplier=supplier, material=wafer(), supplier_lot=f"{key}-W1")
        scar = raise_scar_for_receipt(receipt, actor=engineer)
        certificate = Certificate.objects.create(
            supplier=supplier,
            kind="iso9001",
            number=f"QMS-{key}",
            issuer="CQC",
            valid_from="2025-01-01",
            valid_until="2028-01-01",
        )
        add_attachment(
            certificate,
            SimpleUploadedFile(f"iso9001-{key}.pdf", b"%PDF-1.4 certificate"),
            actor=engineer,
        )
        made[key] = {
            "supplierprofile": SupplierProfile.objects.get(supplier=supplier),
            "supplierplant": SupplierPlant.objects.create(
                supplier=supplier, name=f"Plant-{key}", country="CN"
            ),
            "suppliercontact": SupplierContact.objects.create(
                supplier=supplier, name=f"Contact-{key}", email=f"{key}@example.com"
            ),
            "approvedmaterial": ApprovedMaterial.objects.get(supplier=supplier, material=glass()),
            "certificate": certificate,
            "switchingstate": SwitchingState.objects.get(supplier=supplier, material=glass()),
            "receipt": receipt,
            "wafers": wafers,
            "scarrequest": scar,
            "scorecard": compute_scorecard(supplier, glass().category, receipt.received_at.date()),
        }
    return made


def snapshot(obj: Any) -> dict[str, Any]:
    return model_to_dict(type(obj).objects.get(pk=obj.pk))


def test_pages_and_api_details_are_404_for_the_other_supplier(
    world: World, both: dict, client_for, api_for
) -> None:
    browser, api = client_for("supplier_x"), api_for("supplier_x")
    for _model, name, prefix in RESOURCES:
        mine, theirs = both["X"][name], both["Y"][name]
        assert browser.get(reverse(f"supplier:{name}_detail", args=[mine.pk])).status_code == 200
        assert browser.get(reverse(f"supplier:{name}_detail", args=[theirs.pk])).status_code == 404
        assert browser.get(reverse(f"supplier:{name}_history", args=[theirs.pk])).status_code == 404
        assert api.get(f"/api/v1/supplier/{prefix}/{mine.pk}/").status_code == 200, name
        answer = api.get(f"/api/v1/supplier/{prefix}/{theirs.pk}/")
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
        # guessed ids beyond the last one answer the same
        assert api.get(f"/api/v1/supplier/{prefix}/{theirs.pk + 1000}/").status_code == 404
    events = SwitchingEvent.objects.filter(switching=both["Y"]["switchingstate"])
    for event in events:
        assert api.get(f"/api/v1/supplier/switching-events/{event.pk}/").status_code == 404


def test_lists_filters_and_exports_show_only_their_own(
    world: World, both: dict, client_for, api_for
) -> None:
    browser, api = client_for("supplier_x"), api_for("supplier_x")
    y = world.supplier_y
    for model, name, prefix in RESOURCES:
        theirs = both["Y"][name]
        mine = both["X"][name]
        rows = api.get(f"/api/v1/supplier/{prefix}/", {"limit": 1000}).json()["results"]
        assert {r["id"] for r in rows} == set(
            model.objects.for_user(world.user("supplier_x"), "view").values_list("pk", flat=True)
        )
        assert theirs.pk not in {r["id"] for r in rows} and mine.pk in {r["id"] for r in rows}
        # asking for supplier Y by filter gives an error or nothing, never Y's rows
        filtered = api.get(f"/api/v1/supplier/{prefix}/", {"supplier": y.pk, "limit": 1000})
        if filtered.status_code == 200:
            assert theirs.pk not in {r["id"] for r in filtered.json()["results"]}
        else:
            assert filtered.status_code == 400
        url = reverse(f"supplier:{name}_list")
        for query in ({}, {"supplier": y.pk}, {"q": "Y"}):
            export = browser.get(url, {**query, "export": "xlsx"})
            assert export.status_code == 200
            cells = {
                str(c.value)
                for row in load_workbook(io.BytesIO(export.content)).active.iter_rows()
                for c in row
                if c.value is not None
            }
            assert not any(y.code in c or "Supplier Y" in c or "Y供应商" in c for c in cells), (
                name,
                query,
            )
    page = browser.get(reverse("supplier:portal")).content.decode()
    assert both["X"]["receipt"].number in page
    assert both["Y"]["receipt"].number not in page
    assert both["Y"]["scarrequest"].capa.number not in page


def test_actions_on_the_other_suppliers_records_are_404_and_change_nothing(
    world: World, both: dict, client_for, api_for
) -> None:
    browser, api = client_for("supplier_x"), api_for("supplier_x")
    theirs = both["Y"]
    watched = [
        theirs[k] for k in ("receipt", "wafers", "scarrequest", "certificate", "switchingstate")
    ]
    before = [snapshot(o) for o in watched]
    scar_before = theirs["scarrequest"].capa.actions.count()
    answer = {
        "containment": "sorted",
        "root_cause": "worn roller",
        "category": "machine",
        "corrective": "replace",
    }
    origin = {"producer": "P", "plant": "Q", "lot": "R"}
    posts = [
        (reverse("supplier:receipt_origin", args=[theirs["wafers"].pk]), origin),
        (reverse("supplier:receipt_scar", args=[theirs["receipt"].pk]), {}),
        (reverse("supplier:scar_answer", args=[theirs["scarrequest"].pk]), answer),
        (
            reverse("supplier:scar_review", args=[theirs["scarrequest"].pk]),
            {"decision": "accept", "password": PASSWORD},
        ),
        (
            reverse("supplier:switching_approve", args=[theirs["switchingstate"].pk]),
            {"password": PASSWORD, "reason": "x"},
        ),
        (reverse("supplier:certificate_edit", args=[theirs["certificate"].pk]), {"issuer": "x"}),
    ]
    for url, data in posts:
        assert browser.post(url, data).status_code == 404, url
    # deleting needs a permission the supplier's users have on no record at all: 403 for
    # any id (their own too), which reveals nothing
    for pk in (theirs["certificate"].pk, both["X"]["certificate"].pk):
        delete = reverse("supplier:certificate_delete", args=[pk])
        assert browser.post(delete).status_code == 403
    api_calls = [
        ("post", f"/api/v1/supplier/receipts/{theirs['wafers'].pk}/origin/", origin),
        ("post", f"/api/v1/supplier/scars/{theirs['scarrequest'].pk}/answer/", answer),
        (
            "post",
            f"/api/v1/supplier/scars/{theirs['scarrequest'].pk}/transition/",
            {"action": "submit"},
        ),
        ("patch", f"/api/v1/supplier/certificates/{theirs['certificate'].pk}/", {"issuer": "x"}),
    ]
    for method, url, data in api_calls:
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 404, (url, response.content[:300])
    # an attachment of Y's certificate cannot be downloaded
    from qdm.core.services.attachments import attachments_for

    attachment = attachments_for(theirs["certificate"]).get()
    download = browser.get(reverse("core:attachment_download", args=[attachment.pk]))
    assert download.status_code == 404
    assert [snapshot(o) for o in watched] == before
    assert theirs["scarrequest"].capa.actions.count() == scar_before


def test_own_records_work_through_the_portal(world: World, both: dict, client_for) -> None:
    browser = client_for("supplier_x")
    mine = both["X"]
    response = browser.post(
        reverse("supplier:receipt_origin", args=[mine["wafers"].pk]),
        {"producer": "Xinjiang Poly Co.", "plant": "Shihezi 2", "lot": "PS-260915"},
    )
    assert response.status_code == 302
    mine["wafers"].refresh_from_db()
    assert mine["wafers"].origin_lot == "PS-260915"
    # the supplier cannot create receipts or change the switching state
    assert browser.get(reverse("supplier:receive")).status_code == 403
    assert browser.get(reverse("supplier:scorecardweights_add")).status_code == 403

"""Complaint intake: good and bad serial lists typed, pasted, CSV and XLSX; row-level
errors; nothing half-saved."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from qdm.service.models import ComplaintItem
from qdm.service.services.complaints import (
    IntakeError,
    add_items,
    parse_text,
    parse_upload,
)
from tests.service.builders import make_complaint, make_plant, serial

pytestmark = pytest.mark.django_db


def test_pasted_list_with_symptoms_and_notes(world):
    plant = make_plant(world)
    mine = plant.shipped_to(world.customer_c)[:3]
    text = "\n".join(
        [f"{mine[0].code}\tDELAM\tbubbles", f"{mine[1].code},hot spot", "", f"{mine[2].code}"]
    )
    complaint = make_complaint(world)
    items = add_items(complaint, parse_text(text, default_symptom="CRACK"), actor=world.user("cqo"))
    got = {i.serial: (i.symptom, i.notes, i.unit_id) for i in items}
    assert got == {
        mine[0].code: ("DELAM", "bubbles", mine[0].pk),
        mine[1].code: ("HOTSPOT", "", mine[1].pk),  # the label is accepted too
        mine[2].code: ("CRACK", "", mine[2].pk),  # the default for rows without one
    }


def test_hundreds_at_once_from_csv_and_xlsx(world):
    plant = make_plant(world)
    mine = plant.shipped_to(world.customer_c)
    assert len(mine) >= 200
    csv_text = "serial;symptom;notes\n" + "\n".join(
        f"{m.code};DELAM;row {i}" for i, m in enumerate(mine[:150])
    )
    rows = parse_upload("list.csv", csv_text.encode("utf-8-sig"))
    complaint = make_complaint(world)
    assert len(add_items(complaint, rows, actor=world.user("cqo"))) == 150
    book = Workbook()
    sheet = book.active
    sheet.append(["Serial", "Symptom", "Notes"])
    for m in mine[150:200]:
        sheet.append([m.code, "PID", None])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = parse_upload("list.xlsx", buffer.getvalue())
    assert len(add_items(complaint, rows, actor=world.user("cqo"))) == 50
    assert complaint.items.count() == 200


def test_bad_rows_are_named_and_nothing_is_saved(world):
    plant = make_plant(world)
    mine = plant.shipped_to(world.customer_c)
    theirs = plant.shipped_to(plant.customer_d)
    complaint = make_complaint(world)
    add_items(complaint, parse_text(f"{mine[0].code}\tDELAM"), actor=world.user("cqo"))
    text = "\n".join(
        [
            f"{mine[1].code}\tDELAM",  # good
            "NOPE-0001\tDELAM",  # unknown
            f"{theirs[0].code}\tDELAM",  # shipped to customer D
            f"{mine[2].code}\tRAINBOW",  # unknown symptom
            f"{mine[1].code}\tDELAM",  # twice
            f"{mine[0].code}\tDELAM",  # already on the complaint
            f"{plant.enc_lots[0].code}\tDELAM",  # a lot, not a module
        ]
    )
    with pytest.raises(IntakeError) as caught:
        add_items(complaint, parse_text(text), actor=world.user("cqo"))
    messages = {(e.line, e.serial): e.message for e in caught.value.rows}
    assert messages == {
        (2, "NOPE-0001"): "unknown serial number.",
        (3, theirs[0].code): "not shipped to CUS-C.",
        (4, mine[2].code): "unknown symptom code “RAINBOW”.",
        (5, mine[1].code): "listed twice (also row 1).",
        (6, mine[0].code): "already on this complaint.",
        (7, plant.enc_lots[0].code): "unknown serial number.",
    }
    assert list(complaint.items.values_list("serial", flat=True)) == [mine[0].code]


def test_unshipped_module_is_refused(world):
    plant = make_plant(world)
    last = plant.modules[-1]  # in a pallet, but is that pallet shipped?  module 399 → pallet 11
    assert last.code == serial(399)
    complaint = make_complaint(world, customer=plant.customer_d)
    # pallet 11 → shipment 3 → customer D: fine for D; refused for C
    add_items(complaint, parse_text(f"{last.code}\tGLASS"), actor=world.user("cqo"))
    other = make_complaint(world)
    with pytest.raises(IntakeError, match="not shipped to CUS-C"):
        add_items(other, parse_text(f"{last.code}\tGLASS"), actor=world.user("cqo"))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.pdf", b"%PDF", "Upload a .csv or .xlsx file."),
        ("list.csv", b"code,symptom\nX,DELAM\n", "must name a 'serial' column"),
        ("list.xlsx", b"not a zip", "not a readable XLSX"),
        ("list.csv", "serial\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_unreadable_uploads(name, content, message):
    with pytest.raises(IntakeError, match=message):
        parse_upload(name, content)


def test_empty_list(world):
    complaint = make_complaint(world)
    with pytest.raises(IntakeError, match="No serial numbers"):
        add_items(complaint, parse_text("\n \n"), actor=world.user("cqo"))


def test_intake_page_shows_row_errors_and_saves_nothing(world, client_for):
    plant = make_plant(world)
    mine = plant.shipped_to(world.customer_c)
    complaint = make_complaint(world)
    url = reverse("service:complaint_intake", args=[complaint.pk])
    client = client_for("eng_a")
    response = client.post(url, {"serials": f"{mine[0].code}\tDELAM\nBAD-1\tDELAM"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Row 2 (BAD-1): unknown serial number." in page
    assert not ComplaintItem.objects.exists()
    upload = SimpleUploadedFile("s.csv", f"serial,symptom\n{mine[0].code},DELAM\n".encode())
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert complaint.items.get().serial == mine[0].code


def test_api_intake(world, api_for):
    plant = make_plant(world)
    mine = plant.shipped_to(world.customer_c)
    complaint = make_complaint(world)
    api = api_for("cqo")
    url = f"/api/v1/service/complaints/{complaint.pk}/items/"
    bad = api.post(
        url,
        {
            "rows": [
                {"serial": mine[0].code, "symptom": "DELAM"},
                {"serial": "X-1", "symptom": "DELAM"},
            ]
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["rows"] == [
        {"row": 2, "serial": "X-1", "message": "unknown serial number."}
    ]
    assert not complaint.items.exists()
    good = api.post(
        url, {"rows": [{"serial": m.code, "symptom": "PID"} for m in mine[:5]]}, format="json"
    )
    assert good.status_code == 201 and good.json() == {"added": 5}

"""FMEA: AP/RPN from the AIAG-VDA library, rating validation, release with e-signature,
the released lock, revisions, special characteristics and the XLSX worksheet."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook

from qdm.core.models import ElectronicSignature
from qdm.core.workflow import TransitionError, transition
from qdm.design.models import Fmea, FmeaItem
from qdm.design.services.fmea import apply_special_classes, new_revision, special_proposals
from qdm.quality.fmea import action_priority, rpn
from tests.design.builders import make_characteristic, make_fmea, make_item, released
from tests.personas import PASSWORD, World, make_user

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/design/fmea-items/"

# (S, O, D, expected AP). Cells of the AIAG-VDA handbook (2019) "Action Priority for
# DFMEA and PFMEA" table: row = S band / O band, column = D band.
AP_CASES = [
    (9, 4, 2, "H"),  # S 9-10, O 4-5, D 2-4 -> H
    (9, 4, 1, "M"),  # S 9-10, O 4-5, D 1 -> M (the only M of that row)
    (10, 2, 7, "H"),  # S 9-10, O 2-3, D 7-10 -> H
    (10, 2, 5, "M"),  # S 9-10, O 2-3, D 5-6 -> M
    (10, 3, 4, "L"),  # S 9-10, O 2-3, D 2-4 -> L
    (9, 1, 10, "L"),  # S 9-10, O 1 -> L whatever D (S >= 9 is not always H)
    (8, 6, 2, "H"),  # S 7-8, O 6-7, D 2-4 -> H (the handbook's worked S8/O6/D2 pair)
    (7, 6, 1, "M"),  # S 7-8, O 6-7, D 1 -> M
    (7, 4, 7, "H"),  # S 7-8, O 4-5, D 7-10 -> H
    (7, 5, 5, "M"),  # S 7-8, O 4-5, D 5-6 -> M
    (8, 2, 4, "L"),  # S 7-8, O 2-3, D 2-4 -> L
    (4, 8, 5, "H"),  # S 4-6, O 8-10, D 5-6 -> H
    (6, 10, 4, "M"),  # S 4-6, O 8-10, D 2-4 -> M
    (6, 7, 1, "L"),  # S 4-6, O 6-7, D 1 -> L
    (5, 4, 7, "M"),  # S 4-6, O 4-5, D 7-10 -> M
    (3, 8, 7, "M"),  # S 2-3, O 8-10, D 7-10 -> M
    (2, 6, 8, "L"),  # S 2-3, O 6-7, D 7-10 -> L (the handbook's worked S2/O6/D8 pair)
    (1, 10, 10, "L"),  # S 1 -> L everywhere
]


@pytest.mark.parametrize("kind", ["dfmea", "pfmea"])
def test_stored_ap_and_rpn_equal_the_library(world: World, kind: str) -> None:
    fmea = make_fmea(world, "A", kind=kind)
    for s, o, d, expected in AP_CASES:
        item = make_item(fmea, s, o, d)
        item.refresh_from_db()
        assert item.action_priority == expected == action_priority(s, o, d, kind), (s, o, d)
        assert item.rpn == s * o * d == rpn(s, o, d)


def test_re_rating_gives_ap_after_and_partial_re_rating_is_refused(world: World) -> None:
    from django.core.exceptions import ValidationError

    fmea = make_fmea(world, "A")
    item = make_item(fmea, 9, 4, 2, severity_after=9, occurrence_after=2, detection_after=2)
    item.refresh_from_db()
    assert (item.action_priority, item.action_priority_after, item.rpn_after) == ("H", "L", 36)
    with pytest.raises(ValidationError) as exc:
        make_item(fmea, 9, 4, 2, occurrence_after=2)
    assert set(exc.value.message_dict) == {"severity_after", "detection_after"}


def test_api_computes_ap_and_refuses_it_as_input(world: World, api_for) -> None:
    fmea = make_fmea(world, "A")
    body = {
        "fmea": fmea.pk,
        "focus_element": "Lamination",
        "failure_effect": "Delamination, moisture ingress",
        "failure_mode": "Encapsulant under-cured",
        "failure_cause": "Laminator temperature low",
        "severity": 8,
        "occurrence": 6,
        "detection": 2,
    }
    api = api_for("eng_a")
    response = api.post(ITEMS, body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["action_priority"], response.json()["rpn"]) == ("H", 96)
    before = FmeaItem.objects.count()
    forged = api.post(ITEMS, {**body, "action_priority": "L", "rpn": 1}, format="json")
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "unknown_field"
    assert FmeaItem.objects.count() == before


def item_form(fmea: Fmea, **over: Any) -> dict[str, Any]:
    return {
        "fmea": fmea.pk,
        "focus_element": "Framing",
        "failure_effect": "Frame detaches under load",
        "failure_mode": "Insufficient sealant",
        "failure_cause": "Dispenser nozzle clogged",
        "severity": "8",
        "occurrence": "3",
        "detection": "4",
        **over,
    }


BAD = [0, 11, "2.5", "x", -1]
LABELS = {"severity": "Severity (S)", "occurrence": "Occurrence (O)", "detection": "Detection (D)"}


@pytest.mark.parametrize("field", ["severity", "occurrence", "detection"])
@pytest.mark.parametrize("value", BAD)
def test_bad_rating_is_refused_by_the_form_naming_the_field(
    world: World, client_for, field: str, value: Any
) -> None:
    fmea = make_fmea(world, "A")
    response = client_for("eng_a").post(
        "/design/fmea-items/add/", item_form(fmea, **{field: value})
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert LABELS[field] in errors[field][0]
    assert "1 to 10" in errors[field][0]
    assert not FmeaItem.objects.exists()


@pytest.mark.parametrize("field", ["severity", "occurrence", "detection"])
@pytest.mark.parametrize("value", [0, 11, 2.5, "x"])
def test_bad_rating_is_refused_by_the_api_naming_the_field(
    world: World, api_for, field: str, value: Any
) -> None:
    fmea = make_fmea(world, "A")
    body = {**item_form(fmea), "severity": 8, "occurrence": 3, "detection": 4, field: value}
    response = api_for("eng_a").post(ITEMS, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [field]
    assert LABELS[field] in error["fields"][field][0]
    assert field in error["message"]
    assert not FmeaItem.objects.exists()


def test_the_item_form_shows_the_rating_guide(world: World, client_for) -> None:
    fmea = make_fmea(world, "A")
    page = client_for("eng_a").get(f"/design/fmea-items/add/?fmea={fmea.pk}").content.decode()
    assert "Noncompliance with regulations or certification" in page
    assert "Extremely low: failure eliminated by design or process" in page


def test_release_needs_the_e_signature(world: World, api_for) -> None:
    fmea = make_fmea(world, "A")
    make_item(fmea)
    cqo = world.user("cqo")
    with pytest.raises(TransitionError) as exc:
        transition(fmea, "submit", actor=cqo)
        fmea.refresh_from_db()
        transition(fmea, "release", actor=cqo, password="wrong", reason="review passed")
    assert exc.value.code == "signature_password"
    fmea.refresh_from_db()
    assert fmea.status == "review"
    assert fmea.released_at is None
    assert not ElectronicSignature.objects.exists()
    url = f"/api/v1/design/fmeas/{fmea.pk}/transition/"
    body = {"action": "release", "password": "wrong", "reason": "review passed"}
    response = api_for("cqo").post(url, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "signature_password"
    fmea.refresh_from_db()
    assert fmea.status == "review"
    response = api_for("cqo").post(url, {**body, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.json()
    fmea.refresh_from_db()
    assert fmea.status == "released" and fmea.released_at is not None
    signature = ElectronicSignature.objects.get()
    assert signature.meaning == "approved"


def test_an_empty_fmea_cannot_be_submitted(world: World) -> None:
    fmea = make_fmea(world, "A")
    with pytest.raises(TransitionError) as exc:
        transition(fmea, "submit", actor=world.user("cqo"))
    assert exc.value.code == "guard_failed"


def test_a_released_fmea_cannot_be_edited(world: World, client_for, api_for) -> None:
    fmea = make_fmea(world, "A")
    item = make_item(fmea)
    fmea = released(world, fmea)
    client, api = client_for("eng_a"), api_for("eng_a")
    form = {"kind": "pfmea", "title": "Changed", "site": world.site_a.pk}
    response = client.post(f"/design/fmeas/{fmea.pk}/edit/", form)
    assert response.status_code == 400
    assert "can no longer be changed" in response.content.decode()
    response = client.post(f"/design/fmea-items/{item.pk}/edit/", item_form(fmea, severity="2"))
    assert response.status_code == 400
    assert "start a new revision" in response.content.decode()
    response = client.post("/design/fmea-items/add/", item_form(fmea))
    assert response.status_code == 400
    response = api.patch(f"/api/v1/design/fmeas/{fmea.pk}/", {"title": "Changed"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "fmea_locked"
    assert "can no longer be changed" in response.json()["error"]["message"]
    response = api.patch(f"{ITEMS}{item.pk}/", {"severity": 2}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "fmea_locked"
    response = api.delete(f"{ITEMS}{item.pk}/")
    assert response.status_code == 409
    response = api.delete(f"/api/v1/design/fmeas/{fmea.pk}/")
    assert response.status_code == 409
    fmea.refresh_from_db()
    item.refresh_from_db()
    assert fmea.title == "Module line PFMEA A" and fmea.status == "released"
    assert item.severity == 7 and FmeaItem.objects.count() == 1
    page = client.get(fmea.get_absolute_url()).content.decode()
    assert f"/design/fmeas/{fmea.pk}/edit/" not in page
    assert 'data-testid="fmea-locked"' in page


def test_new_revision_copies_the_rows_and_supersedes_on_release(
    world: World, client_for, api_for
) -> None:
    char = make_characteristic()
    fmea = make_fmea(world, "A")
    make_item(fmea, 9, 4, 2, characteristic=char, preventive_action="Closed-loop temperature")
    make_item(fmea, 5, 4, 7)
    fmea = released(world, fmea)
    with pytest.raises(Exception) as exc:
        new_revision(make_fmea(world, "A"), actor=world.user("cqo"))
    assert getattr(exc.value, "code", None) == "not_released"
    response = client_for("eng_a").post(f"/design/fmeas/{fmea.pk}/new-revision/")
    assert response.status_code == 302
    copy = Fmea.objects.get(number=fmea.number, revision=2)
    assert copy.status == "draft" and copy.revised_from == fmea and copy.site == fmea.site
    fields = ["position", "failure_mode", "severity", "occurrence", "detection"]
    fields += ["action_priority", "rpn", "characteristic_id", "preventive_action"]
    assert list(copy.items.values_list(*fields)) == list(fmea.items.values_list(*fields))
    fmea.refresh_from_db()
    assert fmea.status == "released"
    # only one newer revision at a time
    response = api_for("eng_a").post(f"/api/v1/design/fmeas/{fmea.pk}/new-revision/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "revision_exists"
    # the copy is editable; releasing it supersedes revision 1
    make_item(copy, 6, 2, 2)
    released(world, copy)
    fmea.refresh_from_db()
    assert fmea.status == "superseded"
    assert copy.items.count() == 3 and fmea.items.count() == 2


def test_special_characteristics_flow_into_the_catalog(world: World, client_for) -> None:
    critical = make_characteristic("MOD-SOLDER")
    significant = make_characteristic("MOD-LAM-T")
    already_cc = make_characteristic("MOD-INS", special="CC")
    plain = make_characteristic("MOD-FRAME")
    fmea = make_fmea(world, "A")
    make_item(fmea, 9, 2, 2, characteristic=critical)  # S >= 9 -> CC
    make_item(fmea, 6, 4, 4, characteristic=significant, special_class="SC")  # marked SC
    make_item(fmea, 6, 4, 4, characteristic=already_cc, special_class="SC")  # never lowered
    make_item(fmea, 8, 4, 4, characteristic=plain)  # S 8, not marked -> nothing
    proposals = {p.characteristic.code: p.proposed for p in special_proposals(fmea)}
    assert proposals == {"MOD-SOLDER": "CC", "MOD-LAM-T": "SC"}
    viewer = make_user("viewer", "viewer")
    with pytest.raises(Exception) as exc:
        apply_special_classes(fmea, actor=viewer)
    assert getattr(exc.value, "code", None) == "permission_denied"
    critical.refresh_from_db()
    assert critical.special_class == ""
    response = client_for("eng_a").post(f"/design/fmeas/{fmea.pk}/special-characteristics/")
    assert response.status_code == 302
    classes = dict(
        type(critical).objects.filter(code__startswith="MOD-").values_list("code", "special_class")
    )
    assert classes == {"MOD-SOLDER": "CC", "MOD-LAM-T": "SC", "MOD-INS": "CC", "MOD-FRAME": ""}
    assert special_proposals(fmea) == []


def workbook_rows(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_worksheet_export_in_english_and_chinese(world: World, client_for) -> None:
    fmea = make_fmea(world, "A")
    make_item(fmea, 5, 4, 7)  # M
    make_item(fmea, 9, 4, 2, failure_mode="Cell crack at ribbon end")  # H: sorted first
    client = client_for("cqo")
    english = client.get(f"/design/fmeas/{fmea.pk}/export/?lang=en")
    assert english.status_code == 200
    rows = workbook_rows(english.content)
    groups = next(r for r in rows if r[0] == "Structure analysis (step 2)")
    header = rows[rows.index(groups) + 1]
    expected = ["Next higher level", "Focus element", "Next lower level", "4M type"]
    assert header[:4] == expected
    for title in ("Failure effect (FE)", "Failure mode (FM)", "Failure cause (FC)", "RPN"):
        assert title in header
    assert header.index("Severity (S)") < header.index("Failure mode (FM)")
    assert header.index("Occurrence (O)") < header.index("Detection (D)")
    assert header.index("Detection (D)") < header.index("Action priority (AP)")
    assert "Optimisation (step 6)" in groups
    data = rows[rows.index(groups) + 2 :]
    ap = header.index("Action priority (AP)")
    assert [row[ap] for row in data] == ["H", "M"]
    assert data[0][header.index("Failure mode (FM)")] == "Cell crack at ribbon end"
    chinese = client.get(f"/design/fmeas/{fmea.pk}/export/?lang=zh-hans")
    assert chinese.status_code == 200
    zh_rows = workbook_rows(chinese.content)
    with translation.override("zh-hans"):
        status_zh = translation.gettext("Status")
        zh_group = translation.gettext("Structure analysis (step 2)")
    assert status_zh != "Status"  # the catalogue translates this label
    assert any(row[0] == status_zh for row in zh_rows)
    assert not any(row[0] == "Status" for row in zh_rows)
    assert any(row[0] == zh_group for row in zh_rows)
    assert len(zh_rows) == len(rows)
    assert client.get(f"/design/fmeas/{fmea.pk}/export/?lang=fr").status_code == 404
    assert client_for("eng_b").get(f"/design/fmeas/{fmea.pk}/export/").status_code == 404


def test_detail_page_lists_items_by_ap_then_severity_with_badges(world: World, client_for) -> None:
    fmea = make_fmea(world, "A")
    make_item(fmea, 2, 6, 8, failure_mode="Label misprint")  # L
    make_item(fmea, 7, 4, 5, failure_mode="Mode M7")  # M (S 7-8, O 4-5, D 5-6)
    make_item(fmea, 9, 4, 1, failure_mode="Mode M9")  # M
    top = make_item(fmea, 9, 4, 2, failure_mode="Bypass diode open")  # H
    page = client_for("eng_a").get(fmea.get_absolute_url()).content.decode()
    order = [page.index(m) for m in ("Bypass diode open", "Mode M9", "Mode M7", "Label misprint")]
    assert order == sorted(order)
    assert 'class="badge bg-red text-red-fg" data-ap="H"' in page
    assert 'class="badge bg-yellow text-yellow-fg" data-ap="M"' in page
    assert 'class="badge bg-green text-green-fg" data-ap="L"' in page
    listing = client_for("eng_a").get("/design/fmea-items/?sort=action_priority")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert text.index("Bypass diode open") < text.index("Mode M9") < text.index("Label misprint")
    item_page = client_for("eng_a").get(top.get_absolute_url()).content.decode()
    assert 'data-ap="H"' in item_page and "RPN 72" in item_page
    export = client_for("eng_a").get("/design/fmea-items/?export=xlsx&sort=action_priority")
    rows = workbook_rows(export.content)
    ap = rows[0].index("Action priority (AP)")
    assert [row[ap] for row in rows[1:]] == ["H", "M", "M", "L"]

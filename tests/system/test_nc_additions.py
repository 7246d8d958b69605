"""Nonconformity additions: genealogy units by code, the mobile report form, "open a
CAPA/8D from this NC"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qdm.core.models import Attachment
from qdm.data.models import Unit
from qdm.system.models import EightD, Nonconformity
from qdm.system.services.nonconformity import link_units
from tests.personas import World, make_user
from tests.system.builders import make_nc

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def units(world: World) -> dict[str, Unit]:
    return {
        code: Unit.objects.create(code=code, kind="module", site=site)
        for code, site in (
            ("SA-M-0001", world.site_a),
            ("SA-M-0002", world.site_a),
            ("SB-M-0001", world.site_b),
        )
    }


def test_units_link_by_code_and_unknown_codes_are_named(world: World, units) -> None:
    nc = make_nc(world, "A", unit_codes="SA-M-0001\nSA-M-0002")
    assert set(nc.units.values_list("code", flat=True)) == {"SA-M-0001", "SA-M-0002"}
    before = Nonconformity.objects.count()
    with pytest.raises(ValidationError) as exc:
        make_nc(world, "A", unit_codes=["SA-M-0001", "NOPE-1", "SB-M-0001"])
    message = exc.value.message_dict["unit_codes"][0]
    assert "NOPE-1" in message and "SB-M-0001" in message  # other site reads as unknown
    assert "SA-M-0001" not in message
    assert Nonconformity.objects.count() == before
    with pytest.raises(ValidationError):
        link_units(nc, ["NOPE-2"], actor=world.user("eng_a"))
    assert nc.units.count() == 2


def test_unit_codes_through_form_and_api(world: World, units, client_for, api_for) -> None:
    data = {
        "site": world.site_a.pk,
        "source": "oqc",
        "severity": "major",
        "title": "EL cracks",
        "description": "CRK-B",
        "unit_codes": "SA-M-0001\nBAD-9",
    }
    page = client_for("eng_a").post("/system/nonconformities/add/", data)
    assert page.status_code == 400
    assert "Unknown lot or serial code(s): BAD-9" in page.content.decode()
    assert not Nonconformity.objects.filter(title="EL cracks").exists()
    page = client_for("eng_a").post(
        "/system/nonconformities/add/", {**data, "unit_codes": "SA-M-0001"}
    )
    assert page.status_code == 302
    nc = Nonconformity.objects.get(title="EL cracks")
    assert list(nc.units.values_list("code", flat=True)) == ["SA-M-0001"]
    api = api_for("eng_a").post(
        "/api/v1/system/nonconformities/",
        {**data, "title": "API cracks", "unit_codes": ["SB-M-0001"]},
        format="json",
    )
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "unknown_units"
    assert "SB-M-0001" in api.json()["error"]["fields"]["unit_codes"][0]
    assert not Nonconformity.objects.filter(title="API cracks").exists()
    api = api_for("eng_a").post(
        "/api/v1/system/nonconformities/",
        {**data, "title": "API cracks", "unit_codes": ["SA-M-0002"]},
        format="json",
    )
    assert api.status_code == 201, api.json()
    assert api.json()["units"] == ["SA-M-0002"]


def test_any_employee_can_raise_from_the_mobile_form(world: World, client_for) -> None:
    make_user("inspector_a", "inspector", site=world.site_a)
    client = client_for("eng_a")
    client.force_login(world.users["eng_a"].__class__.objects.get(username="inspector_a"))
    form = client.get("/system/nonconformities/report/")
    assert form.status_code == 200
    # only the inspector's own site is offered (compare the choices, not the page text:
    # a two-letter code can occur by chance in a CSRF token)
    choices = {str(value) for value, _label in form.context["form"].fields["site"].choices if value}
    assert choices == {str(world.site_a.pk)}
    photo = SimpleUploadedFile("crack.png", PNG, "image/png")
    response = client.post(
        "/system/nonconformities/report/",
        {
            "site": world.site_a.pk,
            "title": "Broken glass at stringer",
            "description": "Glass edge chipped",
            "severity": "minor",
            "photo": photo,
        },
    )
    assert response.status_code == 302
    nc = Nonconformity.objects.get(title="Broken glass at stringer")
    assert nc.source == "employee" and nc.raised_by.username == "inspector_a"
    assert Attachment.objects.filter(object_id=str(nc.pk), name="crack.png").exists()
    other_site = client.post(
        "/system/nonconformities/report/",
        {"site": world.site_b.pk, "title": "x", "description": "y", "severity": "minor"},
    )
    assert other_site.status_code == 400
    assert not Nonconformity.objects.filter(site=world.site_b).exists()
    assert client_for("outsider").get("/system/nonconformities/report/").status_code == 403


def test_open_capa_from_the_nc_page(world: World, client_for) -> None:
    nc = make_nc(world, "A", supplier=world.supplier_x)
    page = client_for("eng_a").get(nc.get_absolute_url()).content.decode()
    assert "Open CAPA / 8D" in page
    assert (
        client_for("eng_b").post(f"/system/nonconformities/{nc.pk}/open-capa/").status_code == 404
    )
    assert not EightD.objects.exists()
    response = client_for("eng_a").post(
        f"/system/nonconformities/{nc.pk}/open-capa/", {"kind": "scar"}
    )
    capa = EightD.objects.get()
    assert response.status_code == 302 and response["Location"] == capa.get_absolute_url()
    assert capa.kind == "scar" and capa.supplier == world.supplier_x
    assert capa.number in client_for("eng_a").get(nc.get_absolute_url()).content.decode()

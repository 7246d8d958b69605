"""Field IV/EL per complaint serial against the factory flash test and EL of the same
serial: entry (paste, upload, API) with row-level errors, the deltas with the stated
measurement uncertainty, the XLSX export, and scoping."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from qdm.core.models import Customer
from qdm.data.models import ElResult, FlashTest
from qdm.service.models import FieldMeasurement
from qdm.service.services.complaints import IntakeError
from qdm.service.services.field import compare, record_field_results
from tests.personas import World, make_user
from tests.service.builders import make_complaint, make_plant, with_serials

pytestmark = pytest.mark.django_db


def factory_results(world: World, serial: str, pmax: float, grade: str = "A", defects=()):
    when = timezone.now() - datetime.timedelta(days=300)
    FlashTest.objects.create(
        site=world.site_a, line=world.line_a, serial=serial, tested_at=when,
        irradiance_wm2=1000, module_temp_c=25, pmax_w=pmax, voc_v=52.3, isc_a=14.0,
        vmp_v=43.6, imp_a=13.4, ff_pct=79.5,
    )  # fmt: skip
    ElResult.objects.create(
        site=world.site_a, line=world.line_a, serial=serial, tested_at=when, stage="EL2",
        grade=grade, defects=[{"code": c} for c in defects],
    )  # fmt: skip


@pytest.fixture
def setup(world: World):
    plant = make_plant(world, alternate=False)
    complaint = make_complaint(world)
    units = plant.modules[:3]
    with_serials(world, complaint, units, symptom="POWER")
    for u in units:
        factory_results(world, u.code, 585.0)
    return complaint, [u.code for u in units]


def table(*rows: str) -> list[list[str]]:
    return [r.split(",") for r in rows]


def test_deltas_against_factory_with_uncertainty(world: World, setup) -> None:
    complaint, (s1, s2, s3) = setup
    record_field_results(
        complaint,
        table(
            "serial,pmax_w,voc_v,ff_pct,uncertainty_pct,el_grade,el_defects",
            f"{s1},560.0,51.0,75.0,5,A,",
            f"{s2},530.0,,,3,C,CRACK",
        ),
        actor=world.user("cqo"),
    )
    rows = {c.serial: c for c in compare(complaint)}
    # reference values by hand, from the definitions in qdm.service.services.field:
    # Δ = (560 − 585)/585 = −4.2735 %; 560 × 1.05 = 588 ≥ 585 → no loss beyond uncertainty
    assert rows[s1].pmax_delta_pct == pytest.approx(-4.273504, abs=1e-6)
    assert rows[s1].confirmed_loss_pct == 0.0
    assert rows[s1].voc_delta_pct == pytest.approx(100 * (51.0 - 52.3) / 52.3)  # −2.4857 %
    assert rows[s1].ff_delta_pts == pytest.approx(-4.5)
    assert rows[s1].el_worse is False
    # Δ = (530 − 585)/585 = −9.4017 %; 530 × 1.03 = 545.9 → 100 × (1 − 545.9/585) = 6.6838 %
    assert rows[s2].pmax_delta_pct == pytest.approx(-9.401709, abs=1e-6)
    assert rows[s2].confirmed_loss_pct == pytest.approx(6.683761, abs=1e-6)
    assert rows[s2].el_worse is True and rows[s2].new_defects == ["CRACK"]
    assert "6.7" in rows[s2].verdict and "A → C" in rows[s2].verdict
    assert rows[s3].field is None and rows[s3].pmax_delta_pct is None
    assert [c.serial for c in compare(complaint, measured_only=True)] == [s1, s2]


def test_bad_rows_are_named_and_nothing_is_saved(world: World, setup) -> None:
    complaint, (s1, s2, s3) = setup
    with pytest.raises(IntakeError) as exc:
        record_field_results(
            complaint,
            table(
                "serial,pmax_w,el_grade,uncertainty_pct,measured_on",
                f"{s1},-5,,,",
                "NOPE-1,560,,,",
                f"{s2},abc,E,30,2026-13-01",
                f"{s1},560,,,",
                f"{s3},,,,",
            ),
            actor=world.user("cqo"),
        )
    text = [str(r) for r in exc.value.rows]
    assert "Row 2" in text[0] and "pmax_w -5 is outside 1.0 … 2000.0" in text[0]
    assert "Row 3 (NOPE-1): not a serial of this complaint" in text[1]
    assert "pmax_w “abc” is not a number" in text[2]
    assert "EL grade “E” is not A, B, C or D" in text[2]
    assert "uncertainty_pct 30 is outside" in text[2] and "not a date" in text[2]
    assert "repeats row 2" in text[3]
    assert "give at least the field Pmax or the field EL grade" in text[4]
    assert not FieldMeasurement.objects.exists()
    with pytest.raises(IntakeError, match="'serial' column"):
        record_field_results(complaint, table("pmax,el"), actor=world.user("cqo"))


def test_page_paste_upload_and_export(world: World, setup, client_for) -> None:
    complaint, (s1, s2, s3) = setup
    client = client_for("cqo")
    url = f"/service/complaints/{complaint.pk}/field/"
    pasted = client.post(url, {"table": f"serial\tpmax_w\n{s1}\t560"})
    assert pasted.status_code == 302
    book = Workbook()
    sheet = book.active
    sheet.append(["serial", "pmax_w", "el_grade", "stc_corrected"])
    sheet.append([s2, 530.0, "B", "no"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("field.xlsx", buffer.getvalue())
    assert client.post(url, {"file": upload}).status_code == 302
    assert FieldMeasurement.objects.get(item__serial=s2).stc_corrected is False
    bad = client.post(url, {"table": "serial,pmax_w\nNOPE,560"})
    assert bad.status_code == 400 and "not a serial of this complaint" in bad.content.decode()
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'data-testid="field-comparison"' in page and s1 in page
    assert "not corrected to STC: indicative" in page
    export = client.get(url, {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Serial number", "Symptom", "Factory Pmax (W)", "Field Pmax (W)")
    by_serial = {r[0]: r for r in rows[1:]}
    assert by_serial[s1][3] == 560.0 and by_serial[s1][4] == pytest.approx(-4.27)
    assert by_serial[s3][3] is None


def test_scope_and_customer_users(world: World, setup) -> None:
    complaint, (s1, _s2, _s3) = setup
    url = f"/service/complaints/{complaint.pk}/field/"
    other = Customer.objects.get(code="CUS-D")  # made by make_plant
    stranger = Client()
    stranger.force_login(make_user("lucia", "customer_user", customer=other))
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"table": f"serial,pmax_w\n{s1},1"}).status_code == 404
    own = Client()
    own.force_login(make_user("hans", "customer_user", customer=world.customer_c))
    assert own.get(url).status_code == 200  # sees their modules' comparison
    assert own.post(url, {"table": f"serial,pmax_w\n{s1},560"}).status_code == 403
    assert not FieldMeasurement.objects.exists()


def test_api(world: World, setup, api_for) -> None:
    complaint, (s1, s2, _s3) = setup
    api = api_for("cqo")
    url = f"/api/v1/service/complaints/{complaint.pk}/field-results/"
    bad = api.post(url, {"rows": [{"serial": s1, "pmax_w": 560}, {"serial": "X"}]}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["rows"][0]["serial"] == "X"
    assert not FieldMeasurement.objects.exists()
    ok = api.post(
        url, {"rows": [{"serial": s2, "pmax_w": 530, "uncertainty_pct": 3}]}, format="json"
    )
    assert ok.status_code == 201 and ok.json() == {"recorded": 1}
    rows = {r["serial"]: r for r in api.get(url).json()["rows"]}
    assert rows[s2]["confirmed_loss_pct"] == pytest.approx(6.68)
    assert api.post(url, {"rows": "nope"}, format="json").status_code == 400

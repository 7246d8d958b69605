"""COA upload as CSV/XLSX files (read by the data ingestion engine's readers): the values
are stored all or nothing, each bad row is named with its row and column, and a portal
user uploads only for their own supplier's receipts."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from qdm.supplier.models import CoaValue
from qdm.supplier.services.coa_files import CoaFileError, upload_coa_file
from qdm.supplier.services.common import SupplierError
from tests.personas import World
from tests.supplier.builders import approve, glass, receive
from tests.supplier.test_coa import plan_with_thickness

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "coa.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list[object]], name: str = "coa.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def values(receipt: object) -> dict[str, float]:
    return dict(
        CoaValue.objects.filter(receipt=receipt).values_list("characteristic__code", "value")
    )


def test_csv_and_xlsx_are_stored(world: World) -> None:
    plan_with_thickness(world)
    receipt = receive(world)
    supplier = world.user("supplier_x")
    saved = upload_coa_file(
        receipt,
        actor=supplier,
        upload=csv_file("Characteristic,Value (mm),Unit\nIQC-GLS-THK,3.21,mm\n"),
    )
    assert len(saved) == 1 and values(receipt) == {"IQC-GLS-THK": 3.21}
    # a Chinese XLSX replaces the value (blank rows are skipped)
    upload_coa_file(
        receipt,
        actor=supplier,
        upload=xlsx_file([["特性", "数值"], [None, None], ["IQC-GLS-THK", 3.18]]),
    )
    assert values(receipt) == {"IQC-GLS-THK": 3.18}
    # GB18030 CSV with semicolons, as Excel saves it on a Chinese Windows
    upload_coa_file(
        receipt,
        actor=supplier,
        upload=csv_file("特性代码;测量值\nIQC-GLS-THK;3,20\n", encoding="gb18030"),
    )
    assert values(receipt) == {"IQC-GLS-THK": 3.20}
    assert CoaValue.objects.count() == 1


@pytest.mark.parametrize(
    "text, messages",
    [
        (
            "characteristic,value\nIQC-GLS-THK,3.2\nIQC-GLS-THK,thick\n,3.1\nNO-SUCH,3\n",
            [
                "Row 3, column “value”: “thick” is not a number.",
                "Row 3, column “characteristic”: IQC-GLS-THK is given again (first in row 2).",
                "Row 4, column “characteristic”: no characteristic.",
                "Row 5, column “characteristic”: unknown characteristic NO-SUCH.",
            ],
        ),
        (
            "characteristic,value\nIQC-GLS-VIS,1\n",
            ["Row 2, column “characteristic”: IQC-GLS-VIS is an attribute"],
        ),
        (
            "characteristic,value\nIQC-GLS-THK,inf\n",
            ["Row 2, column “value”: “inf” is not a number."],
        ),
        ("characteristic,value\nIQC-GLS-THK,\n", ["Row 2, column “value”: no value."]),
        ("code,reading\nIQC-GLS-THK,3.2\n", ["Missing columns: value"]),
        ("characteristic,value\n", ["no data rows"]),
        ("特性,特性代码,value\nA,B,1\n", ["both give the characteristic"]),
    ],
)
def test_bad_rows_name_row_and_column_and_nothing_is_saved(
    world: World, text: str, messages: list[str]
) -> None:
    plan_with_thickness(world)
    receipt = receive(world)
    upload_coa_file(
        receipt,
        actor=world.user("supplier_x"),
        upload=csv_file("characteristic,value\nIQC-GLS-THK,3.25\n"),
    )
    with pytest.raises(CoaFileError) as error:
        upload_coa_file(receipt, actor=world.user("supplier_x"), upload=csv_file(text))
    for message in messages:
        assert message in str(error.value)
    # the earlier value is untouched: nothing half-saved
    assert values(receipt) == {"IQC-GLS-THK": 3.25}


def test_unreadable_files_are_refused(world: World) -> None:
    plan_with_thickness(world)
    receipt = receive(world)
    supplier = world.user("supplier_x")
    for upload, message in (
        (SimpleUploadedFile("coa.xlsx", b"PK\x03\x04 not a workbook"), "cannot be opened"),
        (SimpleUploadedFile("coa.csv", b""), "empty"),
        (None, "Choose a CSV or XLSX file"),
    ):
        with pytest.raises(CoaFileError, match=message):
            upload_coa_file(receipt, actor=supplier, upload=upload)
    with pytest.raises(CoaFileError, match="at most 500 rows"):
        body = "characteristic,value\n" + "IQC-GLS-THK,3.2\n" * 501
        upload_coa_file(receipt, actor=supplier, upload=csv_file(body))
    assert CoaValue.objects.count() == 0


def test_engineer_without_permission_is_refused(world: World) -> None:
    plan_with_thickness(world)
    receipt = receive(world)
    with pytest.raises(SupplierError, match="may not"):
        upload_coa_file(
            receipt,
            actor=world.user("eng_a"),
            upload=csv_file("characteristic,value\nIQC-GLS-THK,3.2\n"),
        )
    assert CoaValue.objects.count() == 0


def test_page_and_api_upload_and_portal_isolation(world: World, client_for, api_for) -> None:
    plan_with_thickness(world)
    approve(world, world.supplier_y, glass())
    mine = receive(world, supplier_lot="X-1")
    theirs = receive(world, supplier=world.supplier_y, supplier_lot="Y-1")
    browser, api = client_for("supplier_x"), api_for("supplier_x")
    good = "characteristic,value\nIQC-GLS-THK,3.22\n"
    # the page: upload, then a bad file shows the row error and changes nothing
    page = browser.post(f"/supplier/receipts/{mine.pk}/coa-file/", {"file": csv_file(good)})
    assert page.status_code == 302 and values(mine) == {"IQC-GLS-THK": 3.22}
    bad = browser.post(
        f"/supplier/receipts/{mine.pk}/coa-file/",
        {"file": csv_file("characteristic,value\nIQC-GLS-THK,x\n")},
        follow=True,
    )
    assert "Row 2, column “value”" in bad.content.decode() and values(mine) == {"IQC-GLS-THK": 3.22}
    # the API: row errors as a list
    answer = api.post(
        f"/api/v1/supplier/receipts/{mine.pk}/coa-file/",
        {"file": csv_file("characteristic,value\nIQC-GLS-THK,x\nNO-SUCH,1\n")},
        format="multipart",
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["rows"] == [
        {"row": 2, "column": "value", "message": "“x” is not a number."},
        {"row": 3, "column": "characteristic", "message": "unknown characteristic NO-SUCH."},
    ]
    ok = api.post(
        f"/api/v1/supplier/receipts/{mine.pk}/coa-file/",
        {"file": csv_file("characteristic,value\nIQC-GLS-THK,3.19\n")},
        format="multipart",
    )
    assert ok.status_code == 200 and ok.json()[0]["value"] == 3.19
    # another supplier's receipt: 404 on page and API, nothing stored
    assert (
        browser.post(
            f"/supplier/receipts/{theirs.pk}/coa-file/", {"file": csv_file(good)}
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/supplier/receipts/{theirs.pk}/coa-file/",
            {"file": csv_file(good)},
            format="multipart",
        ).status_code
        == 404
    )
    assert values(theirs) == {}
    assert 'data-testid="coa-file-form"' in browser.get(mine.get_absolute_url()).content.decode()

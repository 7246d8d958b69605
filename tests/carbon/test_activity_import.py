"""Activity data XLSX import: all rows or none, each error named by row and column."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from qdm.carbon.models import ActivityRecord
from qdm.carbon.services.activity import ImportFailed, import_activity
from tests.personas import World

pytestmark = pytest.mark.django_db
HEADER = ["site", "month", "kind", "flow", "quantity", "unit", "certificate scheme", "notes"]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


GOOD = [
    ["SA", "2026-01", "grid", "electricity", 1200, "MWh", "", ""],
    ["SA", "2026-01", "certificates", "electricity", 300, "MWh", "GEC", ""],
    ["SA", "2026-01", "fuel", "natural gas", 5000, "Nm3", "", "boiler"],
]


def test_import_saves_every_row_and_reimport_changes_nothing(world: World) -> None:
    user = world.user("eng_a")
    assert import_activity(xlsx(GOOD), user=user) == 3
    assert import_activity(xlsx(GOOD), user=user) == 3
    assert ActivityRecord.objects.count() == 3
    grid = ActivityRecord.objects.get(kind="grid")
    assert grid.kwh == 1_200_000  # 1 200 MWh
    assert str(grid.month) == "2026-01-01"


def test_one_bad_row_saves_nothing_and_each_error_names_row_and_column(world: World) -> None:
    bad = [
        *GOOD,
        ["SA", "Jan 2026", "grid", "electricity", 10, "MWh", "", ""],  # row 5: month
        ["SA", "2026-02", "grid", "electricity", 10, "kg", "", ""],  # row 6: unit
        ["SB", "2026-02", "grid", "electricity", 10, "MWh", "", ""],  # row 7: not eng_a's site
        ["SA", "2026-02", "heat", "", "ten", "MWh", "", ""],  # row 8: kind and quantity
        ["SA", "2026-02", "certificates", "electricity", 5, "MWh", "", ""],  # row 9: scheme
    ]
    with pytest.raises(ImportFailed) as info:
        import_activity(xlsx(bad), user=world.user("eng_a"))
    found = {(e.row, e.column) for e in info.value.errors}
    assert found == {
        (5, "month"),
        (6, "unit"),
        (7, "site"),
        (8, "kind"),
        (8, "quantity"),
        (9, "certificate_scheme"),
    }
    assert "energy unit" in str(info.value)
    assert not ActivityRecord.objects.exists()


def test_missing_columns_and_unreadable_files(world: World) -> None:
    with pytest.raises(ImportFailed, match="quantity: column missing"):
        import_activity(xlsx([], header=["site", "month", "kind", "unit"]), user=world.user("cqo"))
    with pytest.raises(ImportFailed, match="not a readable XLSX"):
        import_activity(io.BytesIO(b"site,month\n"), user=world.user("cqo"))


def test_import_page(world: World, client_for) -> None:
    client = client_for("eng_a")
    url = "/carbon/activity-records/import/"
    upload = SimpleUploadedFile("a.xlsx", xlsx(GOOD).getvalue())
    assert client.post(url, {"file": upload}).status_code == 302
    bad = SimpleUploadedFile("b.xlsx", xlsx([["SA", "2026-01", "grid", "", 1, "t"]]).getvalue())
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "Row 2, unit" in response.content.decode()
    assert client_for("eng_b").get(url).status_code == 403

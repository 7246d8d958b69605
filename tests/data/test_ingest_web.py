"""Ingestion through ``POST /api/v1/data/ingest/``, the upload page and the quarantine fix
page: summaries, error envelopes, scoping (site-B engineers, supplier users) and the
fix-and-store flow."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qdm.data.ingest.service import ingest_file
from qdm.data.models import FlashTest, IngestBatch, QuarantinedRow
from tests.data.test_ingest_files import (
    BAD_EXPECTED,
    BAD_GOOD_SERIALS,
    FLASH_HEADER,
    bad_flash,
    flash_row,
    good_flash,
    write,
)
from tests.personas import World

URL = "/api/v1/data/ingest/"
PAGE = "/data/ingest/"


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


def nothing_stored() -> bool:
    return not FlashTest.objects.exists() and not QuarantinedRow.objects.exists()


# --- API ---------------------------------------------------------------------------------


def test_api_ingests_and_answers_the_summary(world: World, api_for, tmp_path: Path) -> None:
    response = api_for("eng_a").post(
        URL,
        {"file": upload(bad_flash(tmp_path)), "kind": "flash", "site": "SA"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"batch", "rows", "accepted", "rejected", "duplicates", "errors"}
    assert (body["rows"], body["accepted"], body["rejected"]) == (15, 2, len(BAD_EXPECTED))
    assert {e["row"] for e in body["errors"]} == set(BAD_EXPECTED)
    assert set(FlashTest.objects.values_list("serial", flat=True)) == BAD_GOOD_SERIALS
    batch = IngestBatch.objects.get(pk=body["batch"])
    assert (batch.created_by, batch.file_name, batch.site) == (
        world.user("eng_a"),
        "bad.csv",
        world.site_a,
    )


def test_api_site_by_id_and_strict(world: World, api_for, tmp_path: Path) -> None:
    response = api_for("cqo").post(
        URL,
        {
            "file": upload(bad_flash(tmp_path)),
            "kind": "flash",
            "site": str(world.site_b.pk),
            "strict": "true",
        },
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["accepted"] == 0
    assert not FlashTest.objects.exists()
    assert IngestBatch.objects.get().status == "rejected"


def test_api_same_file_twice(world: World, api_for, tmp_path: Path) -> None:
    path = good_flash(tmp_path)
    client = api_for("eng_a")
    first = client.post(
        URL, {"file": upload(path), "kind": "flash", "site": "SA"}, format="multipart"
    )
    second = client.post(
        URL, {"file": upload(path), "kind": "flash", "site": "SA"}, format="multipart"
    )
    assert first.json()["accepted"] == 3
    assert (second.json()["accepted"], second.json()["duplicates"]) == (0, 3)
    assert FlashTest.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": "widgets"}, "unknown_kind"),
        ({"bad": "utf16"}, "bad_encoding"),
        ({"bad": "missing"}, "missing_columns"),
        ({"bad": "empty"}, "empty_file"),
        ({"profile": "acme"}, "unknown_profile"),
        ({"colour": "red"}, "unknown_field"),
    ],
)
def test_api_unreadable_requests_answer_400(
    world: World, api_for, tmp_path: Path, change: dict[str, str], code: str
) -> None:
    path = good_flash(tmp_path)
    if change.get("bad") == "utf16":
        path.write_text(path.read_text(), encoding="utf-16")
    elif change.get("bad") == "missing":
        path = write(tmp_path, "m.csv", ["serial,tested_at", "SN1,2026-03-01T08:00:00+08:00"])
    elif change.get("bad") == "empty":
        path.write_bytes(b"")
    data = {
        "file": upload(path),
        "kind": "flash",
        "site": "SA",
        **{k: v for k, v in change.items() if k != "bad"},
    }
    response = api_for("eng_a").post(URL, data, format="multipart")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert nothing_stored()


def test_api_site_b_engineer_cannot_ingest_into_site_a(
    world: World, api_for, tmp_path: Path
) -> None:
    client = api_for("eng_b")
    response = client.post(
        URL,
        {"file": upload(good_flash(tmp_path)), "kind": "flash", "site": "SA"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_site"
    # a site column naming site A is no way around it
    lines = ["site," + FLASH_HEADER, "SA," + flash_row("SN-X")]
    response = client.post(
        URL,
        {"file": upload(write(tmp_path, "s.csv", lines)), "kind": "flash"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_site"
    response = client.post(
        URL,
        {"file": upload(write(tmp_path, "s2.csv", lines)), "kind": "flash", "site": "SB"},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["rejected"] == 1
    assert response.json()["errors"][0]["code"] == "unknown_site"
    assert not FlashTest.objects.exists()
    assert not FlashTest.objects.filter(site=world.site_a).exists()


@pytest.mark.parametrize("persona", ["supplier_x", "outsider"])
def test_api_users_without_the_permission_cannot_ingest(
    world: World, api_for, tmp_path: Path, persona: str
) -> None:
    response = api_for(persona).post(
        URL,
        {"file": upload(good_flash(tmp_path)), "kind": "flash", "site": "SA"},
        format="multipart",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert nothing_stored()
    assert not IngestBatch.objects.exists()


def test_api_anonymous_is_401(world: World, tmp_path: Path) -> None:
    from rest_framework.test import APIClient

    response = APIClient().post(
        URL,
        {"file": upload(good_flash(tmp_path)), "kind": "flash", "site": "SA"},
        format="multipart",
    )
    assert response.status_code == 401
    assert nothing_stored()


# --- upload page -------------------------------------------------------------------------


def test_upload_page_form(world: World, client_for) -> None:
    response = client_for("eng_a").get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-post="/data/ingest/"' in html
    assert 'hx-indicator="#ingest-progress"' in html
    assert "<script>" not in html.replace('<script src="', "")
    site_choices = response.context["form"].fields["site"].queryset
    assert list(site_choices) == [world.site_a]


def test_upload_page_runs_and_shows_summary_and_quarantine(
    world: World, client_for, tmp_path: Path
) -> None:
    response = client_for("eng_a").post(
        PAGE,
        {
            "file": upload(bad_flash(tmp_path)),
            "kind": "flash",
            "site": world.site_a.pk,
            "profile": "",
        },
    )
    assert response.status_code == 200
    assert response.context["summary"]["accepted"] == 2
    rows = [q.row_number for q in response.context["quarantine"]]
    assert rows == sorted(BAD_EXPECTED)
    html = response.content.decode()
    assert 'data-testid="ingest-summary"' in html
    assert "/data/ingest/quarantine/" in html
    assert "<html" in html


def test_upload_page_htmx_answers_the_partial(world: World, client_for, tmp_path: Path) -> None:
    response = client_for("eng_a").post(
        PAGE,
        {"file": upload(good_flash(tmp_path)), "kind": "flash", "site": world.site_a.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-testid="summary-accepted">3<' in html


def test_upload_page_unreadable_file(world: World, client_for, tmp_path: Path) -> None:
    path = good_flash(tmp_path)
    path.write_text(path.read_text(), encoding="utf-16")
    response = client_for("eng_a").post(
        PAGE, {"file": upload(path), "kind": "flash", "site": world.site_a.pk}
    )
    assert response.status_code == 200
    assert response.context["failure"].code == "bad_encoding"
    assert 'data-testid="ingest-failure"' in response.content.decode()
    assert nothing_stored()


def test_upload_page_site_b_engineer_cannot_pick_site_a(
    world: World, client_for, tmp_path: Path
) -> None:
    response = client_for("eng_b").post(
        PAGE, {"file": upload(good_flash(tmp_path)), "kind": "flash", "site": world.site_a.pk}
    )
    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    assert nothing_stored()


@pytest.mark.parametrize("persona", ["supplier_x", "outsider"])
def test_upload_page_forbidden_without_permission(world: World, client_for, persona: str) -> None:
    assert client_for(persona).get(PAGE).status_code == 403


# --- quarantine fix ----------------------------------------------------------------------


@pytest.fixture
def quarantined(world: World, tmp_path: Path) -> QuarantinedRow:
    summary = ingest_file(
        bad_flash(tmp_path), kind="flash", site=world.site_a, actor=world.user("eng_a")
    )
    return QuarantinedRow.objects.get(batch_id=summary.batch, row_number=4)  # isc_a = -1


def fix_url(row: QuarantinedRow) -> str:
    return f"/data/ingest/quarantine/{row.pk}/fix/"


def form_data(row: QuarantinedRow, **changes: str) -> dict[str, str]:
    return {f"v{i}": changes.get(h, v) for i, (h, v) in enumerate(row.raw.items())}


def test_fix_page_shows_the_errors(world: World, client_for, quarantined) -> None:
    response = client_for("eng_a").get(fix_url(quarantined))
    assert response.status_code == 200
    html = response.content.decode()
    assert "negative" in html
    assert 'value="-1"' in html


def test_fix_stores_the_row_and_resolves_it(world: World, client_for, quarantined) -> None:
    client = client_for("eng_a")
    response = client.post(fix_url(quarantined), form_data(quarantined, isc_a="13.9"))
    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.resolved
    assert quarantined.raw["isc_a"] == "13.9"
    test = FlashTest.objects.get(serial="BAD-NEG")
    assert (test.isc_a, test.batch_id, test.site) == (13.9, quarantined.batch_id, world.site_a)
    page = client.get(fix_url(quarantined))
    assert 'data-testid="fix-resolved"' in page.content.decode()
    # a resolved row cannot be stored twice
    client.post(fix_url(quarantined), form_data(quarantined, isc_a="13.8"))
    assert FlashTest.objects.filter(serial="BAD-NEG").count() == 1


def test_fix_with_a_still_bad_value_keeps_it_quarantined(
    world: World, client_for, quarantined
) -> None:
    response = client_for("eng_a").post(fix_url(quarantined), form_data(quarantined, isc_a="x"))
    assert response.status_code == 200
    assert "not_a_number" in response.content.decode()
    quarantined.refresh_from_db()
    assert not quarantined.resolved
    assert [e["code"] for e in quarantined.errors] == ["not_a_number"]
    assert not FlashTest.objects.filter(serial="BAD-NEG").exists()


def test_fix_of_a_row_already_stored_is_refused(world: World, client_for, tmp_path: Path) -> None:
    summary = ingest_file(bad_flash(tmp_path), kind="flash", site=world.site_a)
    dup = QuarantinedRow.objects.get(batch_id=summary.batch, row_number=11)
    response = client_for("eng_a").post(fix_url(dup), form_data(dup))
    assert response.status_code == 200
    dup.refresh_from_db()
    assert not dup.resolved
    assert dup.errors[0]["code"] == "duplicate"


def test_fix_page_is_404_outside_scope(world: World, client_for, quarantined) -> None:
    client = client_for("eng_b")
    assert client.get(fix_url(quarantined)).status_code == 404
    assert (
        client.post(fix_url(quarantined), form_data(quarantined, isc_a="13.9")).status_code == 404
    )
    quarantined.refresh_from_db()
    assert not quarantined.resolved
    assert not FlashTest.objects.filter(serial="BAD-NEG").exists()


def test_fix_is_refused_for_a_strict_batch(world: World, client_for, tmp_path: Path) -> None:
    summary = ingest_file(bad_flash(tmp_path), kind="flash", site=world.site_a, strict=True)
    row = QuarantinedRow.objects.get(batch_id=summary.batch, row_number=4)
    client_for("eng_a").post(fix_url(row), form_data(row, isc_a="13.9"))
    row.refresh_from_db()
    assert not row.resolved
    assert not FlashTest.objects.exists()

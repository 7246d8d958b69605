"""Scoping of the measurement store and genealogy: site-B engineers cannot see site-A tests;
supplier users see only their own lots; the data-quality view counts only what is in scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qdm.data.models import FlashTest, IngestBatch, Unit
from qdm.data.services.data_quality import feed_health
from tests.data.factories import flash, unit
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_flash_tests_are_scoped_by_site(world: World, client_for, api_for) -> None:
    a = flash(world, "A", "SA-0001")
    b = flash(world, "B", "SB-0001")
    page = client_for("eng_b").get("/data/flash-tests/").content.decode()
    assert "SB-0001" in page
    assert "SA-0001" not in page
    api = api_for("eng_b").get("/api/v1/data/flash-tests/").json()
    assert [row["serial"] for row in api["results"]] == ["SB-0001"]
    assert api_for("eng_b").get(f"/api/v1/data/flash-tests/{a.pk}/").status_code == 404
    assert client_for("eng_b").get(f"/data/flash-tests/{a.pk}/").status_code == 404
    assert client_for("cqo").get(f"/data/flash-tests/{b.pk}/").status_code == 200
    # facts are written only by ingestion: the API offers no write
    before = FlashTest.objects.count()
    response = api_for("cqo").post("/api/v1/data/flash-tests/", {"serial": "X"}, format="json")
    assert response.status_code in (403, 405)
    assert FlashTest.objects.count() == before


def test_supplier_users_see_only_their_own_lots(world: World, api_for) -> None:
    own = unit("GL-X-001", "material_lot", supplier=world.supplier_x, supplier_lot="X-778")
    unit("GL-Y-001", "material_lot", supplier=world.supplier_y, supplier_lot="Y-12")
    unit("SA-M-0001", "module", site=world.site_a)
    visible = set(Unit.objects.for_user(world.user("supplier_x")).values_list("code", flat=True))
    assert visible == {own.code}
    codes = {r["code"] for r in api_for("supplier_x").get("/api/v1/data/units/").json()["results"]}
    assert codes == {"GL-X-001"}


def test_units_of_other_sites_are_hidden(world: World, api_for) -> None:
    unit("SA-M-0001", "module", site=world.site_a)
    unit("SB-M-0001", "module", site=world.site_b)
    codes = {r["code"] for r in api_for("eng_a").get("/api/v1/data/units/").json()["results"]}
    assert codes == {"SA-M-0001"}


def test_data_quality_reports_last_data_rate_gaps_and_rejections(world: World, client_for) -> None:
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    for day in (1, 2, 4):  # nothing on day 3: a gap
        for n in range(10):
            flash(world, "A", f"SA-{day}-{n}", when=now - timedelta(days=day, minutes=n))
    flash(world, "B", "SB-1", when=now - timedelta(days=1))
    IngestBatch.objects.create(
        kind="flash",
        site=world.site_a,
        file_name="a.csv",
        sha256="x",
        rows=40,
        accepted=30,
        rejected=10,
        status="done",
    )
    rows = feed_health(world.user("eng_a"), days=5, now=now)
    assert len(rows) == 1  # site B is outside eng_a's scope
    row = rows[0]
    assert row.site == world.site_a and row.line == world.line_a
    assert row.feed == "flash"
    assert row.last_received == now - timedelta(days=1)
    assert row.rows_per_day == pytest.approx(30 / 5)
    assert (now - timedelta(days=3)).date() in row.gap_days
    assert (now - timedelta(days=1)).date() not in row.gap_days
    assert row.rejection_rate == pytest.approx(0.25)
    page = client_for("eng_a").get("/data/data-quality/").content.decode()
    assert "SA-M01" in page and "25 %" in page
    assert client_for("supplier_x").get("/data/data-quality/").status_code == 403


def test_ingestion_batches_are_scoped_by_site(world: World, client_for, api_for) -> None:
    a = IngestBatch.objects.create(
        kind="flash", site=world.site_a, file_name="sa-flash.csv", sha256="a" * 64, status="done"
    )
    IngestBatch.objects.create(
        kind="flash", site=world.site_b, file_name="sb-flash.csv", sha256="b" * 64, status="done"
    )
    page = client_for("eng_a").get("/data/ingestion-batches/").content.decode()
    assert "sa-flash.csv" in page and "sb-flash.csv" not in page
    names = [
        r["file_name"] for r in api_for("eng_a").get("/api/v1/data/batches/").json()["results"]
    ]
    assert names == ["sa-flash.csv"]
    assert client_for("eng_b").get(a.get_absolute_url()).status_code == 404
    assert client_for("supplier_x").get("/data/ingestion-batches/").status_code == 403


def test_unit_page_links_to_both_traces(world: World, client_for) -> None:
    module = unit("SA-M-0042", "module", site=world.site_a)
    content = client_for("eng_a").get(module.get_absolute_url()).content.decode()
    assert "/data/trace/?code=SA-M-0042&amp;direction=backward" in content
    assert "/data/trace/?code=SA-M-0042&amp;direction=forward" in content

"""Integrated management systems: the standards registry, processes mapped to clauses, the
processes × systems matrix (HTML and XLSX), certificates and their expiry reminders."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qdm.core.models import DomainEvent, Notification
from qdm.system.ims_catalog import CATALOG, clause_sort_key
from qdm.system.models import Certificate, Clause, ManagementSystem, Process
from qdm.system.services.ims import coverage, remind_certificates, save_certificate
from tests.personas import World, make_user
from tests.scoping import ScopedModelContract
from tests.system.builders_ims import clauses, make_process, system

pytestmark = pytest.mark.django_db

INTERNAL = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
EVERYWHERE = {"eng_a": {"A", "B"}, "eng_b": {"A", "B"}, "cqo": {"A", "B"}}


def test_the_registry_holds_the_seven_systems_with_their_clauses() -> None:
    codes = set(ManagementSystem.objects.values_list("code", flat=True))
    assert {
        "ISO9001",
        "ISO14001",
        "ISO45001",
        "ISO50001",
        "IEC62941",
        "ISO17025",
        "ISO14064-1",
    } <= codes
    # ISO 9001:2015 clauses 4.1-4.4, 5.1-5.3, 6.1-6.3, 7.1-7.5, 8.1-8.7, 9.1-9.3, 10.1-10.3
    numbers = list(
        Clause.objects.filter(system__code="ISO9001")
        .order_by("position")
        .values_list("number", flat=True)
    )
    assert len(numbers) == 4 + 3 + 3 + 5 + 7 + 3 + 3 == 28
    assert numbers[0] == "4.1" and numbers[-1] == "10.3"
    assert numbers == sorted(numbers, key=clause_sort_key)
    # short titles only: never the text of the standard
    assert max(len(c.title) for c in Clause.objects.all()) <= 45
    assert Clause.objects.count() == sum(len(rows) for *_x, rows in CATALOG)


def test_coverage_counts_and_gaps_from_a_known_mapping(world: World) -> None:
    p1 = make_process(world, "P1", mapping={"ISO9001": ["8.4", "8.5", "8.7"], "ISO14001": ["8.1"]})
    p2 = make_process(world, "P2", places=(), mapping={"ISO9001": ["8.5", "9.2"]})
    iso9001, iso14001 = system("ISO9001"), system("ISO14001")
    matrix = coverage([p1, p2], [iso9001, iso14001])
    assert matrix.rows() == [(p1, [3, 1]), (p2, [2, 0])]
    # 4 distinct ISO 9001 clauses covered (8.4, 8.5, 8.7, 9.2) of 28 → 24 gaps
    assert matrix.covered(iso9001) == 4
    assert len(matrix.gaps[iso9001.pk]) == 24
    assert {c.number for c in matrix.gaps[iso9001.pk]}.isdisjoint({"8.4", "8.5", "8.7", "9.2"})
    # ISO 14001:2015 has 22 clauses; 8.1 covered → 21 gaps
    assert len(matrix.gaps[iso14001.pk]) == 22 - 1


def test_matrix_page_shows_only_the_processes_in_scope(world: World, client_for) -> None:
    make_process(world, "P-A", mapping={"ISO9001": ["8.4", "8.5", "8.7"]})
    make_process(world, "P-GRP", places=(), mapping={"ISO9001": ["8.5", "9.2"]})
    page = client_for("eng_b").get(reverse("system:ims_matrix"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "P-GRP" in html and "P-A " not in html and ">P-A<" not in html
    covered = page.context["totals"][
        [s.code for s in page.context["matrix"].systems].index("ISO9001")
    ]
    assert (covered["covered"], covered["clauses"], len(covered["gaps"])) == (2, 28, 26)
    assert client_for("outsider").get(reverse("system:ims_matrix")).status_code == 403


def test_matrix_xlsx_export(world: World, client_for) -> None:
    make_process(world, "P-A", mapping={"ISO9001": ["8.4", "8.5", "8.7"], "ISO14001": ["8.1"]})
    response = client_for("cqo").get(reverse("system:ims_matrix") + "?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="ims-matrix-')
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Matrix"]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[0].startswith("P-A")
    assert row[header.index("ISO 9001:2015")] == 3
    assert row[header.index("ISO 14001:2015")] == 1
    gaps = [
        r for r in book["Gaps"].iter_rows(min_row=2, values_only=True) if r[0] == "ISO 9001:2015"
    ]
    assert len(gaps) == 25


def test_process_detail_lists_the_mapping_by_system(world: World, client_for) -> None:
    process = make_process(world, "P-A", mapping={"ISO9001": ["8.4"], "ISO45001": ["5.4"]})
    html = client_for("eng_a").get(process.get_absolute_url()).content.decode()
    assert "ISO 9001:2015" in html and "ISO 45001:2018" in html and "5.4" in html
    assert client_for("eng_b").get(process.get_absolute_url()).status_code == 404


def test_mapping_through_the_api_checks_the_clause_exists(world: World, api_for) -> None:
    body = {
        "code": "P-API",
        "name": "来料检验",
        "name_en": "Incoming inspection",
        "owner": world.user("eng_a").pk,
        "sites": [world.site_a.pk],
        "clauses": [c.pk for c in clauses("ISO9001", "8.4", "8.6")],
    }
    response = api_for("eng_a").post("/api/v1/system/processes/", body, format="json")
    assert response.status_code == 201, response.json()
    process = Process.objects.get(code="P-API")
    assert sorted(process.clauses.values_list("number", flat=True)) == ["8.4", "8.6"]
    assert DomainEvent.objects.filter(object_id=str(process.pk), verb="created").exists()
    bad = api_for("eng_a").post(
        "/api/v1/system/processes/", {**body, "code": "P-BAD", "clauses": [999999]}, format="json"
    )
    assert bad.status_code == 400
    assert "clauses" in bad.json()["error"]["fields"]
    assert not Process.objects.filter(code="P-BAD").exists()


# --- certificates ---------------------------------------------------------------------------


def certificate(world: World, number: str, expires: datetime.date, **kw: Any) -> Certificate:
    fields = {
        "site": world.site_a,
        "system": system("ISO9001"),
        "number": number,
        "body": "TÜV Rheinland",
        "issued_on": datetime.date(2024, 1, 1),
        "expires_on": expires,
        **kw,
    }
    return save_certificate(None, actor=world.user("cqo"), **fields)


def test_expiry_must_follow_issue(world: World, client_for, api_for) -> None:
    with pytest.raises(ValidationError) as err:
        certificate(world, "C-BAD", datetime.date(2023, 12, 31))
    assert "expires_on" in err.value.message_dict
    data = {
        "site": world.site_a.pk,
        "system": system().pk,
        "number": "C-UI",
        "body": "SGS",
        "issued_on": "2026-01-10",
        "expires_on": "2026-01-09",
    }
    page = client_for("eng_a").post(reverse("system:certificate_add"), data)
    assert page.status_code == 400
    assert "The expiry date must be after the issue date." in page.content.decode()
    api = api_for("eng_a").post(
        "/api/v1/system/certificates/", {**data, "number": "C-API"}, format="json"
    )
    assert api.status_code == 400 and "expires_on" in api.json()["error"]["fields"]
    assert not Certificate.objects.exists()


def test_certificate_reminders_with_a_frozen_clock(world: World) -> None:
    owner = make_user("cert_owner", "quality_engineer", site=world.site_a)
    manager = make_user("sqm_a", "site_quality_manager", site=world.site_a)
    soon = certificate(world, "C-SOON", datetime.date(2026, 6, 30), owner=owner)
    later = certificate(world, "C-LATER", datetime.date(2026, 12, 31))
    expired = certificate(world, "C-GONE", datetime.date(2026, 3, 1))
    Notification.objects.all().delete()
    tz = datetime.UTC

    def titles(user: Any) -> list[str]:
        return list(
            Notification.objects.filter(recipient=user)
            .order_by("pk")
            .values_list("title", flat=True)
        )

    first = remind_certificates(datetime.datetime(2026, 4, 15, 12, tzinfo=tz), days=90)
    # horizon 2026-07-14: C-SOON (76 days left) and C-GONE (expired 45 days ago)
    assert {(r.certificate.number, r.days_left) for r in first} == {("C-SOON", 76), ("C-GONE", -45)}
    assert titles(owner) == ["Certificate C-SOON (ISO 9001:2015, SA) expires in 76 day(s)"]
    assert len(titles(manager)) == 2
    assert any("expired 45 day(s) ago" in t for t in titles(manager))
    # idempotent per certificate and threshold
    assert remind_certificates(datetime.datetime(2026, 4, 16, tzinfo=tz), days=90) == []
    second = remind_certificates(datetime.datetime(2026, 10, 15, tzinfo=tz), days=90)
    assert [(r.certificate.number, r.days_left) for r in second] == [("C-LATER", 77)]
    # a second threshold reminds again, once
    third = remind_certificates(datetime.datetime(2026, 6, 5, tzinfo=tz), days=30)
    assert {r.certificate.number for r in third} == {"C-SOON", "C-GONE"}
    assert remind_certificates(datetime.datetime(2026, 6, 6, tzinfo=tz), days=30) == []
    soon.refresh_from_db()
    later.refresh_from_db()
    expired.refresh_from_db()
    assert soon.reminded_days == [30, 90] and later.reminded_days == [90]
    assert len(titles(owner)) == 2
    assert DomainEvent.objects.filter(verb="expiry_reminder").count() == 5


def test_certificates_remind_command(world: World, capsys) -> None:
    certificate(world, "C-CMD", timezone.localdate() + datetime.timedelta(days=10))
    certificate(world, "C-FAR", timezone.localdate() + datetime.timedelta(days=400))
    call_command("certificates", "remind", "--days", "60")
    out = capsys.readouterr().out
    assert "C-CMD: 10 day(s) left" in out and "C-FAR" not in out
    assert "1 certificate reminder(s) for the 60-day threshold" in out
    call_command("certificates", "remind", "--days", "60")
    assert "0 certificate reminder(s)" in capsys.readouterr().out


# --- scoping --------------------------------------------------------------------------------


class TestManagementSystemScope(ScopedModelContract):
    """Shared master data: every internal user sees the registry; no external user."""

    model = ManagementSystem
    api_prefix = "system/management-systems"
    can_view = {**EVERYWHERE, "supplier_x": set()}
    can_add = EVERYWHERE
    can_change = EVERYWHERE
    can_delete: dict[str, set[str]] = {}
    change = ("name_en", "Edited name")

    def existing(self, world: World, place: str) -> Any:
        return ManagementSystem.objects.create(
            code=f"MS-{place}", standard=f"STD {place}:2020", name="体系", name_en="System"
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "standard": f"{code}:2020",
            "name": "体系",
            "name_en": "System",
            "active": True,
        }


class TestClauseScope(ScopedModelContract):
    model = Clause
    api_prefix = "system/clauses"
    can_view = {**EVERYWHERE, "supplier_x": set()}
    can_add = EVERYWHERE
    can_change = EVERYWHERE
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        # a system of its own that sorts first, so the clause is on the list's first page
        own, _ = ManagementSystem.objects.get_or_create(
            code="AAA-TEST", defaults={"standard": "AAA 1:2020", "name": "体系", "name_en": "S"}
        )
        return Clause.objects.create(system=own, number=f"99.{ord(place)}", title=f"T-{place}")

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"system": system().pk, "number": code[:12], "title": code, "position": 99}

    def created(self, code: str) -> Any:
        return Clause.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.title


class TestProcessScope(ScopedModelContract):
    model = Process
    api_prefix = "system/processes"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("name_en", "Edited process")

    def existing(self, world: World, place: str) -> Any:
        return make_process(world, f"PR-{place}", places=(place,), mapping={"ISO9001": ["8.5"]})

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "name": "层压",
            "name_en": "Lamination",
            "owner": world.user("eng_a").pk,
            "sites": [world.where(place).pk],
            "clauses": [clauses("ISO9001", "8.5")[0].pk],
        }


class TestCertificateScope(ScopedModelContract):
    model = Certificate
    api_prefix = "system/certificates"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("body", "Edited body")

    def existing(self, world: World, place: str) -> Any:
        return certificate(
            world, f"CERT-{place}", datetime.date(2027, 1, 1), site=world.where(place)
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "site": world.where(place).pk,
            "system": system().pk,
            "number": code,
            "body": "SGS",
            "issued_on": "2025-01-01",
            "expires_on": "2028-01-01",
        }

    def created(self, code: str) -> Any:
        return Certificate.objects.filter(number=code)

    def label(self, obj: Any) -> str:
        return obj.number


def test_a_certificate_nobody_at_the_site_looks_after_goes_to_the_cqo(world: World) -> None:
    certificate(world, "C-B", datetime.date(2026, 5, 1), site=world.site_b)
    Notification.objects.all().delete()
    done = remind_certificates(datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC), days=90)
    assert [u.username for u in done[0].recipients] == ["cqo"]
    assert Notification.objects.filter(recipient=world.user("cqo")).count() == 1


def test_the_platform_menu_lists_the_new_pages(world: World, client_for) -> None:
    html = client_for("cqo").get(reverse("system:index")).content.decode()
    for url in ("ims_matrix", "process_list", "certificate_list", "audit_list", "post_list"):
        assert reverse(f"system:{url}") in html
    assert (
        reverse("system:ims_matrix")
        not in client_for("outsider").get(reverse("system:index")).content.decode()
    )

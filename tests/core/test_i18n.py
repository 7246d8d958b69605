"""Bilingual UI: Chinese labels in zh-hans, the language switch, and a complete catalogue."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_page_in_chinese_shows_chinese_labels(world, client_for) -> None:
    client = client_for("eng_a")
    client.cookies["django_language"] = "zh-hans"
    content = client.get("/kernel/lines/").content.decode()
    assert '<html lang="zh-hans">' in content
    assert "产线" in content  # "Lines" / "line" label
    assert "导出 XLSX" in content  # "Export XLSX"
    assert "筛选" in content  # "Filters"
    english = client_for("eng_b").get("/kernel/lines/").content.decode()
    assert "Export XLSX" in english
    assert "导出 XLSX" not in english


def test_language_switch_is_remembered_on_the_user(world, client_for) -> None:
    client = client_for("eng_a")
    response = client.post("/kernel/language/", {"language": "zh-hans", "next": "/kernel/"})
    assert response.status_code == 302
    assert response["Location"] == "/kernel/"
    user = world.user("eng_a")
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(world, client_for) -> None:
    client = client_for("eng_a")
    assert client.post("/kernel/language/", {"language": "fr"}).status_code == 400
    response = client.post("/kernel/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_model_labels_are_translated() -> None:
    from qdm.core.models import Site

    with translation.override("zh-hans"):
        assert str(Site._meta.verbose_name) == "基地"


def test_catalogue_is_complete() -> None:
    call_command("translations", "check")

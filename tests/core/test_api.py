"""REST API: schema and docs, authentication, the error envelope on every kind of bad
input, and nothing saved when a request is refused."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from qdm.core.models import Workshop
from qdm.system.models import Nonconformity
from tests.personas import World

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def good_workshop(world: World) -> dict:
    return {
        "code": "SA-C",
        "name": "甲电池",
        "name_en": "A cells",
        "site": world.site_a.pk,
        "stage": "cell",
    }


def test_schema_and_docs_are_served(world: World, client_for) -> None:
    client = client_for("eng_a")
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/core/workshops/" in paths
    assert "/api/v1/system/nonconformities/{id}/transition/" in paths
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_anonymous_requests_are_refused(world: World) -> None:
    response = APIClient().get("/api/v1/core/workshops/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_session_and_token_authentication_both_work(world: World, client_for, api_for) -> None:
    assert client_for("eng_a").get("/api/v1/core/workshops/").status_code == 200
    assert api_for("eng_a").get("/api/v1/core/workshops/").status_code == 200
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert error_of(bad.get("/api/v1/core/workshops/"))["code"] == "not_authenticated"


def test_token_is_issued_for_a_password(world: World) -> None:
    from tests.personas import PASSWORD

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "eng_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_pagination_and_filters_shared_with_the_ui(world: World, api_for) -> None:
    response = api_for("cqo").get("/api/v1/core/lines/", {"site": world.site_a.pk, "limit": 1})
    body = response.json()
    assert body["count"] == 1
    assert [row["code"] for row in body["results"]] == ["SA-M01"]
    assert set(body) >= {"count", "next", "previous", "results"}


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"stage": 42}, "stage", "invalid"),  # wrong type / unknown choice
        ({"site": "not-a-number"}, "site", "invalid"),  # wrong type
        ({"code": "lower case!"}, "code", "invalid"),  # fails the code validator
        ({"colour": "blue"}, "colour", "unknown_field"),  # unknown field
        ({"id": 999}, "id", "unknown_field"),  # read-only field
    ],
)
def test_bad_fields_answer_400_and_save_nothing(
    world: World, api_for, payload: dict, field: str, code: str
) -> None:
    before = Workshop.objects.count()
    response = api_for("eng_a").post(
        "/api/v1/core/workshops/", {**good_workshop(world), **payload}, format="json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == code
    assert field in error["fields"]
    assert Workshop.objects.count() == before


def test_out_of_range_value_answers_400(world: World, api_for) -> None:
    line = world.line_a
    response = api_for("eng_a").patch(
        f"/api/v1/core/lines/{line.pk}/", {"capacity_per_day": -5}, format="json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert "capacity_per_day" in error["fields"]
    line.refresh_from_db()
    assert line.capacity_per_day is None


def test_bad_json_answers_400(world: World, api_for) -> None:
    before = Workshop.objects.count()
    response = api_for("eng_a").post(
        "/api/v1/core/workshops/", data='{"code": "SA-C",', content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_json"
    assert Workshop.objects.count() == before


def test_a_json_list_instead_of_an_object_answers_400(world: World, api_for) -> None:
    response = api_for("eng_a").post("/api/v1/core/workshops/", [1, 2], format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_missing_permission_answers_403_and_saves_nothing(world: World, api_for) -> None:
    before = Workshop.objects.count()
    response = api_for("cqo").post("/api/v1/core/workshops/", good_workshop(world), format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert Workshop.objects.count() == before


def test_out_of_scope_reference_answers_400_and_saves_nothing(world: World, api_for) -> None:
    before = Nonconformity.objects.count()
    response = api_for("eng_a").post(
        "/api/v1/system/nonconformities/",
        {
            "site": world.site_b.pk,
            "source": "iqc",
            "severity": "minor",
            "title": "t",
            "description": "d",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "site" in error_of(response)["fields"]
    assert Nonconformity.objects.count() == before


def test_unknown_record_answers_404_in_the_envelope(world: World, api_for) -> None:
    response = api_for("eng_a").get("/api/v1/core/lines/999999/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_method_not_allowed_in_the_envelope(world: World) -> None:
    from qdm.core.models import User

    client = APIClient()
    client.force_authenticate(User.objects.create_superuser("root", "r@example.com", "x" * 12))
    response = client.delete("/api/v1/core/events/1/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"

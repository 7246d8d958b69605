"""The kernel's API writes through a platform save function (``ScopedModelViewSet``
``save_service``, and the ``viewset_for`` / ``serializer_for`` factories): the function's
refusal is the error envelope, scope is checked before and after it, and nothing it wrote
survives a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from qdm.core.api.factories import serializer_for, viewset_for
from qdm.core.filtersets import WorkshopFilterSet
from qdm.core.models import User, Workshop
from tests.personas import World

pytestmark = pytest.mark.django_db

WorkshopSerializer = serializer_for(Workshop, ["code", "name", "name_en", "site", "stage"])


def workshop_api(calls: list[tuple[Any, ...]], then: Callable[[Workshop], Any] | None = None):
    """A viewset whose save function records what it was given, saves, then runs ``then``."""

    def save_workshop(workshop: Workshop, *, actor: User) -> Workshop:
        calls.append((workshop.pk, workshop.name, actor.username))
        workshop.save()
        if then is not None:
            then(workshop)
        return workshop

    return viewset_for(Workshop, WorkshopSerializer, WorkshopFilterSet, save_service=save_workshop)


def send(viewset: Any, user: User, data: dict[str, Any], pk: int | None = None) -> Response:
    factory = APIRequestFactory()
    if pk is None:
        request = factory.post("/workshops/", data, format="json")
        force_authenticate(request, user=user)
        return viewset.as_view({"post": "create"})(request)
    request = factory.patch(f"/workshops/{pk}/", data, format="json")
    force_authenticate(request, user=user)
    return viewset.as_view({"patch": "partial_update"})(request, pk=pk)


def new_workshop(world: World) -> dict[str, Any]:
    return {
        "code": "SA-C",
        "name": "甲电池",
        "name_en": "A cells",
        "site": world.site_a.pk,
        "stage": "cell",
    }


def test_create_hands_a_new_instance_to_the_save_function_and_answers_it(world: World) -> None:
    calls: list[tuple[Any, ...]] = []
    response = send(workshop_api(calls), world.user("eng_a"), new_workshop(world))
    assert response.status_code == 201
    # unsaved (pk None), built from the request data, with the requesting user as actor
    assert calls == [(None, "甲电池", "eng_a")]
    stored = Workshop.objects.get(code="SA-C")
    assert stored.site == world.site_a
    assert response.data == WorkshopSerializer(stored).data
    assert response.data["id"] == stored.pk


def test_update_sets_the_data_on_the_stored_record(world: World) -> None:
    calls: list[tuple[Any, ...]] = []
    workshop = world.workshop_a
    response = send(workshop_api(calls), world.user("eng_a"), {"name": "新名"}, workshop.pk)
    assert response.status_code == 200
    assert calls == [(workshop.pk, "新名", "eng_a")]
    assert response.data["name"] == "新名"
    workshop.refresh_from_db()
    assert workshop.name == "新名"


def refuse(workshop: Workshop) -> None:
    raise ValidationError({"name": ValidationError("This name is taken.", code="duplicate")})


def test_a_refusal_of_the_save_function_is_the_error_envelope_and_nothing_stays(
    world: World,
) -> None:
    calls: list[tuple[Any, ...]] = []
    before = Workshop.objects.count()
    response = send(workshop_api(calls, refuse), world.user("eng_a"), new_workshop(world))
    assert response.status_code == 400
    # the envelope of qdm.core.api.errors: the first error's code, the field named
    assert response.data == {
        "error": {
            "code": "duplicate",
            "message": "This name is taken.",
            "fields": {"name": ["This name is taken."]},
        }
    }
    assert len(calls) == 1  # the function ran and saved; its row was rolled back
    assert Workshop.objects.count() == before


def test_a_refused_update_keeps_the_stored_record(world: World) -> None:
    workshop = world.workshop_a
    name = workshop.name
    response = send(workshop_api([], refuse), world.user("eng_a"), {"name": "新名"}, workshop.pk)
    assert response.status_code == 400
    assert response.data["error"]["fields"] == {"name": ["This name is taken."]}
    workshop.refresh_from_db()
    assert workshop.name == name


def test_a_record_outside_the_scope_is_404_and_the_save_function_never_runs(
    world: World,
) -> None:
    calls: list[tuple[Any, ...]] = []
    workshop = world.workshop_b  # site B: outside eng_a's scope
    name = workshop.name
    response = send(workshop_api(calls), world.user("eng_a"), {"name": "新名"}, workshop.pk)
    assert response.status_code == 404
    assert response.data["error"]["code"] == "not_found"
    assert calls == []
    workshop.refresh_from_db()
    assert workshop.name == name


def test_a_save_that_leaves_the_scope_is_refused_and_rolled_back(world: World) -> None:
    def move_to_site_b(workshop: Workshop) -> None:
        workshop.site = world.site_b
        workshop.save()

    before = Workshop.objects.count()
    response = send(workshop_api([], move_to_site_b), world.user("eng_a"), new_workshop(world))
    assert response.status_code == 400
    assert response.data["error"]["code"] == "out_of_scope"
    assert Workshop.objects.count() == before


def test_one_service_for_create_and_update_gets_none_then_the_instance(world: World) -> None:
    seen: list[Any] = []

    def save(workshop: Workshop | None, /, *, actor: User, **data: Any) -> Workshop:
        seen.append(workshop)
        workshop = workshop or Workshop()
        for name, value in data.items():
            setattr(workshop, name, value)
        workshop.save()
        return workshop

    viewset = viewset_for(Workshop, WorkshopSerializer, None, service=save)
    created = send(viewset, world.user("eng_a"), new_workshop(world))
    assert created.status_code == 201
    stored = Workshop.objects.get(pk=created.data["id"])
    changed = send(viewset, world.user("eng_a"), {"name": "新名"}, stored.pk)
    assert changed.status_code == 200
    assert seen == [None, stored]
    stored.refresh_from_db()
    assert stored.name == "新名"


def test_factories_name_the_classes_and_keep_read_only_fields_read_only(world: World) -> None:
    serializer = serializer_for(Workshop, ["code", "name", "site"], read_only=("code",))
    viewset = viewset_for(Workshop, serializer, None, read_only=True)
    # the schema's component and view names come from these class names
    assert (serializer.__name__, viewset.__name__) == ("WorkshopSerializer", "WorkshopViewSet")
    assert list(serializer().fields) == ["id", "code", "name", "site"]
    assert viewset.http_method_names == ["get", "head", "options"]
    before = Workshop.objects.count()
    response = send(viewset, world.user("eng_a"), new_workshop(world))
    assert response.status_code == 405
    assert Workshop.objects.count() == before
    bad = serializer(data={"code": "SA-X", "name": "x", "site": world.site_a.pk})
    assert not bad.is_valid()
    assert bad.errors["code"][0].code == "unknown_field"

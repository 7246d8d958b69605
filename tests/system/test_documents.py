"""Controlled documents: revision lifecycle, readers see only the effective revision,
read-and-understood acknowledgement, scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from qdm.core.models import ElectronicSignature, Notification
from qdm.core.workflow import TransitionError, transition
from qdm.system.models import ControlledDocument, DocumentRevision
from qdm.system.services.documents import (
    acknowledge,
    not_acknowledged,
    save_document,
    save_revision,
)
from tests.personas import PASSWORD, World, make_user
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


def make_document(
    world: World, place: str = "A", code: str = "", **extra: Any
) -> ControlledDocument:
    return save_document(
        None,
        actor=world.user("cqo"),
        code=code or f"QP-{place}-001",
        title="Incoming inspection of front glass",
        doc_type="procedure",
        owner=world.user("eng_a" if place == "A" else "eng_b"),
        sites=[world.where(place)],
        **extra,
    )


def effective(document: ControlledDocument, rev: str, actor: Any) -> DocumentRevision:
    revision = save_revision(
        None, actor=actor, document=document, revision=rev, change_summary=f"rev {rev}"
    )
    transition(revision, "submit", actor=actor)
    transition(revision, "approve", actor=actor, password=PASSWORD, reason="approved")
    transition(revision, "make_effective", actor=actor)
    revision.refresh_from_db()
    return revision


def test_revision_lifecycle_and_supersession(world: World) -> None:
    eng = world.user("eng_a")
    document = make_document(world)
    draft = save_revision(None, actor=eng, document=document, revision="A")
    with pytest.raises(TransitionError) as exc:
        transition(draft, "submit", actor=eng)
    assert exc.value.code == "guard_failed" and "what changed" in str(exc.value.message)
    with pytest.raises(TransitionError) as exc:
        transition(draft, "make_effective", actor=eng)
    assert exc.value.code == "transition_not_allowed"
    save_revision(draft, actor=eng, change_summary="First issue")
    transition(draft, "submit", actor=eng)
    with pytest.raises(TransitionError) as exc:
        transition(draft, "approve", actor=eng, password="wrong", reason="ok")
    assert exc.value.code == "signature_password"
    assert DocumentRevision.objects.get(pk=draft.pk).status == "review"
    with pytest.raises(TransitionError) as exc:
        transition(draft, "approve", actor=world.user("eng_b"), password=PASSWORD, reason="ok")
    assert exc.value.code == "permission_denied"
    transition(draft, "approve", actor=eng, password=PASSWORD, reason="ok")
    assert ElectronicSignature.objects.filter(object_id=str(draft.pk), action="approve").exists()
    transition(draft, "make_effective", actor=eng)
    first = DocumentRevision.objects.get(pk=draft.pk)
    assert first.status == "effective" and first.approved_by == eng
    document.refresh_from_db()
    assert document.next_review_date is not None
    second = effective(document, "B", eng)
    first.refresh_from_db()
    assert second.status == "effective"
    assert first.status == "obsolete" and first.obsoleted_at is not None
    assert document.effective_revision == second


def test_an_effective_revision_cannot_be_edited(world: World, client_for, api_for) -> None:
    eng = world.user("eng_a")
    revision = effective(make_document(world), "A", eng)
    with pytest.raises(ValidationError) as exc:
        save_revision(revision, actor=eng, content="changed")
    assert "new revision" in exc.value.messages[0]
    page = client_for("eng_a").post(
        f"/system/document-revisions/{revision.pk}/edit/",
        {"document": revision.document_id, "revision": "A", "content": "changed"},
    )
    assert page.status_code == 400
    api = api_for("eng_a").patch(
        f"/api/v1/system/document-revisions/{revision.pk}/", {"content": "x"}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "revision_locked"
    revision.refresh_from_db()
    assert revision.content == ""


def test_readers_see_only_the_effective_revision(world: World, client_for) -> None:
    eng = world.user("eng_a")
    reader = make_user("reader_a", "viewer", site=world.site_a)
    document = make_document(world)
    old = effective(document, "A", eng)
    current = effective(document, "B", eng)
    draft = save_revision(None, actor=eng, document=document, revision="C")
    assert set(DocumentRevision.objects.for_user(reader)) == {current}
    assert set(DocumentRevision.objects.for_user(eng)) == {old, current, draft}
    client = client_for("eng_a")
    client.force_login(reader)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(old.get_absolute_url()).status_code == 404
    assert client.get(current.get_absolute_url()).status_code == 200
    page = client.get(document.get_absolute_url()).content.decode()
    assert "rev. B" in page and "rev. C" not in page and "rev. A" not in page


def test_acknowledgement_and_who_has_not(world: World, api_for, django_capture_on_commit_callbacks):
    eng = world.user("eng_a")
    operator = make_user("operator_a", "viewer", site=world.site_a)
    document = make_document(world)
    document.distributed_to.set([eng, operator])
    draft = save_revision(None, actor=eng, document=document, revision="A", change_summary="x")
    with pytest.raises(ValidationError):
        acknowledge(draft, actor=eng)  # not effective yet
    with django_capture_on_commit_callbacks(execute=True):
        revision = effective(document, "B", eng)
    assert Notification.objects.filter(recipient=operator, title__contains="QP-A-001").exists()
    assert not_acknowledged(revision) == [eng, operator]
    with pytest.raises(ValidationError):
        acknowledge(revision, actor=world.user("cqo"))  # not distributed to
    acknowledge(revision, actor=operator)
    acknowledge(revision, actor=operator)  # twice is once
    assert not_acknowledged(revision) == [eng]
    response = api_for("eng_a").post(
        f"/api/v1/system/document-revisions/{revision.pk}/acknowledge/"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["not_acknowledged"] == []
    assert revision.acknowledgements.count() == 2


class TestControlledDocumentScope(ScopedModelContract):
    model = ControlledDocument
    api_prefix = "system/documents"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}, "supplier_x": set()}
    can_add = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited title")

    def existing(self, world: World, place: str) -> Any:
        return make_document(world, place, code=f"OLD-{place}")

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "code": code,
            "title": "Work instruction",
            "doc_type": "work_instruction",
            "owner": world.user("eng_a").pk,
            "sites": [world.where(place).pk],
            "language": "zh",
            "review_months": 24,
        }


class TestDocumentRevisionScope(ScopedModelContract):
    model = DocumentRevision
    api_prefix = "system/document-revisions"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}, "supplier_x": set()}
    can_add = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("change_summary", "Edited summary")

    def document(self, world: World, place: str) -> ControlledDocument:
        found = ControlledDocument.objects.filter(code=f"DOC-{place}").first()
        return found or make_document(world, place, code=f"DOC-{place}")

    def existing(self, world: World, place: str) -> Any:
        return save_revision(
            None,
            actor=world.user("cqo"),
            document=self.document(world, place),
            revision=f"R-{place}-9",
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"document": self.document(world, place).pk, "revision": code[:10]}

    def created(self, code: str) -> Any:
        return DocumentRevision.objects.filter(revision=code[:10])

    def label(self, obj: Any) -> str:
        return obj.revision

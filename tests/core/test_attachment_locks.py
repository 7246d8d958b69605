"""A record that defines ``attachments_locked()`` refuses uploads while locked: a controlled
document's revision takes files only as a draft (its files are what was e-signed)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qdm.core.models import Attachment, DomainEvent
from qdm.core.services.attachments import AttachmentError, add_attachment, attachments_locked
from qdm.core.workflow import transition
from qdm.system.models import DocumentRevision
from qdm.system.services.documents import save_revision
from tests.personas import PASSWORD, World
from tests.system.test_documents import effective, make_document

pytestmark = pytest.mark.django_db


def _pdf(name: str = "QP-SA-001 rev A.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + b"0" * 200, "application/pdf")


def _url(revision) -> str:
    return f"/kernel/attachments/system/documentrevision/{revision.pk}/"


def test_upload_to_an_effective_revision_is_refused(
    world: World, client_for, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    revision = effective(make_document(world), "A", world.user("eng_a"))
    assert revision.status == "effective"
    events = DomainEvent.objects.filter(verb="attachment_added").count()
    response = client_for("eng_a").post(_url(revision), {"file": _pdf()}, follow=True)
    page = response.content.decode()
    assert "is Effective: its files cannot change after review and approval" in page
    assert "new draft revision" in page
    assert not Attachment.objects.exists()
    assert DomainEvent.objects.filter(verb="attachment_added").count() == events
    assert not any(tmp_path.rglob("*.pdf"))  # no file left in storage either
    # the service refuses it too (API, CLI and demo go through it)
    with pytest.raises(AttachmentError, match="cannot change"):
        add_attachment(revision, _pdf(), actor=world.user("eng_a"))
    assert not Attachment.objects.exists()
    # the detail page says why instead of offering the upload
    detail = client_for("eng_a").get(f"/system/document-revisions/{revision.pk}/")
    assert "cannot change" in detail.context["attachments_locked"]


def test_upload_to_a_draft_revision_is_accepted(
    world: World, client_for, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    eng = world.user("eng_a")
    draft = save_revision(None, actor=eng, document=make_document(world), revision="A")
    assert attachments_locked(draft) is None
    response = client_for("eng_a").post(_url(draft), {"file": _pdf()}, follow=True)
    assert "File attached." in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.object_id == str(draft.pk) and attachment.name == "QP-SA-001 rev A.pdf"


def test_a_revision_locked_after_it_was_read_is_refused(world: World, settings, tmp_path) -> None:
    """The lock is checked again on the row locked for update: a caller holding a stale
    draft (approved meanwhile) cannot attach to it."""
    settings.MEDIA_ROOT = tmp_path
    eng = world.user("eng_a")
    document = make_document(world)
    stale = save_revision(None, actor=eng, document=document, revision="A", change_summary="x")
    fresh = DocumentRevision.objects.get(pk=stale.pk)
    transition(fresh, "submit", actor=eng)
    transition(fresh, "approve", actor=eng, password=PASSWORD, reason="ok")
    assert stale.status == "draft"  # the caller's copy is out of date
    with pytest.raises(AttachmentError, match="cannot change"):
        add_attachment(stale, _pdf(), actor=eng)
    assert not Attachment.objects.exists()


def test_records_without_the_hook_are_never_locked(world: World) -> None:
    assert attachments_locked(world.line_a) is None

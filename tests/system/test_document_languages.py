"""Language versions of a controlled-document revision: one document number, one revision,
a Chinese and an English file approved together; readers get their language, else the
other."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qdm.core.workflow import transition
from qdm.system.models import RevisionFile
from qdm.system.services.documents import file_for, save_language_file, save_revision
from tests.personas import PASSWORD, World, make_user
from tests.scoping import ScopedModelContract
from tests.system.test_documents import make_document

pytestmark = pytest.mark.django_db


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


def bilingual(world: World, place: str = "A", *, english: bool = True) -> Any:
    """Draft revision B of a procedure with its Chinese (and English) file."""
    eng = world.user("eng_a" if place == "A" else "eng_b")
    document = make_document(world, place, code=f"QP-{place}-GLS")
    revision = save_revision(
        None, actor=eng, document=document, revision="B", change_summary="AR coat limits"
    )
    save_language_file(
        None,
        actor=eng,
        revision=revision,
        language="zh-hans",
        title="前板玻璃来料检验程序",
        upload=pdf("QP-GLS-B-zh.pdf"),
    )
    if english:
        save_language_file(
            None,
            actor=eng,
            revision=revision,
            language="en",
            title="Incoming inspection of front glass",
            upload=pdf("QP-GLS-B-en.pdf"),
        )
    return revision


def make_effective(revision: Any, actor: Any) -> None:
    transition(revision, "submit", actor=actor)
    transition(revision, "approve", actor=actor, password=PASSWORD, reason="approved")
    transition(revision, "make_effective", actor=actor)
    revision.refresh_from_db()


def test_both_languages_on_one_revision_and_fallback(world: World) -> None:
    revision = bilingual(world)
    files = {f.language: f for f in revision.files.all()}
    assert set(files) == {"zh-hans", "en"}
    assert files["zh-hans"].attachment.name == "QP-GLS-B-zh.pdf"
    assert file_for(revision, "en").title == "Incoming inspection of front glass"
    assert file_for(revision, "zh-hans").title == "前板玻璃来料检验程序"
    # only Chinese: an English reader falls back to it
    only_zh = bilingual(world, "B", english=False)
    assert file_for(only_zh, "en").language == "zh-hans"


def test_files_lock_when_the_revision_leaves_draft(world: World) -> None:
    eng = world.user("eng_a")
    revision = bilingual(world, english=False)
    transition(revision, "submit", actor=eng)
    with pytest.raises(ValidationError, match="can no longer change"):
        save_language_file(
            None,
            actor=eng,
            revision=revision,
            language="en",
            title="Late English",
            upload=pdf("late.pdf"),
        )
    zh = revision.files.get()
    before = (zh.title, zh.attachment_id)
    with pytest.raises(ValidationError, match="can no longer change"):
        save_language_file(zh, actor=eng, title="changed", upload=pdf("new.pdf"))
    zh.refresh_from_db()
    assert (zh.title, zh.attachment_id) == before
    assert revision.files.count() == 1


def test_bad_input_is_refused_and_nothing_saved(world: World) -> None:
    eng = world.user("eng_a")
    revision = bilingual(world, english=False)
    bad = SimpleUploadedFile("macro.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as caught:
        save_language_file(None, actor=eng, revision=revision, language="en", title="x", upload=bad)
    assert "upload" in caught.value.message_dict
    with pytest.raises(ValidationError):  # the same language twice
        save_language_file(
            None,
            actor=eng,
            revision=revision,
            language="zh-hans",
            title="又一个",
            upload=pdf("dup.pdf"),
        )
    assert list(revision.files.values_list("language", flat=True)) == ["zh-hans"]
    # the UI form wants the file when adding: nothing saved without it
    from django.test import Client

    client = Client()
    client.force_login(eng)
    response = client.post(
        reverse("system:revisionfile_add"),
        {"revision": revision.pk, "language": "en", "title": "No file"},
    )
    assert response.status_code == 400
    assert "Choose the file of this language version." in response.content.decode()
    assert revision.files.count() == 1


def test_readers_see_the_effective_file_in_their_language(world: World, client) -> None:
    eng = world.user("eng_a")
    revision = bilingual(world)
    reader = make_user("reader_a", "viewer", site=world.site_a)
    # a draft's files are hidden from readers
    assert not RevisionFile.objects.for_user(reader, "view").exists()
    make_effective(revision, eng)
    assert RevisionFile.objects.for_user(reader, "view").count() == 2
    assert not RevisionFile.objects.for_user(world.user("eng_b"), "view").exists()
    assert not RevisionFile.objects.for_user(world.user("supplier_x"), "view").exists()

    reader.language = "en"
    reader.save()
    client.force_login(reader)
    page = client.get(reverse("system:controlleddocument_detail", args=[revision.document_id]))
    assert page.status_code == 200
    assert "Incoming inspection of front glass" in page.content.decode()
    assert "reader-file" in page.content.decode()
    reader.language = "zh-hans"
    reader.save()
    page = client.get(reverse("system:controlleddocument_detail", args=[revision.document_id]))
    reader_block = page.content.decode().split('data-testid="reader-file"')[1][:400]
    assert "前板玻璃来料检验程序" in reader_block
    zh = revision.files.get(language="zh-hans")
    download = client.get(reverse("core:attachment_download", args=[zh.attachment_id]))
    assert download.status_code == 200
    # another site's engineer: 404 on the file record
    client.force_login(world.user("eng_b"))
    assert client.get(reverse("system:revisionfile_detail", args=[zh.pk])).status_code == 404


def test_add_a_language_file_through_ui_and_api(world: World, client) -> None:
    eng = world.user("eng_a")
    revision = bilingual(world, english=False)
    client.force_login(eng)
    response = client.post(
        reverse("system:revisionfile_add"),
        {
            "revision": revision.pk,
            "language": "en",
            "title": "Front glass IQC",
            "upload": pdf("QP-GLS-B-en.pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert revision.files.get(language="en").attachment.name == "QP-GLS-B-en.pdf"
    # API: list is scoped; a second English file is refused, nothing added
    api = client.get("/api/v1/system/revision-files/")
    assert api.status_code == 200
    assert {row["language"] for row in api.json()["results"]} == {"zh-hans", "en"}
    refused = client.post(
        "/api/v1/system/revision-files/",
        {"revision": revision.pk, "language": "en", "title": "again", "upload": pdf("x.pdf")},
    )
    assert refused.status_code == 400
    assert revision.files.count() == 2
    client.force_login(world.user("eng_b"))
    assert client.get("/api/v1/system/revision-files/").json()["results"] == []


def test_due_for_review_is_linked_from_the_document_list(world: World, client) -> None:
    make_document(world, "A")
    client.force_login(world.user("eng_a"))
    page = client.get(reverse("system:controlleddocument_list")).content.decode()
    assert reverse("system:controlleddocument_due") in page


def test_kernel_upload_refused_once_approved(world: World, client) -> None:
    from qdm.core.models import Attachment

    eng = world.user("eng_a")
    revision = bilingual(world, english=False)
    zh = revision.files.get()
    assert zh.attachments_locked() is None
    make_effective(revision, eng)
    zh.refresh_from_db()
    assert "cannot change after review and approval" in zh.attachments_locked()
    before = Attachment.objects.count()
    client.force_login(eng)
    client.post(
        reverse("core:attachment_upload", args=["system", "revisionfile", zh.pk]),
        {"file": pdf("sneaky.pdf")},
    )
    assert Attachment.objects.count() == before


class TestRevisionFileScope(ScopedModelContract):
    model = RevisionFile
    api_prefix = "system/revision-files"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}, "supplier_x": set()}
    can_add = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited title")

    def revision(self, world: World, place: str) -> Any:
        from qdm.system.models import DocumentRevision

        found = DocumentRevision.objects.filter(document__code=f"QP-{place}-SCOPE").first()
        if found:
            return found
        document = make_document(world, place, code=f"QP-{place}-SCOPE")
        eng = world.user("eng_a" if place == "A" else "eng_b")
        return save_revision(None, actor=eng, document=document, revision="A")

    def existing(self, world: World, place: str) -> Any:
        eng = world.user("eng_a" if place == "A" else "eng_b")
        return save_language_file(
            None,
            actor=eng,
            revision=self.revision(world, place),
            language="zh-hans",
            title=f"OLD-{place}",
            upload=pdf(f"old-{place}.pdf"),
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "revision": self.revision(world, place).pk,
            "language": "en",
            "title": code,
            "upload": pdf(f"{code}.pdf"),
        }

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        data = self.form_data(world, place, code)
        data.pop("upload")
        # the UI half made the English file of this revision: the API adds a fresh one
        data["revision"] = self.fresh(world, place, code).pk
        return data

    def fresh(self, world: World, place: str, code: str) -> Any:
        document = make_document(world, place, code=f"QP-{code}")
        eng = world.user("eng_a" if place == "A" else "eng_b")
        return save_revision(None, actor=eng, document=document, revision="A")

    def created(self, code: str) -> Any:
        return RevisionFile.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.title

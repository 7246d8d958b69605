"""Numbering, signatures and attachments of the kernel."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from qdm.core.models import Attachment, DomainEvent, ElectronicSignature, NumberSequence
from qdm.core.numbering import next_number
from qdm.core.signatures import SignatureError, sign, signature_is_intact
from tests.personas import PASSWORD, World


@pytest.mark.django_db
def test_numbers_are_sequential_per_prefix_site_year() -> None:
    with transaction.atomic():
        assert next_number("ncr", "jx1", year=2026) == "NCR-JX1-2026-00001"
        assert next_number("NCR", "JX1", year=2026) == "NCR-JX1-2026-00002"
        assert next_number("NCR", "JX1", year=2027) == "NCR-JX1-2027-00001"
        assert next_number("SCAR", "JX1", year=2026) == "SCAR-JX1-2026-00001"


@pytest.mark.django_db
def test_a_rolled_back_creation_gives_its_number_back() -> None:
    with transaction.atomic():
        next_number("NCR", "JX1", year=2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("NCR", "JX1", year=2026)
        raise RuntimeError("creation failed")
    with transaction.atomic():
        assert next_number("NCR", "JX1", year=2026) == "NCR-JX1-2026-00002"


@pytest.mark.django_db(transaction=True)
def test_numbering_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the creating transaction"):
        next_number("NCR", "JX1")


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_never_repeats_a_number() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs a server database: SQLite's in-memory test database is one "
            "connection per thread with table locks, so it cannot race"
        )
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(15):
                with transaction.atomic():
                    number = next_number("NCR", "RACE", year=2026)
                with lock:
                    results.append(number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 90
    assert sorted(results) == [f"NCR-RACE-2026-{n:05d}" for n in range(1, 91)]
    assert NumberSequence.objects.get(prefix="NCR", site_code="RACE").last == 90


@pytest.mark.django_db
def test_signature_binds_to_the_record_and_cannot_be_changed(world: World) -> None:
    user = world.user("eng_a")
    signature = sign(
        world.line_a,
        user=user,
        password=PASSWORD,
        meaning="approved",
        reason="line released after requalification",
    )
    assert signature_is_intact(signature)
    signature.reason = "something else"
    assert not signature_is_intact(signature)
    with pytest.raises(Exception, match="immutable"):
        signature.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "meaning", "reason", "code"),
    [
        ("nope", "approved", "ok", "signature_password"),
        (PASSWORD, "liked", "ok", "signature_meaning"),
        (PASSWORD, "approved", "", "signature_reason"),
    ],
)
def test_bad_signatures_are_refused(
    world: World, password: str, meaning: str, reason: str, code: str
) -> None:
    with pytest.raises(SignatureError) as exc:
        sign(
            world.line_a,
            user=world.user("eng_a"),
            password=password,
            meaning=meaning,
            reason=reason,
        )
    assert exc.value.code == code
    assert not ElectronicSignature.objects.exists()


@pytest.mark.django_db
def test_attachment_upload_and_download_respect_scope(
    world: World, client_for, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    url = f"/kernel/attachments/core/line/{world.line_a.pk}/"
    photo = SimpleUploadedFile("crack photo.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
    response = client_for("eng_a").post(url, {"file": photo, "description": "EL image"})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "crack photo.jpg"
    assert attachment.size_bytes == 103
    assert len(attachment.sha256) == 64
    assert DomainEvent.objects.filter(verb="attachment_added").count() == 1
    download = client_for("eng_a").get(f"/kernel/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")
    # site B's engineer can neither download it nor attach to site A's line
    assert client_for("eng_b").get(f"/kernel/attachments/{attachment.pk}/").status_code == 404
    other = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff1", "image/jpeg")
    assert client_for("eng_b").post(url, {"file": other}).status_code == 404
    assert Attachment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("macro.exe", b"MZ", "not accepted"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_attachments_are_refused_with_a_reason(
    world: World, client_for, settings, tmp_path, name: str, content: bytes, message: str
) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(name, content)
    response = client_for("eng_a").post(
        f"/kernel/attachments/core/line/{world.line_a.pk}/", {"file": upload}, follow=True
    )
    assert message in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_too_large_attachment_is_refused(world: World, client_for, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.QDM_ATTACHMENT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (1024 * 1024 + 1))
    response = client_for("eng_a").post(
        f"/kernel/attachments/core/line/{world.line_a.pk}/", {"file": upload}, follow=True
    )
    assert "larger than 1 MB" in response.content.decode()
    assert not Attachment.objects.exists()

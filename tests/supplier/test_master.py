"""Supplier master: e-signed approval decisions, certificates and their reminders (on a
frozen clock), and the origin declaration."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from qdm.core.models import Notification
from qdm.core.signatures import signatures_for
from qdm.core.workflow import TransitionError, transition
from qdm.supplier.models import Certificate, SupplierProfile
from qdm.supplier.services.certificates import remind_expiring, save_certificate
from qdm.supplier.services.common import SupplierError
from qdm.supplier.services.receipts import declare_origin
from tests.personas import PASSWORD, World
from tests.supplier.builders import receive, setup_iqc, sqe, wafer

pytestmark = pytest.mark.django_db


def test_approval_decisions_are_signed_and_only_by_the_authority(world: World) -> None:
    profile = SupplierProfile.objects.create(supplier=world.supplier_x)
    for persona in ("eng_a", "supplier_x"):
        with pytest.raises(TransitionError):
            transition(
                profile, "approve", actor=world.user(persona), password=PASSWORD, reason="audit"
            )
    profile.refresh_from_db()
    assert profile.approval_status == "candidate" and signatures_for(profile).count() == 0
    engineer = sqe(world)
    with pytest.raises(TransitionError) as wrong:
        transition(profile, "approve", actor=engineer, password="nope", reason="audit")
    assert wrong.value.code == "signature_password"
    transition(profile, "approve", actor=engineer, password=PASSWORD, reason="Audit 2026-09 passed")
    transition(profile, "block", actor=engineer, password=PASSWORD, reason="Fraudulent COA")
    profile.refresh_from_db()
    assert profile.approval_status == "blocked"
    assert [s.meaning for s in signatures_for(profile).order_by("pk")] == ["approved", "rejected"]


def test_a_blocked_supplier_cannot_deliver(world: World) -> None:
    from qdm.supplier.models import Receipt

    setup_iqc(world)
    SupplierProfile.objects.filter(supplier=world.supplier_x).update(approval_status="blocked")
    with pytest.raises(SupplierError, match="blocked"):
        receive(world)
    assert Receipt.objects.count() == 0


def certificate(world: World, until: datetime.date, number: str = "CQC-9001-17") -> Certificate:
    return save_certificate(
        actor=sqe(world),
        supplier=world.supplier_x,
        kind="iso9001",
        number=number,
        issuer="CQC",
        valid_from=until - datetime.timedelta(days=3 * 365),
        valid_until=until,
    )


def test_certificate_that_expires_before_it_starts_is_refused(world: World) -> None:
    with pytest.raises(SupplierError, match="expire before it starts"):
        save_certificate(
            actor=sqe(world),
            supplier=world.supplier_x,
            kind="ul",
            number="E123456",
            issuer="UL",
            valid_from=datetime.date(2026, 5, 1),
            valid_until=datetime.date(2026, 4, 1),
        )
    assert Certificate.objects.count() == 0


def test_reminders_on_a_frozen_clock(world: World) -> None:
    engineer = sqe(world)
    supplier_user = world.user("supplier_x")
    cert = certificate(world, datetime.date(2027, 3, 1))
    far = certificate(world, datetime.date(2028, 1, 1), number="FAR")
    frozen = datetime.datetime(2026, 12, 15, 9, 0, tzinfo=datetime.UTC)
    with mock.patch.object(timezone, "now", return_value=frozen):
        # 2026-12-15 → 2027-03-01 is 76 days: nothing yet
        assert remind_expiring() == []
        # 2027-01-05: 55 days left → level 1, to the SQE and the supplier's users
        [first] = remind_expiring(datetime.date(2027, 1, 5))
        assert first.level == 1 and set(first.recipients) == {engineer, supplier_user}
        # the same day again: nothing new (each level once)
        assert remind_expiring(datetime.date(2027, 1, 5)) == []
        out = StringIO()
        call_command(
            "supplier-certificates", "remind", "--today", "2027-02-01", "--json", stdout=out
        )
        # 28 days left → level 2
        assert json.loads(out.getvalue()) == [
            {
                "certificate": "CQC-9001-17",
                "supplier": "SUP-X",
                "valid_until": "2027-03-01",
                "level": 2,
                "recipients": 2,
            }
        ]
        [expired] = remind_expiring(datetime.date(2027, 3, 2))
        assert expired.level == 3
    assert (
        Notification.objects.filter(recipient=supplier_user, title__contains="expired").count() == 1
    )
    far.refresh_from_db()
    assert far.reminder_level == 0
    # renewing resets the reminders
    cert = save_certificate(actor=engineer, instance=cert, valid_until=datetime.date(2030, 3, 1))
    assert cert.reminder_level == 0


def test_bad_today_is_refused(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("supplier-certificates", "remind", "--today", "tomorrow")


def test_supplier_declares_the_polysilicon_origin_of_a_wafer_receipt(world: World) -> None:
    setup_iqc(world, material=wafer())
    receipt = receive(world, material=wafer(), supplier_lot="NXW-2611-07")
    assert receipt.needs_origin
    user = world.user("supplier_x")
    with pytest.raises(SupplierError, match="missing: lot"):
        declare_origin(receipt, actor=user, producer="Xinjiang Poly", plant="Shihezi", lot="")
    receipt = declare_origin(
        receipt, actor=user, producer="Xinjiang Poly Co.", plant="Shihezi plant 2", lot="PS-260915"
    )
    assert (receipt.origin_lot, receipt.origin_declared_by) == ("PS-260915", user)
    # an internal engineer without change permission on receipts is refused
    with pytest.raises(SupplierError, match="may not"):
        declare_origin(receipt, actor=world.user("eng_a"), producer="x", plant="y", lot="z")
    receipt.refresh_from_db()
    assert receipt.origin_lot == "PS-260915"


def test_glass_needs_no_origin(world: World) -> None:
    setup_iqc(world)
    receipt = receive(world)
    with pytest.raises(SupplierError, match="polysilicon and wafer"):
        declare_origin(receipt, actor=world.user("supplier_x"), producer="a", plant="b", lot="c")


def test_supplier_uploads_a_certificate_with_its_scan_in_the_portal(
    world: World, client_for
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from qdm.core.services.attachments import attachments_for

    browser = client_for("supplier_x")
    data = {
        "supplier": world.supplier_x.pk,
        "kind": "iatf16949",
        "number": "IATF-0456789",
        "issuer": "TÜV SÜD",
        "valid_from": "2026-01-10",
        "valid_until": "2029-01-09",
        "file": SimpleUploadedFile("iatf.pdf", b"%PDF-1.4 IATF"),
    }
    response = browser.post(reverse("supplier:certificate_add"), data)
    assert response.status_code == 302
    certificate = Certificate.objects.get(number="IATF-0456789")
    [scan] = attachments_for(certificate)
    assert browser.get(reverse("core:attachment_download", args=[scan.pk])).status_code == 200
    # for supplier Y: refused, nothing saved
    data["supplier"], data["number"] = world.supplier_y.pk, "IATF-FOR-Y"
    data["file"] = SimpleUploadedFile("iatf.pdf", b"%PDF-1.4 IATF")
    assert browser.post(reverse("supplier:certificate_add"), data).status_code == 400
    assert not Certificate.objects.filter(number="IATF-FOR-Y").exists()

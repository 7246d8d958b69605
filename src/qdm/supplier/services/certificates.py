"""Supplier certificates: upload (by the SQE or the supplier in the portal) and expiry
reminders (``qdm supplier-certificates remind``, daily)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.attachments import add_attachment
from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.supplier.models import Certificate
from qdm.supplier.services.common import SupplierError, clean, sqes, supplier_users

#: reminder levels: 1 = within 60 days of expiry, 2 = within 30 days, 3 = expired


def save_certificate(
    *, actor: Any, instance: Certificate | None = None, upload: Any = None, **fields: Any
) -> Certificate:
    """Create or change a certificate (optionally with the scanned file)."""
    with transaction.atomic():
        certificate = instance or Certificate(uploaded_by=actor)
        for name, value in fields.items():
            setattr(certificate, name, value)
        if certificate.pk is not None and "valid_until" in fields:
            certificate.reminder_level = 0  # a renewed certificate is reminded afresh
            certificate.reminded_for = None
        clean(certificate, exclude=["uploaded_by"])
        certificate.save()
        if upload is not None:
            try:
                add_attachment(certificate, upload, actor=actor, description=str(certificate))
            except Exception as exc:  # AttachmentError names the problem
                raise SupplierError(str(exc)) from exc
        record_event(
            certificate,
            "certificate_saved",
            actor=actor,
            message=_("%(certificate)s valid until %(date)s")
            % {"certificate": certificate, "date": certificate.valid_until},
        )
    return certificate


@dataclass
class Reminder:
    certificate: Certificate
    level: int
    recipients: list[Any]


def remind_expiring(today: datetime.date | None = None) -> list[Reminder]:
    """Tell the SQE and the supplier's portal users about certificates expiring within 60
    days, within 30 days, and expired — each level once per expiry date."""
    today = today or timezone.localdate()
    sent: list[Reminder] = []
    horizon = today + datetime.timedelta(days=60)
    candidates = Certificate.objects.filter(valid_until__lte=horizon).select_related("supplier")
    for certificate in candidates:
        days_left = (certificate.valid_until - today).days
        if days_left > 30:
            level = 1
        elif days_left >= 0:
            level = 2
        else:
            level = 3
        already = (
            certificate.reminded_for == certificate.valid_until
            and certificate.reminder_level >= level
        )
        if already:
            continue
        if level == 3:
            title = _("Certificate expired: %(supplier)s %(certificate)s (since %(date)s)")
        else:
            title = _("Certificate expires on %(date)s: %(supplier)s %(certificate)s")
        recipients = [*sqes(certificate.supplier), *supplier_users(certificate.supplier)]
        with transaction.atomic():
            notify(
                recipients,
                title
                % {
                    "supplier": certificate.supplier,
                    "certificate": certificate,
                    "date": certificate.valid_until,
                },
                link=certificate.get_absolute_url(),
            )
            certificate.reminder_level = level
            certificate.reminded_for = certificate.valid_until
            certificate.save(update_fields=["reminder_level", "reminded_for"])
            record_event(
                certificate,
                "expiry_reminder",
                actor=None,
                message=str(
                    title
                    % {
                        "supplier": certificate.supplier,
                        "certificate": certificate,
                        "date": certificate.valid_until,
                    }
                ),
                data={"level": level},
            )
        sent.append(Reminder(certificate, level, recipients))
    return sent

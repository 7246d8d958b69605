"""Kernel records shared by every platform: numbering, electronic signatures, attachments."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import SignatureMeaning


class NumberSequence(models.Model):
    """The last number handed out for one (prefix, site code, year): ``NCR-JX1-2026-00042``."""

    prefix = models.CharField(_("prefix"), max_length=10)
    site_code = models.CharField(_("site code"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "site_code", "year"], name="number_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.site_code}-{self.year}: {self.last}"


class ElectronicSignature(models.Model):
    """An approval signed by re-entering the password, with a meaning and a reason, bound to
    the SHA-256 of the signed record's content at the moment of signing. Immutable."""

    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("signer"),
    )
    signer_name = models.CharField(_("signer name"), max_length=200)
    meaning = models.CharField(_("meaning"), max_length=20, choices=SignatureMeaning.choices)
    reason = models.TextField(_("reason"))
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.CharField(_("record ID"), max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("record"), max_length=255)
    record_hash = models.CharField(_("record hash"), max_length=64)
    action = models.CharField(_("action"), max_length=60, blank=True)
    signature_hash = models.CharField(_("signature hash"), max_length=64)

    class Meta:
        verbose_name = _("electronic signature")
        verbose_name_plural = _("electronic signatures")
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.signer_name}: {self.get_meaning_display()} {self.object_repr}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            from qdm.core.models.audit import AppendOnlyError

            raise AppendOnlyError("electronic signatures are immutable")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def attachment_path(instance: Attachment, filename: str) -> str:
    safe = PurePath(filename).name.replace(" ", "_")[-120:]
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{instance.sha256[:12]}-{safe}"


class Attachment(models.Model):
    """A file attached to any record (photos of a defect, a COA, a signed report).

    Visible to whoever can see the record it is attached to.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("record type")
    )
    object_id = models.CharField(_("record ID"), max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("name"), max_length=200)
    content_type_header = models.CharField(_("media type"), max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest(chunks: object) -> str:
        sha = hashlib.sha256()
        for chunk in chunks:  # type: ignore[attr-defined]
            sha.update(chunk)
        return sha.hexdigest()

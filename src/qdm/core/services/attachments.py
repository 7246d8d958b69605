"""Attachments: files on any record, checked for size and type, hashed, audited.

A model whose files must stop changing at some point (an approved document revision, a
closed record) defines ``attachments_locked(self) -> str | None``: the reason it accepts no
more files, or None. ``add_attachment`` asks it — on the row locked for update, so a
concurrent approval cannot slip in between — and refuses with that reason, storing nothing.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from qdm.core.models.kernel import Attachment
from qdm.core.services.audit import record_event

ALLOWED_EXTENSIONS = {
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".tif",
    ".tiff",
    ".bmp",
    ".xlsx",
    ".xls",
    ".csv",
    ".docx",
    ".doc",
    ".pptx",
    ".txt",
    ".zip",
    ".json",
    ".xml",
}


class AttachmentError(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def attachments_locked(obj: models.Model) -> str | None:
    """Why ``obj`` accepts no attachments now (its ``attachments_locked()``), or None."""
    method = getattr(obj, "attachments_locked", None)
    if not callable(method):
        return None
    reason = method()
    if not reason:
        return None
    return str(_("This record accepts no more attachments.") if reason is True else reason)


def attachments_for(obj: models.Model) -> models.QuerySet[Attachment]:
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("uploaded_by")


def add_attachment(
    obj: models.Model, upload: UploadedFile, *, actor: Any, description: str = ""
) -> Attachment:
    """Attach ``upload`` to ``obj``. The caller has checked the actor may change ``obj``.

    Raises ``AttachmentError`` (nothing stored) for a bad file or when ``obj`` is locked
    (see ``attachments_locked``)."""
    reason = attachments_locked(obj)
    if reason:
        raise AttachmentError(reason)
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    if not name:
        raise AttachmentError(_("The file has no name."))
    if extension not in ALLOWED_EXTENSIONS:
        raise AttachmentError(
            _("Files of type “%(ext)s” are not accepted.") % {"ext": extension or "?"}
        )
    if upload.size is None or upload.size == 0:
        raise AttachmentError(_("The file is empty."))
    if upload.size > settings.QDM_ATTACHMENT_MAX_BYTES:
        raise AttachmentError(
            _("The file is larger than %(mb)d MB.")
            % {"mb": settings.QDM_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    digest = Attachment.digest(upload.chunks())
    upload.seek(0)
    with transaction.atomic():
        manager: Any = type(obj)._default_manager
        current = manager.select_for_update().filter(pk=obj.pk).order_by("pk").first()
        reason = attachments_locked(current) if current is not None else None
        if reason:  # locked since the caller read it
            raise AttachmentError(reason)
        attachment = Attachment(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),
            name=name[:200],
            content_type_header=(mimetypes.guess_type(name)[0] or "")[:100],
            size_bytes=upload.size,
            sha256=digest,
            description=description[:255],
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        record_event(
            obj,
            "attachment_added",
            actor=actor,
            message=str(_("Attached %(name)s") % {"name": name}),
            data={"attachment": attachment.pk, "sha256": digest},
        )
    return attachment

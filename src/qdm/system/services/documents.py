"""Writes of controlled documents, their revisions and read-and-understood acknowledgements,
and the periodic review: the documents due for review and the owners' reminders (run daily
by ``qdm documents remind``). Revision states change only through the kernel workflow."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qdm.core.models import DomainEvent
from qdm.core.services.attachments import AttachmentError, add_attachment
from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.system.choices import FileLanguage, RevisionStatus
from qdm.system.models import (
    Acknowledgement,
    ControlledDocument,
    DocumentRevision,
    RevisionFile,
)

M2M = ("sites", "distributed_to")


def save_document(
    document: ControlledDocument | None, *, actor: Any, **fields: Any
) -> ControlledDocument:
    """Create (``document`` None) or change a controlled document's register entry."""
    with transaction.atomic():
        related = {name: fields.pop(name) for name in M2M if name in fields}
        creating = document is None
        document = document or ControlledDocument()
        for name, value in fields.items():
            setattr(document, name, value)
        document.full_clean(exclude=list(M2M))
        document.save()
        for name, value in related.items():
            getattr(document, name).set(value)
        if creating:
            record_event(document, "created", actor=actor, message=_("Document registered"))
    return document


def save_revision(
    existing: DocumentRevision | None, /, *, actor: Any, **fields: Any
) -> DocumentRevision:
    """Create a draft revision or change a draft; anything past draft is refused."""
    revision = existing
    with transaction.atomic():
        if revision is not None and revision.pk:
            current = DocumentRevision.objects.values_list("status", flat=True).get(pk=revision.pk)
            if current != RevisionStatus.DRAFT:
                raise ValidationError(
                    _(
                        "Revision %(revision)s is %(status)s and cannot be edited: start a new "
                        "revision."
                    )
                    % {
                        "revision": revision.revision,
                        "status": RevisionStatus(current).label,
                    },
                    code="revision_locked",
                )
        creating = revision is None or revision.pk is None
        revision = revision or DocumentRevision(author=actor)
        for name, value in fields.items():
            setattr(revision, name, value)
        revision.full_clean()
        revision.save()
        if creating:
            record_event(
                revision.document,
                "revision_created",
                actor=actor,
                message=_("Revision %(revision)s drafted") % {"revision": revision.revision},
            )
    return revision


def save_language_file(
    existing: RevisionFile | None,
    /,
    *,
    actor: Any,
    upload: Any = None,
    **fields: Any,
) -> RevisionFile:
    """Add (``existing`` None) or change the file of one language of a draft revision:
    ``revision``, ``language``, ``title`` and ``upload`` (the file; the UI form requires it
    when adding, the API may send it later with a multipart PATCH).
    The file becomes a kernel attachment of the ``RevisionFile``. Refused once the revision
    has left draft: both languages are approved and made effective together."""
    with transaction.atomic():
        row = existing if existing is not None else RevisionFile()
        for name, value in fields.items():
            setattr(row, name, value)
        revision = row.revision if row.revision_id else None
        if revision is not None:
            status = DocumentRevision.objects.values_list("status", flat=True).get(pk=revision.pk)
            if status != RevisionStatus.DRAFT:
                raise ValidationError(
                    _(
                        "Revision %(revision)s is %(status)s: its language files can no longer "
                        "change. Start a new revision."
                    )
                    % {"revision": revision, "status": RevisionStatus(status).label},
                    code="revision_locked",
                )
        creating = row.pk is None
        row.full_clean()
        row.save()
        if upload is not None:
            try:
                row.attachment = add_attachment(row, upload, actor=actor)
            except AttachmentError as exc:
                raise ValidationError({"upload": exc.message}) from exc
            row.save(update_fields=["attachment"])
        record_event(
            row.revision.document,
            "language_file",
            actor=actor,
            message=_("Revision %(revision)s: %(language)s file %(what)s")
            % {
                "revision": row.revision.revision,
                "language": row.get_language_display(),
                "what": _("added") if creating else _("changed"),
            },
        )
    return row


def reader_language(user: Any) -> str:
    """``zh-hans`` or ``en``: the user's language, else the active one."""
    preferred = getattr(user, "language", "") or translation.get_language() or "en"
    return FileLanguage.ZH_HANS if preferred.lower().startswith("zh") else FileLanguage.EN


def file_for(revision: DocumentRevision | None, language: str) -> RevisionFile | None:
    """The file of ``revision`` in ``language``, else in the other language (a reader
    always gets the text that exists); None when the revision has no file."""
    if revision is None:
        return None
    files = {
        f.language: f
        for f in RevisionFile.objects.filter(revision=revision, attachment__isnull=False)
    }
    wanted = FileLanguage.ZH_HANS if language.lower().startswith("zh") else FileLanguage.EN
    other = FileLanguage.EN if wanted == FileLanguage.ZH_HANS else FileLanguage.ZH_HANS
    return files.get(wanted) or files.get(other)


def not_acknowledged(revision: DocumentRevision) -> list[Any]:
    """Distributed users who have not yet acknowledged ``revision``."""
    done = Acknowledgement.objects.filter(revision=revision).values("user")
    return list(
        revision.document.distributed_to.filter(is_active=True)
        .exclude(pk__in=done)
        .order_by("username")
    )


def acknowledge(revision: DocumentRevision, *, actor: Any) -> Acknowledgement:
    """Record that ``actor`` has read and understood the effective ``revision``."""
    with transaction.atomic():
        if revision.status != RevisionStatus.EFFECTIVE:
            raise ValidationError(
                _("Only an effective revision can be acknowledged."), code="not_effective"
            )
        if not revision.document.distributed_to.filter(pk=actor.pk).exists():
            raise ValidationError(
                _("This document is not distributed to you."), code="not_distributed"
            )
        ack, created = Acknowledgement.objects.get_or_create(revision=revision, user=actor)
        if created:
            record_event(
                revision.document,
                "acknowledged",
                actor=actor,
                message=_("Read and understood: revision %(revision)s")
                % {"revision": revision.revision},
            )
    return ack


def announce_effective(revision: DocumentRevision) -> None:
    """Tell the distribution list a revision is effective and must be read (on commit)."""
    notify(
        not_acknowledged(revision),
        _("Please read and acknowledge %(document)s") % {"document": revision},
        link=revision.get_absolute_url(),
    )


# --- Periodic review ------------------------------------------------------------------

#: default look-ahead of the "due for review" list and of ``qdm documents remind``
REVIEW_WINDOW_DAYS = 30


def due_for_review(
    documents: Any, today: datetime.date | None = None, days: int = REVIEW_WINDOW_DAYS
) -> Any:
    """The documents in force (with an effective revision) whose next periodic review is
    within ``days`` of ``today`` or past, soonest first."""
    today = today or timezone.localdate()
    limit = today + datetime.timedelta(days=days)
    in_force = DocumentRevision.objects.filter(status=RevisionStatus.EFFECTIVE).values("document")
    return documents.filter(
        next_review_date__isnull=False, next_review_date__lte=limit, pk__in=in_force
    ).order_by("next_review_date", "code")


VERB = "review_reminder"
OVERDUE = "overdue"
DEFAULT_DAYS = REVIEW_WINDOW_DAYS


@dataclass(frozen=True)
class ReviewReminder:
    document: ControlledDocument
    revision: DocumentRevision
    review_date: datetime.date
    threshold: str  # the look-ahead in days ("30"), or "overdue"
    days_left: int
    recipients: list[Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document.code,
            "revision": self.revision.revision,
            "review_date": self.review_date.isoformat(),
            "days_left": self.days_left,
            "threshold": self.threshold,
            "owner": self.document.owner.username,
            "notified": [u.username for u in self.recipients],
        }


def _title(document: ControlledDocument, review_date: datetime.date, days_left: int) -> str:
    values = {
        "document": f"{document.code} {document.title}",
        "date": review_date.isoformat(),
        "days": abs(days_left),
    }
    if days_left < 0:
        text = _("Periodic review of %(document)s is overdue by %(days)d day(s) (due %(date)s)")
    else:
        text = _("Periodic review of %(document)s is due in %(days)d day(s), on %(date)s")
    return text % values


def _already(
    document: ControlledDocument,
    revision: DocumentRevision,
    review_date: str,
    threshold: str,
    today: str,
) -> bool:
    """True when this revision was reminded for this review date and threshold, or today."""
    events = DomainEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(ControlledDocument),
        object_id=str(document.pk),
        verb=VERB,
    ).values_list("data", flat=True)
    for data in events:
        if data.get("revision") != revision.pk:
            continue
        if data.get("date") == today:
            return True
        if (data.get("review_date"), data.get("threshold")) == (review_date, threshold):
            return True
    return False


def remind_periodic_reviews(
    now: datetime.datetime | None = None, *, days: int = DEFAULT_DAYS
) -> list[ReviewReminder]:
    """Notify the owner of every document with an effective revision whose next periodic
    review is at most ``days`` days away (threshold ``days``) or past (threshold
    ``overdue``). Idempotent per revision, review date and threshold, and per day."""
    if days < 0:
        raise ValueError("days must be zero or more")
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = due_for_review(ControlledDocument.objects.all(), today, days)
    done: list[ReviewReminder] = []
    for candidate in candidates:
        with transaction.atomic():
            document = (
                ControlledDocument.objects.select_for_update()
                .select_related("owner")
                .get(pk=candidate.pk)
            )
            revision = document.effective_revision
            review_date = document.next_review_date
            if revision is None or review_date is None:
                continue
            days_left = (review_date - today).days
            threshold = OVERDUE if days_left < 0 else str(days)
            if _already(document, revision, review_date.isoformat(), threshold, today.isoformat()):
                continue
            owner = document.owner
            recipients = [owner] if owner.is_active else []
            with translation.override(owner.language or None):
                title = _title(document, review_date, days_left)
                body = _(
                    "Revision %(revision)s is effective. Review the document: confirm it, or "
                    "start a new revision."
                ) % {"revision": revision.revision}
            sites = list(document.sites.all()[:2])
            notify(
                recipients,
                title,
                body=body,
                link=document.get_absolute_url(),
                site=sites[0] if len(sites) == 1 else None,
            )
            record_event(
                document,
                VERB,
                actor=None,
                message=title,
                data={
                    "revision": revision.pk,
                    "review_date": review_date.isoformat(),
                    "threshold": threshold,
                    "date": today.isoformat(),
                    "days_left": days_left,
                },
            )
        done.append(
            ReviewReminder(document, revision, review_date, threshold, days_left, recipients)
        )
    return done

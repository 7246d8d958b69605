"""Writes of controlled documents, their revisions and read-and-understood acknowledgements.
Revision states change only through the kernel workflow."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.system.choices import RevisionStatus
from qdm.system.models import Acknowledgement, ControlledDocument, DocumentRevision

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

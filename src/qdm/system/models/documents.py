"""Controlled documents: manuals, procedures, work instructions, forms, specifications.

A ``ControlledDocument`` has an owner, a process, the sites it applies to (none: the whole
group), a language and the people it is distributed to. Its content lives in
``DocumentRevision`` rows: draft → review → approved (e-signed) → effective → obsolete; when
a revision becomes effective the previous effective one becomes obsolete and the periodic
review date moves on. Readers (no change permission) only ever see effective revisions. An
effective revision cannot be edited: changes go through a new revision. Distributed users
acknowledge each effective revision as read and understood.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager, ScopedQuerySet
from qdm.core.workflow import Transition, Workflow
from qdm.system.choices import DocumentLanguage, DocumentType, RevisionStatus

R = RevisionStatus


class ControlledDocument(models.Model):
    """A controlled document; what readers see is its effective revision."""

    code = models.CharField(_("document number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    doc_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    process = models.CharField(_("process"), max_length=120, blank=True)
    sites = models.ManyToManyField(
        "core.Site",
        blank=True,
        related_name="+",
        verbose_name=_("sites"),
        help_text=_("Leave empty for a document of the whole group."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=DocumentLanguage.choices, default="zh"
    )
    review_months = models.PositiveSmallIntegerField(_("review period (months)"), default=24)
    next_review_date = models.DateField(_("next periodic review"), null=True, blank=True)
    distributed_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("distributed to"),
    )

    scope = Scope(site="sites", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("controlled document")
        verbose_name_plural = _("controlled documents")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("system:controlleddocument_detail", args=[self.pk])

    @property
    def effective_revision(self) -> DocumentRevision | None:
        return self.revisions.filter(status=R.EFFECTIVE).first()


def _supersede(obj: DocumentRevision, actor: Any) -> None:
    """The new revision is effective: the previous one becomes obsolete, the review clock
    restarts."""
    now = timezone.now()
    previous = DocumentRevision.objects.filter(document=obj.document_id, status=R.EFFECTIVE)
    for old in previous.exclude(pk=obj.pk):
        old.status = R.OBSOLETE
        old.obsoleted_at = now
        old.save(update_fields=["status", "obsoleted_at"])
    obj.effective_at = now
    obj.save(update_fields=["effective_at"])
    document = obj.document
    today = timezone.localdate(now)
    document.next_review_date = today + datetime.timedelta(
        days=round(document.review_months * 30.44)
    )
    document.save(update_fields=["next_review_date"])
    from qdm.system.services.documents import announce_effective

    announce_effective(obj)


def _approved(obj: DocumentRevision, actor: Any) -> None:
    obj.approved_by = actor
    obj.save(update_fields=["approved_by"])


def _obsoleted(obj: DocumentRevision, actor: Any) -> None:
    obj.obsoleted_at = timezone.now()
    obj.save(update_fields=["obsoleted_at"])


def _has_summary(obj: DocumentRevision, actor: Any) -> Any:
    return None if obj.change_summary.strip() else _("Say what changed in this revision first.")


REVISION_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition("submit", _("Submit for review"), (R.DRAFT,), R.REVIEW, guard=_has_summary),
        Transition("return", _("Return to draft"), (R.REVIEW,), R.DRAFT, style="warning"),
        Transition(
            "approve",
            _("Approve"),
            (R.REVIEW,),
            R.APPROVED,
            signature="approved",
            on_done=_approved,
        ),
        Transition(
            "make_effective",
            _("Make effective"),
            (R.APPROVED,),
            R.EFFECTIVE,
            style="success",
            on_done=_supersede,
        ),
        Transition(
            "obsolete",
            _("Withdraw (obsolete)"),
            (R.EFFECTIVE,),
            R.OBSOLETE,
            signature="rejected",
            style="outline-danger",
            on_done=_obsoleted,
        ),
    ],
)


class RevisionQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = "view") -> ScopedQuerySet:
        """Readers — users who may not change revisions — see only effective ones."""
        rows = super().for_user(user, action)
        if action == "view" and not user.has_perm("system.change_documentrevision"):
            rows = rows.filter(status=R.EFFECTIVE)
        return rows


class RevisionManager(models.Manager.from_queryset(RevisionQuerySet)):  # type: ignore[misc]
    pass


class DocumentRevision(models.Model):
    """One revision of a controlled document (the files are its attachments)."""

    document = models.ForeignKey(
        ControlledDocument,
        on_delete=models.PROTECT,
        related_name="revisions",
        verbose_name=_("document"),
    )
    revision = models.CharField(_("revision"), max_length=10)
    change_summary = models.TextField(_("what changed"), blank=True)
    content = models.TextField(_("content"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RevisionStatus.choices,
        default=RevisionStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("approved by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    effective_at = models.DateTimeField(_("effective from"), null=True, blank=True, editable=False)
    obsoleted_at = models.DateTimeField(_("obsolete from"), null=True, blank=True, editable=False)

    scope = Scope(site="document__sites", group_rows_when_site_empty=True)
    workflow = REVISION_WORKFLOW
    objects = RevisionManager()

    class Meta:
        verbose_name = _("document revision")
        verbose_name_plural = _("document revisions")
        ordering = ["document", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "revision"], name="system_revision_once_per_document"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document.code} rev. {self.revision}"

    def get_absolute_url(self) -> str:
        return reverse("system:documentrevision_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        """Only drafts change; anything later needs a new revision."""
        return self.status == R.DRAFT

    def attachments_locked(self) -> str | None:
        """The kernel refuses uploads unless this is a draft: the files are the content that
        was reviewed and e-signed."""
        if self.is_editable:
            return None
        return _(
            "%(revision)s is %(status)s: its files cannot change after review and approval. "
            "Attach them to a new draft revision."
        ) % {"revision": self, "status": self.get_status_display()}


class Acknowledgement(models.Model):
    """A distributed user confirmed having read and understood an effective revision."""

    revision = models.ForeignKey(
        DocumentRevision,
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("document revision"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), default=timezone.now)

    scope = Scope(site="revision__document__sites", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("read-and-understood acknowledgement")
        verbose_name_plural = _("read-and-understood acknowledgements")
        ordering = ["revision", "acknowledged_at"]
        constraints = [models.UniqueConstraint(fields=["revision", "user"], name="system_ack_once")]

    def __str__(self) -> str:
        return f"{self.revision}: {self.user}"

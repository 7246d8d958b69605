"""Language versions of a controlled-document revision.

A Chinese-owned multinational keeps one document number and one revision for the Chinese
and the English text: a ``DocumentRevision`` carries one ``RevisionFile`` per language
(Simplified Chinese, English), each with the title in that language and the file (a kernel
attachment of the ``RevisionFile``). Files are added and replaced only while the revision is
a draft, so both languages are reviewed, approved (one e-signature) and made effective
together. Readers get the effective revision's file in their language, else the other one.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedQuerySet
from qdm.system.choices import FileLanguage, RevisionStatus


class RevisionFileQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = "view") -> ScopedQuerySet:
        """Readers — who may not change revisions — see only files of effective ones."""
        rows = super().for_user(user, action)
        if action == "view" and not user.has_perm("system.change_documentrevision"):
            rows = rows.filter(revision__status=RevisionStatus.EFFECTIVE)
        return rows


class RevisionFileManager(models.Manager.from_queryset(RevisionFileQuerySet)):  # type: ignore[misc]
    pass


class RevisionFile(models.Model):
    """The file of one language of a document revision."""

    revision = models.ForeignKey(
        "system.DocumentRevision",
        on_delete=models.CASCADE,
        related_name="files",
        verbose_name=_("document revision"),
    )
    language = models.CharField(_("language"), max_length=7, choices=FileLanguage.choices)
    title = models.CharField(_("title in this language"), max_length=200)
    attachment = models.ForeignKey(
        "core.Attachment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("file"),
    )

    scope = Scope(site="revision__document__sites", group_rows_when_site_empty=True)
    objects = RevisionFileManager()

    class Meta:
        verbose_name = _("revision language file")
        verbose_name_plural = _("revision language files")
        ordering = ["revision", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "language"], name="system_revision_file_once_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.revision} [{self.language}]"

    def get_absolute_url(self) -> str:
        return reverse("system:revisionfile_detail", args=[self.pk])

    def attachments_locked(self) -> str | None:
        """Why the kernel refuses an upload (None: accepted). The file is part of what is
        approved: it changes only while the revision is a draft."""
        if self.revision.status == RevisionStatus.DRAFT:
            return None
        return _(
            "%(revision)s is %(status)s: its language files cannot change after review and "
            "approval. Add them to a new draft revision."
        ) % {"revision": self.revision, "status": self.revision.get_status_display()}

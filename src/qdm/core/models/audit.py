"""The audit trail: field-level history (django-auditlog rows in our own model) and typed
domain events, both append-only and hash-chained so tampering is detectable.

Each row stores ``seq`` (its place in the chain), ``prev_hash`` (the hash of the row before)
and ``row_hash`` = SHA-256(prev_hash + canonical JSON of the row's content). A ``ChainHead``
row per chain holds the last seq and hash; appending locks it, so concurrent writers queue
and the chain never forks. ``qdm audit verify`` recomputes every hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager, ScopedQuerySet

GENESIS = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a row of an append-only chain."""


def canonical_json(data: Any) -> str:
    """Stable JSON for hashing: sorted keys, no spaces, datetimes in UTC ISO-8601."""

    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return str(value)

    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), default=default, ensure_ascii=False
    )


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(content)).encode("utf-8")).hexdigest()


class ChainHead(models.Model):
    """The tip of one hash chain ("audit", "events")."""

    name = models.CharField(_("chain"), max_length=20, primary_key=True)
    last_seq = models.BigIntegerField(_("last sequence number"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS)

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")

    def __str__(self) -> str:
        return f"{self.name}#{self.last_seq}"


class AppendOnlyQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")


class ChainedModel(models.Model):
    """Base of the append-only, hash-chained models."""

    CHAIN: ClassVar[str]
    seq = models.BigIntegerField(_("sequence number"), unique=True, editable=False, null=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False, blank=True)
    row_hash = models.CharField(_("row hash"), max_length=64, editable=False, blank=True)

    class Meta:
        abstract = True

    def chain_content(self) -> dict[str, Any]:
        raise NotImplementedError

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        with transaction.atomic(using=kwargs.get("using")):
            ChainHead.objects.get_or_create(name=self.CHAIN)
            super().save(*args, **kwargs)

    def _do_insert(
        self, manager: Any, using: Any, fields: Any, returning_fields: Any, raw: Any
    ) -> Any:
        # Chained at the last moment, after every pre_save receiver has run (auditlog sets
        # the actor in one), so the hash covers exactly what is stored. The head row lock
        # serialises writers; we are inside save()'s transaction.
        head = ChainHead.objects.using(using).select_for_update().get(name=self.CHAIN)
        self.seq = head.last_seq + 1
        self.prev_hash = head.last_hash
        self.row_hash = chain_hash(self.prev_hash, self.chain_content())
        result = super()._do_insert(  # type: ignore[misc]
            manager, using, fields, returning_fields, raw
        )
        ChainHead.objects.using(using).filter(name=self.CHAIN).update(
            last_seq=self.seq, last_hash=self.row_hash
        )
        return result

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class AuditLogManager(LogEntryManager.from_queryset(AppendOnlyQuerySet)):  # type: ignore[misc]
    """auditlog's manager (log_create, log_update …) over an append-only queryset."""


class AuditLogEntry(ChainedModel, AbstractLogEntry):
    """One change to one business record (django-auditlog's entry, hash-chained).

    ``cid`` carries the request id of the web or API request that made the change.
    """

    CHAIN = "audit"

    objects = AuditLogManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-seq"]

    def chain_content(self) -> dict[str, Any]:
        return {
            "content_type": self.content_type_id,
            "object_pk": str(self.object_pk),
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "action": self.action,
            "changes": self.changes,
            "changes_text": self.changes_text,
            "actor": self.actor_id,
            "cid": self.cid,
            "remote_addr": self.remote_addr,
            "timestamp": self.timestamp,
            "additional_data": self.additional_data,
        }


class DomainEvent(ChainedModel):
    """A readable workflow step or approval: "NCR-JX1-2026-00042 moved to Contained by …".

    Written by service functions (``record_event``) inside their transaction.
    """

    CHAIN = "events"

    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    verb = models.CharField(_("event"), max_length=60, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.CharField(_("record ID"), max_length=64, db_index=True)
    object_repr = models.CharField(_("record"), max_length=255)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    request_id = models.CharField(_("request ID"), max_length=64, blank=True)

    scope = Scope(site="site")
    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_repr}"

    def chain_content(self) -> dict[str, Any]:
        return {
            "occurred_at": self.occurred_at,
            "actor": self.actor_id,
            "verb": self.verb,
            "content_type": self.content_type_id,
            "object_id": str(self.object_id),
            "object_repr": self.object_repr,
            "site": self.site_id,
            "message": self.message,
            "data": self.data,
            "request_id": self.request_id,
        }


__all__ = ["AuditLogEntry", "ChainHead", "DomainEvent", "ScopedManager"]

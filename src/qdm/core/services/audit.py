"""Audit services: write domain events, read a record's history, verify the hash chains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

from qdm.core.middleware import get_request_id
from qdm.core.models.audit import (
    GENESIS,
    AuditLogEntry,
    ChainedModel,
    ChainHead,
    DomainEvent,
    chain_hash,
)


def record_event(
    obj: models.Model,
    verb: str,
    *,
    actor: Any,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> DomainEvent:
    """Append a readable event about ``obj`` (inside the caller's transaction)."""
    site = getattr(obj, "site", None)
    site_id = getattr(site, "pk", None) if site is not None else None
    if type(obj).__name__ == "Site":
        site_id = obj.pk
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = DomainEvent(
        actor_id=actor_id,
        verb=verb,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        site_id=site_id,
        message=message,
        data=data or {},
        request_id=get_request_id() or "",
    )
    event.save()
    return event


@dataclass(frozen=True)
class HistoryRow:
    when: Any
    actor: Any
    kind: str  # "change" or "event"
    title: str
    changes: list[tuple[str, Any, Any]]
    request_id: str


def _readable_changes(
    model: type[models.Model], entry: AuditLogEntry, cache: dict[tuple[Any, str], str]
) -> list[tuple[str, Any, Any]]:
    """(field label, before, after) with foreign keys shown as the records they name and
    the primary key and reverse relations left out."""
    rows = []
    for name, values in (entry.changes or {}).items():
        if not (isinstance(values, list) and len(values) == 2):
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a field since removed: show it as recorded
            rows.append((name, values[0], values[1]))
            continue
        if not getattr(field, "concrete", False) or getattr(field, "primary_key", False):
            continue
        shown = [None if v in (None, "None", "") else v for v in values]
        related = getattr(field, "related_model", None)
        if related is not None:
            shown = [_related_label(related, v, cache) for v in shown]
        label = str(getattr(field, "verbose_name", name))
        rows.append((label[:1].upper() + label[1:], shown[0], shown[1]))
    return rows


def _related_label(model: Any, pk: Any, cache: dict[tuple[Any, str], str]) -> Any:
    if pk is None:
        return None
    key = (model, str(pk))
    if key not in cache:
        found = model._base_manager.filter(pk=pk).first()
        cache[key] = str(found) if found is not None else f"#{pk}"
    return cache[key]


def history_for(obj: models.Model) -> list[HistoryRow]:
    """Field changes and domain events of one record, newest first."""
    content_type = ContentType.objects.get_for_model(type(obj))
    rows: list[HistoryRow] = []
    entries = AuditLogEntry.objects.filter(
        content_type=content_type, object_pk=str(obj.pk)
    ).select_related("actor")
    cache: dict[tuple[Any, str], str] = {}
    for entry in entries:
        changes = _readable_changes(type(obj), entry, cache)
        rows.append(
            HistoryRow(
                entry.timestamp,
                entry.actor,
                "change",
                entry.get_action_display(),
                changes,
                entry.cid or "",
            )
        )
    events = DomainEvent.objects.filter(content_type=content_type, object_id=str(obj.pk))
    for event in events.select_related("actor"):
        rows.append(
            HistoryRow(
                event.occurred_at,
                event.actor,
                "event",
                event.message or event.verb,
                [],
                event.request_id,
            )
        )
    rows.sort(key=lambda r: r.when, reverse=True)
    return rows


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int | None
    pk: Any
    problem: str

    def __str__(self) -> str:
        where = f"row #{self.seq} (id {self.pk})" if self.seq is not None else "chain head"
        return f"{self.chain}: {where}: {self.problem}"


def verify_chain(model: type[ChainedModel], batch_size: int = 2000) -> ChainProblem | None:
    """Recompute the chain of ``model``; return the first problem found, or None."""
    chain = model.CHAIN
    prev_hash, expected_seq = GENESIS, 1
    last_pk = None
    queryset = model._base_manager.order_by("seq")
    for row in queryset.iterator(chunk_size=batch_size):
        if row.seq != expected_seq:
            return ChainProblem(
                chain,
                expected_seq,
                None,
                f"missing; next row present is #{row.seq} (deleted rows?)",
            )
        if row.prev_hash != prev_hash:
            return ChainProblem(chain, row.seq, row.pk, "previous-hash link broken")
        if chain_hash(prev_hash, row.chain_content()) != row.row_hash:
            return ChainProblem(
                chain,
                row.seq,
                row.pk,
                "content does not match its hash (altered after it was written)",
            )
        prev_hash, expected_seq, last_pk = row.row_hash, expected_seq + 1, row.pk
    head = ChainHead.objects.filter(name=chain).first()
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            return ChainProblem(chain, None, None, "chain head missing")
        return None
    if head.last_seq != last_seq or head.last_hash != prev_hash:
        return ChainProblem(
            chain,
            None,
            last_pk,
            f"head says #{head.last_seq} but the last row is #{last_seq} "
            "(rows deleted at the end?)",
        )
    return None


def verify_all() -> list[ChainProblem]:
    problems = []
    for model in (AuditLogEntry, DomainEvent):
        problem = verify_chain(model)
        if problem:
            problems.append(problem)
    return problems


def chain_lengths() -> dict[str, int]:
    return {m.CHAIN: m._base_manager.count() for m in (AuditLogEntry, DomainEvent)}


__all__ = ["history_for", "record_event", "transaction", "verify_all", "verify_chain"]

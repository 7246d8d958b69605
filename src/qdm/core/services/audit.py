"""Audit services: write domain events, read a record's history, verify the hash chains."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy

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


#: shown instead of a related record the viewer may not see (another site's, supplier's
#: or customer's): its name is the very data the scoping rule keeps from them
HIDDEN_RECORD = gettext_lazy("(a record you cannot see)")

#: (related model, lookup field, recorded value) → the label shown
Labels = dict[tuple[Any, str, str], Any]


def _recorded_changes(
    model: type[models.Model], entry: AuditLogEntry
) -> list[tuple[str, Any, list[Any]]]:
    """(field name, model field or None if since removed, [before, after]) of one entry,
    the primary key and reverse relations left out; empty values become None."""
    rows: list[tuple[str, Any, list[Any]]] = []
    for name, values in (entry.changes or {}).items():
        if not (isinstance(values, list) and len(values) == 2):
            continue  # auditlog's many-to-many records: no model registers m2m fields
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a field since removed: show it as recorded
            rows.append((name, None, values))
            continue
        if not getattr(field, "concrete", False) or getattr(field, "primary_key", False):
            continue
        rows.append((name, field, [None if v in (None, "None", "") else v for v in values]))
    return rows


def _related_labels(references: dict[tuple[Any, str], set[str]], user: Any) -> Labels:
    """The label of every related record the entries name, with one query per related
    model. auditlog records a foreign key as the value of its target field (the primary
    key), not the name, so the name is read now — and, for a scoped model, only from the
    rows ``user`` may view: another record reads as ``HIDDEN_RECORD`` (also when it has
    since been deleted, which tells nothing either)."""
    labels: Labels = {}
    for (related, lookup), values in references.items():
        target = related._meta.get_field(lookup)
        wanted = set()
        for value in values:
            try:
                wanted.add(target.to_python(value))
            except ValidationError:
                continue  # not a key of that model: read as a record not found
        manager = related._default_manager
        is_scoped = hasattr(manager, "for_user")
        queryset = manager.for_user(user, "view") if is_scoped else related._base_manager.all()
        found = {
            str(getattr(row, lookup)): str(row)
            for row in queryset.filter(**{f"{lookup}__in": wanted})
        }
        for value in values:
            labels[(related, lookup, value)] = found.get(
                value, HIDDEN_RECORD if is_scoped else f"#{value}"
            )
    return labels


def _readable_changes(
    model: type[models.Model], entries: list[AuditLogEntry], user: Any
) -> list[list[tuple[str, Any, Any]]]:
    """Per entry, (field label, before, after) with foreign keys shown as the records they
    name, as far as ``user`` may see them."""
    recorded = [_recorded_changes(model, entry) for entry in entries]
    references: dict[tuple[Any, str], set[str]] = defaultdict(set)
    for rows in recorded:
        for _name, field, values in rows:
            if field is not None and field.related_model is not None:
                key = (field.related_model, field.target_field.attname)
                references[key].update(str(v) for v in values if v is not None)
    labels = _related_labels(references, user)
    readable = []
    for rows in recorded:
        shown_rows = []
        for name, field, values in rows:
            if field is None:
                shown_rows.append((name, values[0], values[1]))
                continue
            shown = values
            if field.related_model is not None:
                lookup = field.target_field.attname
                shown = [
                    None if v is None else labels[(field.related_model, lookup, str(v))]
                    for v in values
                ]
            label = str(getattr(field, "verbose_name", name))
            shown_rows.append((label[:1].upper() + label[1:], shown[0], shown[1]))
        readable.append(shown_rows)
    return readable


def history_for(obj: models.Model, user: Any) -> list[HistoryRow]:
    """Field changes and domain events of one record, newest first, as ``user`` may read
    them: a foreign key to a record outside their scope shows ``HIDDEN_RECORD``."""
    content_type = ContentType.objects.get_for_model(type(obj))
    rows: list[HistoryRow] = []
    entries = list(
        AuditLogEntry.objects.filter(
            content_type=content_type, object_pk=str(obj.pk)
        ).select_related("actor")
    )
    changes = _readable_changes(type(obj), entries, user)
    for entry, entry_changes in zip(entries, changes, strict=True):
        rows.append(
            HistoryRow(
                entry.timestamp,
                entry.actor,
                "change",
                entry.get_action_display(),
                entry_changes,
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

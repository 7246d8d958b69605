"""Writes of the integrated-management-system registry (systems, clauses, processes and their
clause mapping, certificates), the processes × systems coverage matrix, and the certificate
expiry reminders."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.system.ims_catalog import clause_sort_key
from qdm.system.models import Certificate, Clause, ManagementSystem, Process
from qdm.system.services.nonconformity import site_quality_managers


def save_record(
    model: type[models.Model],
    instance: models.Model | None,
    /,
    *,
    actor: Any,
    **fields: Any,
) -> Any:
    """Create (``instance`` None) or change a plain record of the platform: set the fields,
    ``full_clean``, save, set the many-to-many fields, write the event — in one
    transaction. Records with their own rules have their own services."""
    with transaction.atomic():
        creating = instance is None or instance.pk is None
        obj = instance if instance is not None else model()
        m2m_names = {f.name for f in model._meta.many_to_many}
        related = {name: fields.pop(name) for name in list(fields) if name in m2m_names}
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.full_clean(exclude=list(m2m_names))
        obj.save()
        for name, value in related.items():
            getattr(obj, name).set(value)
        record_event(
            obj,
            "created" if creating else "changed",
            actor=actor,
            message=(_("Created %(record)s") if creating else _("Changed %(record)s"))
            % {"record": str(obj)[:150]},
            data={"fields": sorted([*fields, *related])},
        )
    return obj


def save_process(process: Process | None, /, *, actor: Any, **fields: Any) -> Process:
    """Create or change a process (owner, sites, clause mapping)."""
    return save_record(Process, process, actor=actor, **fields)


def map_clauses(process: Process, clauses: Iterable[Clause], *, actor: Any) -> Process:
    """Add clauses (of any system) to what ``process`` satisfies."""
    with transaction.atomic():
        items = list(clauses)
        process.clauses.add(*items)
        record_event(
            process,
            "clauses_mapped",
            actor=actor,
            message=_("Mapped %(count)d clause(s)") % {"count": len(items)},
            data={"clauses": [c.pk for c in items]},
        )
    return process


def save_certificate(
    certificate: Certificate | None, /, *, actor: Any, **fields: Any
) -> Certificate:
    """Create or change a certificate; the expiry must follow the issue date."""
    issued = fields.get("issued_on", getattr(certificate, "issued_on", None))
    expires = fields.get("expires_on", getattr(certificate, "expires_on", None))
    if issued and expires and expires <= issued:
        raise ValidationError(
            {"expires_on": _("The expiry date must be after the issue date.")}, code="dates"
        )
    return save_record(Certificate, certificate, actor=actor, **fields)


# --- the matrix ------------------------------------------------------------------------


@dataclass
class Coverage:
    """Processes × systems: how many clauses of each system each process covers, and the
    clauses of each system no process covers (gaps)."""

    systems: list[ManagementSystem]
    processes: list[Process]
    #: (process pk, system pk) → number of clauses of the system the process covers
    counts: dict[tuple[int, int], int] = field(default_factory=dict)
    #: system pk → clauses of that system
    clauses: dict[int, list[Clause]] = field(default_factory=dict)
    #: system pk → clauses not covered by any of the processes
    gaps: dict[int, list[Clause]] = field(default_factory=dict)

    def rows(self) -> list[tuple[Process, list[int]]]:
        return [
            (p, [self.counts.get((p.pk, s.pk), 0) for s in self.systems]) for p in self.processes
        ]

    def covered(self, system: ManagementSystem) -> int:
        return len(self.clauses[system.pk]) - len(self.gaps[system.pk])


def coverage(processes: Iterable[Process], systems: Iterable[ManagementSystem]) -> Coverage:
    """The coverage matrix of ``processes`` (already scoped by the caller) for ``systems``."""
    process_list = list(processes)
    system_list = list(systems)
    result = Coverage(system_list, process_list)
    system_ids = [s.pk for s in system_list]
    all_clauses = list(Clause.objects.filter(system_id__in=system_ids))
    all_clauses.sort(key=lambda c: (c.position, clause_sort_key(c.number)))
    for system in system_list:
        result.clauses[system.pk] = [c for c in all_clauses if c.system_id == system.pk]
    mapping = Process.clauses.through.objects.filter(
        process_id__in=[p.pk for p in process_list], clause__system_id__in=system_ids
    ).values_list("process_id", "clause_id", "clause__system_id")
    covered: set[int] = set()
    for process_id, clause_id, system_id in mapping:
        key = (process_id, system_id)
        result.counts[key] = result.counts.get(key, 0) + 1
        covered.add(clause_id)
    for system in system_list:
        result.gaps[system.pk] = [c for c in result.clauses[system.pk] if c.pk not in covered]
    return result


# --- certificate reminders ------------------------------------------------------------


def chief_quality_officers() -> list[Any]:
    """Group-wide chief quality officers: told when nobody at the site is."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(
        grants__role__name="chief_quality_officer", grants__site__isnull=True, is_active=True
    )
    return list(users.distinct())


@dataclass
class Reminder:
    certificate: Certificate
    days_left: int
    recipients: list[Any]


def remind_certificates(now: datetime.datetime | None = None, *, days: int = 90) -> list[Reminder]:
    """Warn the responsible person and the site quality managers (nobody there: the chief
    quality officers) of every certificate that expires within ``days`` days (or has
    expired). Idempotent: each certificate is
    reminded once per threshold ``days`` (recorded in ``reminded_days``). Run daily:
    ``qdm certificates remind [--days 90]``."""
    if days < 0:
        raise ValueError("days must be zero or more")
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + datetime.timedelta(days=days)
    done: list[Reminder] = []
    due = Certificate.objects.filter(expires_on__lte=horizon).select_related(
        "site", "system", "owner"
    )
    for candidate in due:
        if days in (candidate.reminded_days or []):
            continue
        with transaction.atomic():
            certificate = Certificate.objects.select_for_update().get(pk=candidate.pk)
            if days in (certificate.reminded_days or []):
                continue
            left = (certificate.expires_on - today).days
            recipients = [
                *([certificate.owner] if certificate.owner_id else []),
                *site_quality_managers(certificate.site),
            ] or chief_quality_officers()
            if left >= 0:
                title = _(
                    "Certificate %(number)s (%(system)s, %(site)s) expires in %(days)d day(s)"
                )
            else:
                title = _(
                    "Certificate %(number)s (%(system)s, %(site)s) expired %(days)d day(s) ago"
                )
            title = title % {
                "number": certificate.number,
                "system": candidate.system.standard,
                "site": candidate.site.code,
                "days": abs(left),
            }
            notify(
                recipients,
                title,
                body=_("Issued by %(body)s; expires on %(date)s. Plan the recertification audit.")
                % {"body": certificate.body, "date": certificate.expires_on.isoformat()},
                link=certificate.get_absolute_url(),
                site=candidate.site,
            )
            certificate.reminded_days = sorted({*(certificate.reminded_days or []), days})
            certificate.save(update_fields=["reminded_days"])
            record_event(
                certificate,
                "expiry_reminder",
                actor=None,
                message=title,
                data={"threshold_days": days, "days_left": left},
            )
        done.append(Reminder(certificate, left, recipients))
    return done

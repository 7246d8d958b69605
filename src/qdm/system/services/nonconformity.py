"""Writes of nonconformities. Every state change goes through the kernel workflow."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify
from qdm.system.models import Nonconformity


def site_quality_managers(site: Any) -> list[Any]:
    users = (
        get_user_model()
        .objects.filter(
            grants__role__name="site_quality_manager", grants__site=site, is_active=True
        )
        .distinct()
    )
    return list(users)


def raise_nonconformity(*, actor: Any, **fields: Any) -> Nonconformity:
    """Create an NCR numbered ``NCR-<site>-<year>-<seq>``, write its event and notify the
    site's quality managers after commit.

    Precondition: the caller checked that ``actor`` may add nonconformities at the site
    (views and the API re-check scope inside the transaction).
    """
    with transaction.atomic():
        site = fields["site"]
        nc = Nonconformity(raised_by=actor, **fields)
        nc.number = next_number("NCR", site.code)
        nc.full_clean(exclude=["raised_by", "number"])
        nc.save()
        record_event(
            nc,
            "raised",
            actor=actor,
            message=_("Raised %(number)s (%(severity)s)")
            % {"number": nc.number, "severity": nc.get_severity_display()},
        )
        notify(
            site_quality_managers(site),
            _("New nonconformity %(number)s: %(title)s") % {"number": nc.number, "title": nc.title},
            body=nc.description[:500],
            link=nc.get_absolute_url(),
            site=site,
        )
    return nc


def update_nonconformity(nc: Nonconformity, *, actor: Any, **fields: Any) -> Nonconformity:
    """Change the descriptive fields; status changes go through ``transition``."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(nc, name, value)
        nc.full_clean(exclude=["raised_by", "number"])
        nc.save()
    return nc

"""Writes of nonconformities. Every state change goes through the kernel workflow."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
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


def split_codes(text: str | list[str] | None) -> list[str]:
    """Lot or serial codes from a text (one per line, commas and blanks also separate)."""
    if not text:
        return []
    items = text if isinstance(text, list) else text.replace(",", "\n").split()
    seen: dict[str, None] = {}
    for item in items:
        code = str(item).strip()
        if code:
            seen.setdefault(code, None)
    return list(seen)


def resolve_units(codes: list[str], *, actor: Any) -> list[Any]:
    """The genealogy units with these codes that ``actor`` may see; any other code is an
    error naming it (an out-of-scope code reads as unknown, never as "forbidden")."""
    from qdm.data.models import Unit

    units = list(Unit.objects.for_user(actor, "view").filter(code__in=codes))
    unknown = sorted(set(codes) - {u.code for u in units})
    if unknown:
        message = _("Unknown lot or serial code(s): %(codes)s") % {"codes": ", ".join(unknown)}
        raise ValidationError({"unit_codes": ValidationError(message, code="unknown_units")})
    return units


def link_units(nc: Nonconformity, codes: list[str], *, actor: Any) -> list[Any]:
    """Link the affected genealogy units (lots, serials, pallets) to ``nc`` by code."""
    with transaction.atomic():
        units = resolve_units(codes, actor=actor)
        nc.units.add(*units)
        if units:
            record_event(
                nc,
                "units_linked",
                actor=actor,
                message=_("Linked %(count)d unit(s)") % {"count": len(units)},
                data={"units": [u.code for u in units]},
            )
    return units


def raise_nonconformity(
    *, actor: Any, unit_codes: str | list[str] | None = None, **fields: Any
) -> Nonconformity:
    """Create an NCR numbered ``NCR-<site>-<year>-<seq>``, write its event and notify the
    site's quality managers after commit.

    ``unit_codes`` (optional) links genealogy units by lot or serial code; an unknown code
    is a ValidationError and nothing is created. ``lots`` stays free text.

    Precondition: the caller checked that ``actor`` may add nonconformities at the site
    (views and the API re-check scope inside the transaction).
    """
    with transaction.atomic():
        site = fields["site"]
        nc = Nonconformity(raised_by=actor, **fields)
        nc.number = next_number("NCR", site.code)
        nc.full_clean(exclude=["raised_by", "number"])
        nc.save()
        codes = split_codes(unit_codes)
        if codes:
            link_units(nc, codes, actor=actor)
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


def update_nonconformity(
    nc: Nonconformity, *, actor: Any, unit_codes: str | list[str] | None = None, **fields: Any
) -> Nonconformity:
    """Change the descriptive fields; status changes go through ``transition``."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(nc, name, value)
        nc.full_clean(exclude=["raised_by", "number"])
        nc.save()
        codes = split_codes(unit_codes)
        if codes:
            link_units(nc, codes, actor=actor)
    return nc

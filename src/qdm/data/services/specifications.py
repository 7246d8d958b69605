"""Specifications: every change is a new version; the one in force is the latest version
whose ``valid_from`` has passed, for the most specific scope that applies (customer, then
site, then group)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.data.models import Characteristic, Specification

KEY_FIELDS = ("characteristic", "module_model", "material", "site", "customer")


def publish_specification(*, actor: Any, **fields: Any) -> Specification:
    """Save a new version of the specification for its (characteristic, product, site,
    customer) key. Earlier versions stay as history."""
    if fields.get("characteristic") is None:
        raise ValidationError({"characteristic": _("Choose the characteristic to specify.")})
    with transaction.atomic():
        key: dict[str, Any] = {name: fields.get(name) for name in KEY_FIELDS}
        # lock the characteristic row so two publishers cannot take the same version
        Characteristic.objects.select_for_update().filter(pk=key["characteristic"].pk).exists()
        last = Specification.objects.filter(**key).aggregate(v=Max("version"))["v"] or 0
        spec = Specification(version=last + 1, **fields)
        spec.full_clean()
        spec.save()
        record_event(
            spec.characteristic,
            "specification_published",
            actor=actor,
            message=_("Specification v%(version)s published (%(level)s)")
            % {"version": spec.version, "level": spec.level_label},
            data={
                "specification": spec.pk,
                "lsl": spec.lsl,
                "target": spec.target,
                "usl": spec.usl,
            },
        )
    return spec


@dataclass(frozen=True)
class SpecRow:
    """One scope of one characteristic, with the group value beside it."""

    current: Specification
    group: Specification | None
    history: list[Specification]

    @property
    def differs(self) -> bool:
        if self.group is None or self.current.pk == self.group.pk:
            return False
        return (self.current.lsl, self.current.target, self.current.usl) != (
            self.group.lsl,
            self.group.target,
            self.group.usl,
        )


def specifications_side_by_side(
    characteristic: Characteristic, user: Any, at: datetime | None = None
) -> list[SpecRow]:
    """The version in force for each (product, site, customer) scope the user may see,
    with the group-wide value for the same product beside it ("one body": unified
    standards, local differences visible)."""
    at = at or timezone.now()
    specs = list(
        Specification.objects.for_user(user, "view")
        .filter(characteristic=characteristic)
        .select_related("site", "customer", "module_model", "material")
        .order_by("-version")
    )
    by_key: dict[tuple[Any, ...], list[Specification]] = {}
    for spec in specs:
        by_key.setdefault(
            (spec.module_model_id, spec.material_id, spec.site_id, spec.customer_id), []
        ).append(spec)
    rows = []
    for (model_id, material_id, _site, _customer), versions in by_key.items():
        in_force = [v for v in versions if v.valid_from <= at] or versions[-1:]
        group_versions = by_key.get((model_id, material_id, None, None), [])
        group_in_force = [v for v in group_versions if v.valid_from <= at]
        rows.append(
            SpecRow(
                current=in_force[0],
                group=group_in_force[0] if group_in_force else None,
                history=versions,
            )
        )
    level_order = {"group": 0, "site": 1, "customer": 2}
    rows.sort(
        key=lambda r: (
            str(r.current.module_model or ""),
            level_order[r.current.level],
            str(r.current.site or ""),
            str(r.current.customer or ""),
        )
    )
    return rows


def specification_in_force(
    characteristic: Characteristic,
    *,
    module_model: Any = None,
    material: Any = None,
    site: Any = None,
    customer: Any = None,
    at: datetime | None = None,
) -> Specification | None:
    """The most specific specification that applies: customer, then site, then group; for
    the product, then for all products."""
    at = at or timezone.now()
    candidates = Specification.objects.filter(characteristic=characteristic, valid_from__lte=at)
    for product in (
        {"module_model": module_model, "material": material},
        {"module_model": None, "material": None},
    ):
        for scope in (
            {"customer": customer, "site": None} if customer else None,
            {"customer": None, "site": site} if site else None,
            {"customer": None, "site": None},
        ):
            if scope is None:
                continue
            found = candidates.filter(**product, **scope).order_by("-version", "-valid_from")
            spec = found.first()
            if spec is not None:
                return spec
    return None

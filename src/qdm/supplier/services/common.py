"""Helpers shared by the supplier services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class SupplierError(ValidationError):
    """Refused: the message names the problem and nothing was saved. ``code`` is stable
    for the API (``permission_denied`` answers 403)."""

    def __init__(self, message: Any, code: str = "invalid") -> None:
        super().__init__(str(message), code=code)

    def __str__(self) -> str:
        return " ".join(self.messages)


def clean(obj: Any, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise SupplierError(
            "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in exc.message_dict.items())
        ) from exc


def may(user: Any, perm: str, obj: Any = None) -> bool:
    """``user`` holds ``perm`` on ``obj``'s scope (custom permissions such as approve,
    respond and review are scoped by the kernel like view/add/change/delete)."""
    return bool(user.has_perm(perm, obj))


def require(user: Any, perm: str, obj: Any = None) -> None:
    """Refuse unless ``user`` holds ``perm`` (on ``obj``'s scope when given)."""
    if not may(user, perm, obj):
        raise SupplierError(_("You may not do this."), code="permission_denied")


def supplier_users(supplier: Any) -> list[Any]:
    """Active external users of ``supplier`` (portal users)."""
    from qdm.core.models import User

    return list(User.objects.filter(grants__supplier=supplier, is_active=True).distinct())


def sqes(supplier: Any = None) -> list[Any]:
    """The responsible SQE of the supplier, else every supplier quality engineer."""
    from qdm.core.models import User
    from qdm.supplier.models import SupplierProfile

    profile = SupplierProfile.objects.filter(supplier=supplier).first() if supplier else None
    if profile is not None and profile.sqe_id:
        return [profile.sqe]
    return list(
        User.objects.filter(
            grants__role__name="supplier_quality_engineer", is_active=True
        ).distinct()
    )

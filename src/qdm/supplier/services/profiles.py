"""Supplier profiles, plants, contacts and the approved supplier list."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.supplier.services.common import clean


def save_record(form: Any, user: Any) -> Any:
    """Create or change a master record from its form, with its event (generic saver)."""
    with transaction.atomic():
        creating = form.instance.pk is None
        obj = form.save(commit=False)
        clean(obj)
        obj.save()
        form.save_m2m()
        record_event(
            obj,
            "created" if creating else "changed",
            actor=user,
            message=(_("%s created") if creating else _("%s changed")) % obj,
        )
    return obj

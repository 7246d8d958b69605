"""Race-free human references: ``NCR-JX1-2026-00042``.

The number is taken inside the creating transaction with an UPDATE ... SET last = last + 1
on the sequence row, which takes the row lock (PostgreSQL) or the write lock (SQLite in
IMMEDIATE mode), so two concurrent transactions never receive the same number; if the
creating transaction rolls back, so does the increment.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from qdm.core.models.kernel import NumberSequence


def next_number(prefix: str, site_code: str, *, year: int | None = None, width: int = 5) -> str:
    """Allocate the next reference for (prefix, site, year). Must run in a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the creating transaction")
    prefix, site_code = prefix.upper(), site_code.upper()
    year = year or timezone.now().year
    key = {"prefix": prefix, "site_code": site_code, "year": year}
    updated = NumberSequence.objects.filter(**key).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(**key, last=1)
        except IntegrityError:
            # another transaction created the row first: take the next number from it
            NumberSequence.objects.filter(**key).update(last=F("last") + 1)
    last = NumberSequence.objects.values_list("last", flat=True).get(**key)
    return f"{prefix}-{site_code}-{year}-{last:0{width}d}"

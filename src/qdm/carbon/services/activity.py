"""Activity data import from XLSX: one sheet with the columns ``site, month, kind, flow,
quantity, unit, certificate scheme, notes``. Every row is validated first; any error
(listed by row and column) saves nothing. Rows update the record of the same site, month,
kind and flow, so importing a corrected file twice changes nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from qdm.carbon.choices import ActivityKind
from qdm.carbon.models import ActivityRecord
from qdm.core.models import Site
from qdm.core.querysets import permitted_site_ids
from qdm.core.services.audit import record_event

COLUMNS = ("site", "month", "kind", "flow", "quantity", "unit", "certificate scheme", "notes")
REQUIRED = ("site", "month", "kind", "quantity", "unit")


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:20]))
        self.errors = errors


def _month(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        return dt.datetime.strptime(text[:7], "%Y-%m").date()
    except ValueError:
        raise ValueError(_("%(value)r is not a month (YYYY-MM).") % {"value": text}) from None


def sites_for(user: Any, perm: str = "carbon.add_activityrecord") -> list[Site]:
    """The sites where ``user`` holds ``perm`` (their grants holding the permission:
    group-wide → every site; at a site → that site)."""
    ids = permitted_site_ids(user, perm)
    return list(Site.objects.all() if ids is None else Site.objects.filter(pk__in=ids))


def import_activity(file: Any, *, user: Any) -> int:
    """Validate every row, then save all of them or nothing; returns the rows saved."""
    try:
        sheet = load_workbook(file, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many types for a non-XLSX file
        raise ImportFailed(
            [RowError(0, _("file"), _("not a readable XLSX file (%s)") % exc)]
        ) from None
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise ImportFailed([RowError(0, _("file"), _("the sheet is empty"))])
    header = [str(c or "").strip().lower() for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed(
            [
                RowError(1, c, _("column missing (expected %s)") % ", ".join(COLUMNS))
                for c in missing
            ]
        )
    sites = {s.code: s for s in sites_for(user)}
    kinds = {k.value: k for k in ActivityKind} | {str(k.label).lower(): k for k in ActivityKind}
    errors: list[RowError] = []
    records: list[ActivityRecord] = []
    seen: set[tuple[Any, ...]] = set()
    for number, raw in enumerate(rows[1:], start=2):
        if not any(v not in (None, "") for v in raw):
            continue
        cell = dict(zip(header, raw, strict=False))
        row_errors: list[RowError] = []
        site = sites.get(str(cell.get("site") or "").strip())
        if site is None:
            row_errors.append(
                RowError(number, "site", _("unknown site or not yours: %r") % cell.get("site"))
            )
        try:
            month = _month(cell.get("month"))
        except ValueError as exc:
            row_errors.append(RowError(number, "month", str(exc)))
            month = None
        kind = kinds.get(str(cell.get("kind") or "").strip().lower())
        if kind is None:
            row_errors.append(
                RowError(
                    number,
                    "kind",
                    _("%(v)r is not one of %(k)s")
                    % {"v": cell.get("kind"), "k": ", ".join(k.value for k in ActivityKind)},
                )
            )
        raw_quantity = cell.get("quantity")
        quantity: float | None
        try:
            if raw_quantity is None:
                raise TypeError
            quantity = float(raw_quantity)
        except (TypeError, ValueError):
            row_errors.append(
                RowError(number, "quantity", _("%r is not a number") % cell.get("quantity"))
            )
            quantity = None
        # each None below has added its row error already; the test also narrows the types
        if row_errors or site is None or month is None or kind is None or quantity is None:
            errors += row_errors
            continue
        record = ActivityRecord(
            site=site,
            month=month,
            kind=kind,
            key=str(cell.get("flow") or "electricity").strip(),
            quantity=quantity,
            unit=str(cell.get("unit") or "").strip(),
            certificate_scheme=str(cell.get("certificate scheme") or "").strip(),
            notes=str(cell.get("notes") or "").strip(),
        )
        try:
            record.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors += [RowError(number, field, m) for m in messages]
            continue
        key = (site.pk, month, kind, record.key)
        if key in seen:
            errors.append(RowError(number, "flow", _("the same site, month, kind and flow twice")))
            continue
        seen.add(key)
        records.append(record)
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        for record in records:
            obj, _created = ActivityRecord.objects.update_or_create(
                site=record.site,
                month=record.month,
                kind=record.kind,
                key=record.key,
                defaults={
                    "quantity": record.quantity,
                    "unit": record.unit,
                    "certificate_scheme": record.certificate_scheme,
                    "notes": record.notes,
                },
            )
        if records:
            record_event(obj, "imported", actor=user, data={"rows": len(records)})
    return len(records)

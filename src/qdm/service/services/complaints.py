"""Writes of complaints: create and edit, intake of serial lists (typed, pasted, CSV or
XLSX) with row-level validation and nothing half-saved, and the customer 8D."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.models import Site
from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.service.choices import SLA_DAYS, ComplaintStatus, Symptom
from qdm.service.models import Complaint, ComplaintItem
from qdm.service.services import trace
from qdm.system.choices import CapaKind
from qdm.system.services.capa import open_capa

#: at most this many serials in one intake
MAX_ROWS = 5_000
LOCKED = (ComplaintStatus.CLOSED, ComplaintStatus.REJECTED)


def sla_due(received_on: datetime.date, severity: str) -> datetime.date:
    return received_on + datetime.timedelta(days=SLA_DAYS.get(severity, SLA_DAYS["major"]))


def _internal(user: Any) -> bool:
    """Staff of the group (not a customer user filing through the portal)."""
    return user is not None and user.has_perm("service.change_complaint")


def _check_project(complaint: Complaint) -> None:
    if complaint.project is not None and complaint.project.customer_id != complaint.customer_id:
        raise ValidationError({"project": _("This project belongs to another customer.")})


def create_complaint(*, actor: Any, **fields: Any) -> Complaint:
    """Record a complaint numbered ``CC-<customer>-<year>-<seq>`` with its SLA due date."""
    with transaction.atomic():
        complaint = Complaint(reported_by=actor, **fields)
        if complaint.owner_id is None and _internal(actor):
            complaint.owner = actor  # customer service owns what it records itself
        complaint.full_clean(exclude=["number", "reported_by"])
        _check_project(complaint)
        complaint.sla_due = sla_due(complaint.received_on, complaint.severity)
        code = complaint.customer.code.removeprefix("CUS-")[:20]
        complaint.number = next_number("CC", code)
        complaint.save()
        record_event(
            complaint,
            "received",
            actor=actor,
            message=_("Complaint %(number)s received") % {"number": complaint.number},
        )
    return complaint


def update_complaint(complaint: Complaint, *, actor: Any, **fields: Any) -> Complaint:
    with transaction.atomic():
        status = Complaint.objects.filter(pk=complaint.pk).values_list("status", flat=True)[0]
        if status in LOCKED:
            raise ValidationError(_("A closed or rejected complaint can no longer be changed."))
        new_customer = fields.get("customer")
        changed = new_customer is not None and new_customer.pk != complaint.customer_id
        if changed and complaint.items.exists():
            raise ValidationError(
                {"customer": _("The serials were checked against this customer: keep it.")}
            )
        for name, value in fields.items():
            setattr(complaint, name, value)
        complaint.full_clean(exclude=["number", "reported_by"])
        _check_project(complaint)
        due = sla_due(complaint.received_on, complaint.severity)
        if due != complaint.sla_due:
            # a new due date restarts the SLA clock: its reminders are sent afresh
            complaint.escalation_level, complaint.escalated_at = 0, None
        complaint.sla_due = due
        complaint.save()
    return complaint


# --- intake -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeRow:
    line: int
    serial: str
    symptom: str
    notes: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    serial: str
    message: str

    def __str__(self) -> str:
        return _("Row %(line)s (%(serial)s): %(message)s") % {
            "line": self.line,
            "serial": self.serial or "—",
            "message": self.message,
        }


class IntakeError(ValidationError):
    """The serial list has errors; nothing was saved. ``rows`` names each one."""

    def __init__(self, rows: list[RowError]) -> None:
        self.rows = rows
        super().__init__([str(r) for r in rows], code="intake")


_SYMPTOMS = {s.value.upper(): s.value for s in Symptom} | {
    str(s.label).upper(): s.value for s in Symptom
}


def _symptom(value: str, default: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return default or None
    return _SYMPTOMS.get(value.upper())


def parse_text(text: str, default_symptom: str = "") -> list[IntakeRow]:
    """Typed or pasted lines: ``serial``, or ``serial<TAB|,|;>symptom[<sep>notes]``."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[\t,;]", line, maxsplit=2)]
        parts += ["", ""]
        rows.append(IntakeRow(number, parts[0], parts[1] or default_symptom, parts[2]))
    return rows


def _table_rows(table: list[list[Any]], default_symptom: str) -> list[IntakeRow]:
    header = [str(c or "").strip().lower() for c in (table[0] if table else [])]
    if "serial" not in header:
        raise IntakeError([RowError(1, "", _("The first row must name a 'serial' column."))])
    s_i = header.index("serial")
    y_i = header.index("symptom") if "symptom" in header else None
    n_i = header.index("notes") if "notes" in header else None
    rows = []
    for number, row in enumerate(table[1:], start=2):
        cells = ["" if c is None else str(c).strip() for c in row]
        if not any(cells):
            continue

        def cell(i: int | None, cells: list[str] = cells) -> str:
            return cells[i] if i is not None and i < len(cells) else ""

        rows.append(IntakeRow(number, cell(s_i), cell(y_i) or default_symptom, cell(n_i)))
    return rows


def parse_upload(name: str, content: bytes, default_symptom: str = "") -> list[IntakeRow]:
    """Rows of an uploaded CSV or XLSX file with a header row (serial, symptom, notes)."""
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            raise IntakeError(
                [RowError(0, "", _("The file is not a readable XLSX workbook."))]
            ) from None
        sheet = book.worksheets[0]
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
        return _table_rows(table, default_symptom)
    if lower.endswith(".csv") or lower.endswith(".txt"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise IntakeError([RowError(0, "", _("The CSV file is not UTF-8 text."))]) from None
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else None
        reader = (
            csv.reader(io.StringIO(text), dialect) if dialect else csv.reader(io.StringIO(text))
        )
        return _table_rows([list(r) for r in reader], default_symptom)
    raise IntakeError([RowError(0, "", _("Upload a .csv or .xlsx file."))])


def validate_rows(
    complaint: Complaint, rows: list[IntakeRow]
) -> tuple[list[RowError], dict[str, int]]:
    """Every problem of every row (in bulk: one query for the serials, one walk for the
    shipments), and the module id of each good serial."""
    errors: list[RowError] = []
    if not rows:
        return [RowError(0, "", _("No serial numbers were given."))], {}
    if len(rows) > MAX_ROWS:
        return [RowError(0, "", _("At most %(n)s serials at once.") % {"n": MAX_ROWS})], {}
    existing = set(complaint.items.values_list("serial", flat=True))
    ids = trace.modules_by_serial(r.serial for r in rows if r.serial)
    customers = trace.shipped_customers(list(ids.values()))
    seen: dict[str, int] = {}
    for row in rows:
        if not row.serial:
            errors.append(RowError(row.line, "", _("the serial number is empty.")))
            continue
        if _symptom(row.symptom, "") is None:
            message = (
                _("unknown symptom code “%(code)s”.") % {"code": row.symptom}
                if row.symptom
                else _("no symptom given.")
            )
            errors.append(RowError(row.line, row.serial, message))
        if row.serial in seen:
            errors.append(
                RowError(
                    row.line,
                    row.serial,
                    _("listed twice (also row %(line)s).") % {"line": seen[row.serial]},
                )
            )
            continue
        seen[row.serial] = row.line
        if row.serial in existing:
            errors.append(RowError(row.line, row.serial, _("already on this complaint.")))
        elif row.serial not in ids:
            errors.append(RowError(row.line, row.serial, _("unknown serial number.")))
        elif complaint.customer_id not in customers.get(ids[row.serial], set()):
            errors.append(
                RowError(
                    row.line,
                    row.serial,
                    _("not shipped to %(customer)s.") % {"customer": complaint.customer.code},
                )
            )
    return errors, ids


def add_items(complaint: Complaint, rows: list[IntakeRow], *, actor: Any) -> list[ComplaintItem]:
    """Add the serials of ``rows`` to the complaint: all of them, or none and an
    ``IntakeError`` naming each bad row."""
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status in LOCKED:
            raise ValidationError(_("A closed or rejected complaint can no longer be changed."))
        errors, ids = validate_rows(complaint, rows)
        if errors:
            raise IntakeError(errors)
        items = [
            ComplaintItem(
                complaint=complaint,
                serial=row.serial,
                unit_id=ids[row.serial],
                symptom=_symptom(row.symptom, "") or "",
                notes=row.notes[:300],
            )
            for row in rows
        ]
        ComplaintItem.objects.bulk_create(items, batch_size=1000)
        record_event(
            complaint,
            "serials_added",
            actor=actor,
            message=_("%(n)s serial numbers added") % {"n": len(items)},
            data={"count": len(items)},
        )
    return items


# --- 8D -----------------------------------------------------------------------------------


def build_site(complaint: Complaint) -> Site | None:
    """The module base that built most of the complained modules."""
    from django.db.models import Count

    row = (
        complaint.items.values("unit__site")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("unit__site", flat=True)
        .first()
    )
    return Site.objects.filter(pk=row).first() if row else None


def open_customer_8d(complaint: Complaint, *, actor: Any, site: Site | None = None) -> Any:
    """Open the system platform's customer 8D for this complaint (at the site that built
    most of its modules) and link it."""
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.capa is not None:
            raise ValidationError(
                _("%(number)s already has the 8D %(capa)s.")
                % {"number": complaint.number, "capa": complaint.capa.number}
            )
        if complaint.status in LOCKED:
            raise ValidationError(_("A closed or rejected complaint can no longer be changed."))
        site = site or build_site(complaint)
        if site is None:
            raise ValidationError(_("Add the affected serials first: the 8D needs the site."))
        count = complaint.items.count()
        capa = open_capa(
            actor=actor,
            kind=CapaKind.CUSTOMER_8D,
            site=site,
            customer=complaint.customer,
            title=f"{complaint.number}: {complaint.title}"[:200],
            champion=actor,
            due_date=timezone.localdate() + datetime.timedelta(days=60),
            problem_what=complaint.description,
            problem_where=str(complaint.project or complaint.customer),
            problem_when=complaint.received_on.isoformat(),
            problem_how=_("Customer complaint %(number)s") % {"number": complaint.number},
            problem_how_many=str(count),
        )
        complaint.capa = capa
        complaint.save(update_fields=["capa"])
        record_event(
            complaint,
            "8d_opened",
            actor=actor,
            message=_("Customer 8D %(number)s opened") % {"number": capa.number},
        )
    return capa


def symptom_codes() -> list[tuple[str, str]]:
    return [(s.value, str(s.label)) for s in Symptom]


def serials_of(complaint: Complaint) -> list[str]:
    return list(complaint.items.values_list("serial", flat=True))


def ensure_rows(rows: Iterable[IntakeRow]) -> list[IntakeRow]:
    return list(rows)


def open_scar_for_lot(complaint: Complaint, lot: Any, *, actor: Any) -> Any:
    """Open a SCAR to the supplier of a suspect material lot found by the analysis of this
    complaint (at the site that received the lot)."""
    if not lot.supplier_id:
        raise ValidationError(_("%(lot)s has no supplier: a SCAR needs one.") % {"lot": lot.code})
    if lot.site_id is None:
        raise ValidationError(_("%(lot)s has no receiving site.") % {"lot": lot.code})
    with transaction.atomic():
        capa = open_capa(
            actor=actor,
            kind=CapaKind.SCAR,
            site=lot.site,
            supplier=lot.supplier,
            title=f"{lot.code}: {complaint.title}"[:200],
            champion=actor,
            due_date=timezone.localdate() + datetime.timedelta(days=30),
            problem_what=complaint.description,
            problem_where=f"{lot.code} ({lot.supplier_lot or '—'})",
            problem_how=_("Commonality analysis of complaint %(number)s")
            % {"number": complaint.number},
        )
        record_event(
            complaint,
            "scar_opened",
            actor=actor,
            message=_("SCAR %(number)s opened for lot %(lot)s")
            % {"number": capa.number, "lot": lot.code},
        )
    return capa


def take_ownership(complaint: Complaint, *, actor: Any) -> Complaint:
    """The actor (customer-service staff) becomes the owner the SLA reminders go to."""
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status in LOCKED:
            raise ValidationError(_("A closed or rejected complaint can no longer be changed."))
        if not _internal(actor):
            raise ValidationError(_("Only customer-service staff can own a complaint."))
        previous = complaint.owner
        complaint.owner = actor
        complaint.save(update_fields=["owner"])
        record_event(
            complaint,
            "owner_changed",
            actor=actor,
            message=_("You now own %(number)s.") % {"number": complaint.number},
            data={"from": previous.username if previous else None, "to": actor.username},
        )
    return complaint

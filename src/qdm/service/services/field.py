"""Field IV/EL of complaint serials, and their comparison with the factory results of the
same serial (latest flash test and latest EL after lamination, from the data platform).

The Pmax change is ``Δ = (P_field − P_factory) / P_factory`` in %. The field measurement
carries a stated uncertainty ``u`` (% of reading, e.g. 5 % for a portable IV tracer on
site, 3 % for an accredited indoor lab); a loss counts as confirmed only beyond it — the
field value is raised by ``u`` before the comparison, as in the power-warranty evaluation:

    confirmed loss % = max(0, 100 · (1 − P_field · (1 + u/100) / P_factory))

so a module 4 % down measured with ±5 % shows no confirmed loss, one 8 % down shows
≈3.4 %. Voc and Isc changes are relative %, FF changes are in percentage points."""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.data.choices import ElStage
from qdm.data.models import ElResult, FlashTest
from qdm.service.models import Complaint, ComplaintItem, FieldMeasurement
from qdm.service.services.complaints import LOCKED, IntakeError, RowError

EL_ORDER = "ABCD"
#: columns of an upload / paste (header row required); only ``serial`` is mandatory
COLUMNS = (
    "serial",
    "pmax_w",
    "voc_v",
    "isc_a",
    "ff_pct",
    "irradiance_wm2",
    "module_temp_c",
    "stc_corrected",
    "uncertainty_pct",
    "el_grade",
    "el_defects",
    "measured_on",
    "notes",
)
NUMBERS = {
    # column: (lowest, highest) accepted
    "pmax_w": (1.0, 2000.0),
    "voc_v": (1.0, 200.0),
    "isc_a": (0.1, 50.0),
    "ff_pct": (10.0, 100.0),
    "irradiance_wm2": (50.0, 1500.0),
    "module_temp_c": (-40.0, 100.0),
    "uncertainty_pct": (0.0, 20.0),
}
MAX_ROWS = 5_000
CODE_RE = re.compile(r"^[A-Z0-9_-]+$")


# --- reading a table ------------------------------------------------------------------
def read_table(name: str, content: bytes) -> list[list[str]]:
    """The cells of an uploaded CSV or XLSX file (first sheet)."""
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            raise IntakeError(
                [RowError(0, "", _("The file is not a readable XLSX workbook."))]
            ) from None
        return [
            ["" if c is None else str(c).strip() for c in r]
            for r in book.worksheets[0].iter_rows(values_only=True)
        ]
    if lower.endswith((".csv", ".txt")):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise IntakeError([RowError(0, "", _("The CSV file is not UTF-8 text."))]) from None
        return parse_text_table(text)
    raise IntakeError([RowError(0, "", _("Upload a .csv or .xlsx file."))])


def parse_text_table(text: str) -> list[list[str]]:
    """Pasted or CSV text with a header row; separated by tab, comma or semicolon."""
    if not (text or "").strip():
        return []
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        reader = csv.reader(io.StringIO(text), dialect)
    except csv.Error:
        reader = csv.reader(io.StringIO(text))
    return [[c.strip() for c in r] for r in reader]


# --- validating and saving --------------------------------------------------------------
def _number(raw: str, column: str, errors: list[str]) -> float | None:
    if raw == "":
        return None
    try:
        value = float(raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw)
    except ValueError:
        errors.append(
            _("%(column)s “%(value)s” is not a number") % {"column": column, "value": raw}
        )
        return None
    low, high = NUMBERS[column]
    if not math.isfinite(value) or not low <= value <= high:
        errors.append(
            _("%(column)s %(value)s is outside %(low)s … %(high)s")
            % {"column": column, "value": raw, "low": low, "high": high}
        )
        return None
    return value


def _date(raw: str, errors: list[str]) -> datetime.date | None:
    if raw == "":
        return None
    try:
        day = datetime.date.fromisoformat(raw[:10])
    except ValueError:
        errors.append(_("measured_on “%(value)s” is not a date (YYYY-MM-DD)") % {"value": raw})
        return None
    if day > timezone.localdate():
        errors.append(_("measured_on %(value)s is in the future") % {"value": raw})
    return day


def _bool(raw: str, errors: list[str]) -> bool:
    value = raw.strip().lower()
    if value in ("", "1", "yes", "y", "true", "是"):
        return True
    if value in ("0", "no", "n", "false", "否"):
        return False
    errors.append(_("stc_corrected “%(value)s” is not yes/no") % {"value": raw})
    return True


def validate_table(
    complaint: Complaint, table: list[list[str]]
) -> tuple[list[RowError], list[tuple[ComplaintItem, dict[str, Any]]]]:
    """Every problem of every row, and the parsed rows. A row must name a serial of this
    complaint (once) and give at least a field Pmax or a field EL grade."""
    if not table or not any(table[0]):
        return [RowError(1, "", _("Nothing to import: give a header row and data rows."))], []
    header = [h.strip().lower() for h in table[0]]
    unknown = [h for h in header if h and h not in COLUMNS]
    if "serial" not in header or unknown:
        message = _("The header must name a 'serial' column; known columns: %(cols)s.") % {
            "cols": ", ".join(COLUMNS)
        }
        if unknown:
            message += " " + _("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)}
        return [RowError(1, "", message)], []
    if len(table) - 1 > MAX_ROWS:
        return [RowError(0, "", _("At most %(n)s rows at once.") % {"n": MAX_ROWS})], []
    items = {i.serial: i for i in complaint.items.all()}
    errors: list[RowError] = []
    parsed: list[tuple[ComplaintItem, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(table[1:], start=2):
        cells = dict(zip(header, [*row, *[""] * len(header)], strict=False))
        if not any(str(v).strip() for v in cells.values()):
            continue
        serial = cells.get("serial", "").strip()
        problems: list[str] = []
        item = items.get(serial)
        if not serial:
            problems.append(_("no serial number"))
        elif item is None:
            problems.append(_("not a serial of this complaint"))
        elif serial in seen:
            problems.append(_("repeats row %(row)s") % {"row": seen[serial]})
        seen.setdefault(serial, line)
        values: dict[str, Any] = {
            c: _number(cells.get(c, ""), c, problems) for c in NUMBERS if c != "uncertainty_pct"
        }
        uncertainty = _number(cells.get("uncertainty_pct", ""), "uncertainty_pct", problems)
        values["uncertainty_pct"] = 5.0 if uncertainty is None else uncertainty
        values["stc_corrected"] = _bool(cells.get("stc_corrected", ""), problems)
        values["measured_on"] = _date(cells.get("measured_on", ""), problems)
        grade = cells.get("el_grade", "").strip().upper()
        if grade and grade not in EL_ORDER:
            problems.append(_("EL grade “%(value)s” is not A, B, C or D") % {"value": grade})
        values["el_grade"] = grade if grade in EL_ORDER else ""
        codes = [c.strip().upper() for c in re.split(r"[,;/ ]+", cells.get("el_defects", ""))]
        codes = [c for c in codes if c]
        bad = [c for c in codes if not CODE_RE.match(c)]
        if bad:
            problems.append(_("not a defect code: %(codes)s") % {"codes": ", ".join(bad)})
        values["el_defects"] = ", ".join(codes)[:200]
        values["notes"] = cells.get("notes", "")[:300]
        if values["pmax_w"] is None and not values["el_grade"] and not problems:
            problems.append(_("give at least the field Pmax or the field EL grade"))
        if problems:
            errors.append(RowError(line, serial, "; ".join(problems)))
        elif item is not None:
            parsed.append((item, values))
    return errors, parsed


def record_field_results(
    complaint: Complaint, table: list[list[str]], *, actor: Any
) -> list[FieldMeasurement]:
    """Save the field IV/EL rows (all or none; ``IntakeError`` names each bad row). A serial
    measured before gets its record replaced."""
    if complaint.status in LOCKED:
        raise IntakeError(
            [RowError(0, "", _("A closed or rejected complaint can no longer be changed."))]
        )
    errors, parsed = validate_table(complaint, table)
    if errors:
        raise IntakeError(errors)
    saved = []
    with transaction.atomic():
        for item, values in parsed:
            m, _created = FieldMeasurement.objects.update_or_create(
                item=item,
                defaults={**values, "recorded_by": actor, "recorded_at": timezone.now()},
            )
            saved.append(m)
        record_event(
            complaint,
            "field_results",
            actor=actor,
            message=_("Field IV/EL of %(n)s serials recorded") % {"n": len(saved)},
            data={"serials": [m.item.serial for m in saved][:200]},
        )
    return saved


# --- comparison ---------------------------------------------------------------------------
@dataclass
class Comparison:
    serial: str
    symptom: str
    factory_pmax_w: float | None
    factory_voc_v: float | None
    factory_isc_a: float | None
    factory_ff_pct: float | None
    factory_el_grade: str
    factory_el_defects: list[str]
    field: FieldMeasurement | None

    def _rel(self, field: float | None, factory: float | None) -> float | None:
        if field is None or not factory:
            return None
        return 100.0 * (field - factory) / factory

    @property
    def pmax_delta_pct(self) -> float | None:
        return self._rel(self.field.pmax_w if self.field is not None else None, self.factory_pmax_w)

    @property
    def voc_delta_pct(self) -> float | None:
        return self._rel(self.field.voc_v if self.field is not None else None, self.factory_voc_v)

    @property
    def isc_delta_pct(self) -> float | None:
        return self._rel(self.field.isc_a if self.field is not None else None, self.factory_isc_a)

    @property
    def ff_delta_pts(self) -> float | None:
        if self.field is None or self.field.ff_pct is None or self.factory_ff_pct is None:
            return None
        return self.field.ff_pct - self.factory_ff_pct

    @property
    def confirmed_loss_pct(self) -> float | None:
        """Pmax loss beyond the field measurement's stated uncertainty (0 when within)."""
        if self.field is None or self.field.pmax_w is None or not self.factory_pmax_w:
            return None
        raised = self.field.pmax_w * (1 + self.field.uncertainty_pct / 100.0)
        return max(0.0, 100.0 * (1 - raised / self.factory_pmax_w))

    @property
    def el_worse(self) -> bool | None:
        if self.field is None or not self.field.el_grade or not self.factory_el_grade:
            return None
        if self.factory_el_grade not in EL_ORDER:
            return None
        return EL_ORDER.index(self.field.el_grade) > EL_ORDER.index(self.factory_el_grade)

    @property
    def new_defects(self) -> list[str]:
        if self.field is None:
            return []
        return [c for c in self.field.defect_codes if c not in self.factory_el_defects]

    @property
    def verdict(self) -> str:
        loss = self.confirmed_loss_pct
        parts = []
        if loss is not None:
            parts.append(
                _("Pmax loss %(loss).1f %% beyond uncertainty") % {"loss": loss}
                if loss > 0
                else _("Pmax within measurement uncertainty")
            )
            if not self.field.stc_corrected:  # type: ignore[union-attr]
                parts.append(_("not corrected to STC: indicative"))
        if self.el_worse:
            parts.append(
                _("EL %(factory)s → %(field)s")
                % {"factory": self.factory_el_grade, "field": self.field.el_grade}  # type: ignore[union-attr]
            )
        if self.new_defects:
            parts.append(_("new EL defects %(codes)s") % {"codes": ", ".join(self.new_defects)})
        return "; ".join(parts)


def compare(complaint: Complaint, *, measured_only: bool = False) -> list[Comparison]:
    """One row per complaint serial: the factory flash test and EL2 result of the serial
    next to its field measurement (if any), with the deltas."""
    items = list(complaint.items.select_related("field").order_by("serial"))
    serials = [i.serial for i in items]
    flash: dict[str, tuple[float, float, float, float]] = {}
    for s, p, v, i, ff in (
        FlashTest.objects.filter(serial__in=serials)
        .order_by("serial", "tested_at", "pk")
        .values_list("serial", "pmax_w", "voc_v", "isc_a", "ff_pct")
    ):
        flash[s] = (p, v, i, ff)  # the latest wins
    el: dict[str, tuple[str, list[str]]] = {}
    for s, grade, defects in (
        ElResult.objects.filter(serial__in=serials, stage=ElStage.EL2)
        .order_by("serial", "tested_at", "pk")
        .values_list("serial", "grade", "defects")
    ):
        codes = sorted({str(d.get("code", "")).upper() for d in defects or () if d.get("code")})
        el[s] = (grade, codes)
    rows = []
    for item in items:
        field = getattr(item, "field", None)
        if measured_only and field is None:
            continue
        f: tuple[float | None, float | None, float | None, float | None] = flash.get(
            item.serial, (None, None, None, None)
        )
        grade, codes = el.get(item.serial, ("", []))
        rows.append(Comparison(item.serial, item.symptom, *f, grade, codes, field))
    return rows


def as_row(c: Comparison) -> dict[str, Any]:
    f = c.field

    def r(x: float | None, n: int = 2) -> float | None:
        return None if x is None else round(x, n)

    return {
        "serial": c.serial,
        "symptom": c.symptom,
        "factory_pmax_w": r(c.factory_pmax_w),
        "field_pmax_w": r(f.pmax_w) if f else None,
        "pmax_delta_pct": r(c.pmax_delta_pct),
        "uncertainty_pct": f.uncertainty_pct if f else None,
        "confirmed_loss_pct": r(c.confirmed_loss_pct),
        "factory_voc_v": r(c.factory_voc_v),
        "field_voc_v": r(f.voc_v) if f else None,
        "voc_delta_pct": r(c.voc_delta_pct),
        "factory_isc_a": r(c.factory_isc_a, 3),
        "field_isc_a": r(f.isc_a, 3) if f else None,
        "isc_delta_pct": r(c.isc_delta_pct),
        "factory_ff_pct": r(c.factory_ff_pct),
        "field_ff_pct": r(f.ff_pct) if f else None,
        "ff_delta_pts": r(c.ff_delta_pts),
        "stc_corrected": f.stc_corrected if f else None,
        "factory_el_grade": c.factory_el_grade,
        "field_el_grade": f.el_grade if f else "",
        "new_el_defects": ", ".join(c.new_defects),
        "verdict": c.verdict,
    }


def columns() -> list[tuple[str, str]]:
    return [
        ("serial", _("Serial number")),
        ("symptom", _("Symptom")),
        ("factory_pmax_w", _("Factory Pmax (W)")),
        ("field_pmax_w", _("Field Pmax (W)")),
        ("pmax_delta_pct", _("ΔPmax (%)")),
        ("uncertainty_pct", _("Uncertainty (%)")),
        ("confirmed_loss_pct", _("Loss beyond uncertainty (%)")),
        ("factory_voc_v", _("Factory Voc (V)")),
        ("field_voc_v", _("Field Voc (V)")),
        ("voc_delta_pct", _("ΔVoc (%)")),
        ("factory_isc_a", _("Factory Isc (A)")),
        ("field_isc_a", _("Field Isc (A)")),
        ("isc_delta_pct", _("ΔIsc (%)")),
        ("factory_ff_pct", _("Factory FF (%)")),
        ("field_ff_pct", _("Field FF (%)")),
        ("ff_delta_pts", _("ΔFF (points)")),
        ("stc_corrected", _("STC-corrected")),
        ("factory_el_grade", _("Factory EL grade")),
        ("field_el_grade", _("Field EL grade")),
        ("new_el_defects", _("New EL defects")),
        ("verdict", _("Verdict")),
    ]

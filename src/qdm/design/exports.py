"""The FMEA worksheet as XLSX in the AIAG-VDA form layout: a header block (planning, step 1),
then one row per failure chain under the step groups Structure analysis (2), Function
analysis (3), Failure analysis (4), Risk analysis (5) and Optimisation (6). Labels follow
the requested language (``en`` or ``zh-hans``); the data stays as entered."""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from qdm.design.choices import AP_RANK
from qdm.design.models import Fmea, FmeaItem

LANGUAGES = ("en", "zh-hans")
GROUP_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
AP_FILLS = {"H": "F4B6B6", "M": "FFE699", "L": "C6EFCE"}


def columns() -> list[tuple[str, list[tuple[str, Any]]]]:
    """(step group, [(column header, value getter)]) in the AIAG-VDA order."""

    def get(name: str) -> Any:
        return lambda item: getattr(item, name)

    def display(name: str) -> Any:
        return lambda item: getattr(item, f"get_{name}_display")() if getattr(item, name) else ""

    return [
        (
            _("Structure analysis (step 2)"),
            [
                (_("Next higher level"), get("higher_level")),
                (_("Focus element"), get("focus_element")),
                (_("Next lower level"), get("lower_level")),
                (_("4M type"), display("four_m")),
            ],
        ),
        (
            _("Function analysis (step 3)"),
            [
                (_("Next higher level function"), get("higher_function")),
                (_("Focus element function and requirement"), get("focus_function")),
                (_("Next lower level function or characteristic"), get("lower_function")),
            ],
        ),
        (
            _("Failure analysis (step 4)"),
            [
                (_("Failure effect (FE)"), get("failure_effect")),
                (_("Severity (S)"), get("severity")),
                (_("Failure mode (FM)"), get("failure_mode")),
                (_("Failure cause (FC)"), get("failure_cause")),
            ],
        ),
        (
            _("Risk analysis (step 5)"),
            [
                (_("Current prevention controls (PC)"), get("prevention_controls")),
                (_("Occurrence (O)"), get("occurrence")),
                (_("Current detection controls (DC)"), get("detection_controls")),
                (_("Detection (D)"), get("detection")),
                (_("Action priority (AP)"), get("action_priority")),
                (_("RPN"), get("rpn")),
                (_("Special characteristic"), get("special_class")),
            ],
        ),
        (
            _("Optimisation (step 6)"),
            [
                (_("Preventive action"), get("preventive_action")),
                (_("Detection action"), get("detection_action")),
                (_("Responsible"), lambda i: str(i.action_owner or "")),
                (_("Target completion date"), get("action_due")),
                (_("Action status"), display("action_status")),
                (_("Action taken and evidence"), get("action_taken")),
                (_("Completion date"), get("action_completed")),
                (_("Severity (S)"), get("severity_after")),
                (_("Occurrence (O)"), get("occurrence_after")),
                (_("Detection (D)"), get("detection_after")),
                (_("Action priority (AP)"), get("action_priority_after")),
                (_("Remarks"), get("remarks")),
            ],
        ),
    ]


def sorted_items(fmea: Fmea) -> list[FmeaItem]:
    """Rows by action priority (H, M, L), then severity (high first), then row number."""
    items = fmea.items.select_related("action_owner", "characteristic")
    return sorted(items, key=lambda i: (AP_RANK[i.action_priority], -i.severity, i.position))


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def fmea_workbook(fmea: Fmea, language: str = "en") -> bytes:
    """The worksheet of ``fmea`` as XLSX bytes, labelled in ``language``."""
    with translation.override(language):
        wb = Workbook()
        ws = wb.active
        ws.title = _("FMEA")
        header = [
            (_("FMEA number"), f"{fmea.number}"),
            (_("Revision"), fmea.revision),
            (_("Kind"), fmea.get_kind_display()),
            (_("Title"), fmea.title),
            (_("Site"), str(fmea.site) if fmea.site else _("Group-wide")),
            (_("Product"), str(fmea.product or "")),
            (_("Scope"), fmea.planning_scope),
            (_("Team"), fmea.team),
            (_("Start date"), fmea.start_date),
            (_("Target completion date"), fmea.due_date),
            (_("Status"), fmea.get_status_display()),
        ]
        ws.cell(1, 1, _("Failure mode and effects analysis (AIAG-VDA)")).font = Font(
            size=14, bold=True
        )
        for row, (label, value) in enumerate(header, start=2):
            ws.cell(row, 1, label).font = Font(bold=True)
            ws.cell(row, 2, _text(value))
        group_row = len(header) + 3
        column = 1
        getters: list[Any] = []
        ap_columns: set[int] = set()
        for group, cols in columns():
            cell = ws.cell(group_row, column, group)
            cell.font = Font(bold=True, color="FFFFFF")
            for offset in range(len(cols)):
                ws.cell(group_row, column + offset).fill = GROUP_FILL
            ws.merge_cells(
                start_row=group_row,
                start_column=column,
                end_row=group_row,
                end_column=column + len(cols) - 1,
            )
            for title, getter in cols:
                head = ws.cell(group_row + 1, column, title)
                head.font = Font(bold=True)
                head.fill = HEADER_FILL
                head.alignment = Alignment(wrap_text=True, vertical="top")
                getters.append(getter)
                if title == _("Action priority (AP)"):
                    ap_columns.add(column)
                column += 1
        for row, item in enumerate(sorted_items(fmea), start=group_row + 2):
            for col, getter in enumerate(getters, start=1):
                cell = ws.cell(row, col, _text(getter(item)))
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if col in ap_columns and cell.value in AP_FILLS:
                    cell.fill = PatternFill("solid", fgColor=AP_FILLS[cell.value])
        ws.freeze_panes = ws.cell(group_row + 2, 1)
        for col in range(1, column):
            ws.column_dimensions[ws.cell(group_row + 1, col).column_letter].width = 22
        buffer = io.BytesIO()
        wb.save(buffer)
    return buffer.getvalue()

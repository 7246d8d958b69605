"""The monthly quality report as an XLSX workbook: one sheet per section, figures as numbers
(not text) so they can be charted and summed."""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from qdm.cockpit.reports import ReportData

HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
    for row in rows:
        ws.append(row)
    for i, _h in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = 18 if i > 1 else 40


def report_xlsx(data: ReportData) -> bytes:
    wb = Workbook()
    with translation.override(data.language):
        ws = wb.active
        ws.title = _("Summary")[:31]
        ws.append([data.title])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([_("Month"), data.month.strftime("%Y-%m")])
        ws.append([_("Scope"), data.scope_label])
        ws.append([_("Generated"), data.generated_at.strftime("%Y-%m-%d %H:%M")])
        ws.append([_("Currency"), data.currency])
        if data.copq_note:
            ws.append([_("Note"), data.copq_note])
        ws.column_dimensions["A"].width = 30
        ws.column_dimensions["B"].width = 40
        _sheet(
            wb,
            _("KPIs"),
            [_("KPI"), _("Code"), _("Unit"), _("This month"), _("Previous month")],
            [[k["name"], k["code"], k["unit"], k["value"], k["previous"]] for k in data.kpis],
        )
        _sheet(
            wb,
            _("Goals"),
            [
                _("Goal"),
                _("Title"),
                _("Direction"),
                _("Target"),
                _("Actual"),
                _("Status"),
                _("Forecast to year end"),
            ],
            [
                [
                    g["code"],
                    g["title"],
                    g["direction"],
                    g["target"],
                    g["actual"],
                    g["status_label"],
                    g["forecast"],
                ]
                for g in data.goals
            ],
        )
        _sheet(
            wb,
            _("COPQ"),
            [_("Class"), _("Code"), _("This month"), _("Previous month"), _("Year to date")],
            [[c["label"], c["class"], c["month"], c["previous"], c["ytd"]] for c in data.copq],
        )
        _sheet(
            wb,
            _("Complaints"),
            [_("Number"), _("Site"), _("Title"), _("Severity"), _("Status"), _("Received on")],
            [
                [c["number"], c["site"], c["title"], c["severity"], c["status"], c["received_on"]]
                for c in data.complaints
            ],
        )
        _sheet(
            wb,
            _("Nonconformities"),
            [
                _("Number"),
                _("Site"),
                _("Title"),
                _("Severity"),
                _("Quantity"),
                _("Status"),
                _("Raised on"),
            ],
            [
                [
                    n["number"],
                    n["site"],
                    n["title"],
                    n["severity"],
                    n["quantity"],
                    n["status"],
                    n["raised_on"],
                ]
                for n in data.nonconformities
            ],
        )
        _sheet(
            wb,
            _("Alerts"),
            [_("Kind"), _("Site"), _("Alert"), _("Due")],
            [[a["kind"], a["site"], a["title"], a["due"]] for a in data.alerts],
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

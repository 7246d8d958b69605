"""Workbooks of the integrated management system: the processes × systems matrix (with a
gaps sheet) and the internal audit report (summary, checklist, findings)."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from qdm.system.services.audits import AuditReport
from qdm.system.services.ims import Coverage
from qdm.utilities.xlsx import _cell

BOLD = Font(bold=True)
GAP = PatternFill("solid", fgColor="F8D7DA")


def _sheet(workbook: Workbook, title: str, header: list[Any], rows: list[list[Any]]) -> Any:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_cell(str(h)) for h in header])
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append([_cell(v) for v in row])
    return sheet


def _bytes(workbook: Workbook) -> bytes:
    if "Sheet" in workbook.sheetnames and len(workbook.sheetnames) > 1:
        del workbook["Sheet"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def matrix_workbook(matrix: Coverage) -> bytes:
    """Sheet 1: one row per process, one column per system (clauses covered), a total row
    of clauses covered and of gaps; sheet 2: every gap clause."""
    workbook = Workbook()
    header = [_("Process"), _("Process owner"), *[s.standard for s in matrix.systems]]
    rows: list[list[Any]] = []
    for process, counts in matrix.rows():
        owner = process.owner.get_full_name() or process.owner.username
        rows.append([str(process), owner, *counts])
    rows.append([_("Clauses covered"), "", *[matrix.covered(s) for s in matrix.systems]])
    rows.append(
        [_("Clauses in the standard"), "", *[len(matrix.clauses[s.pk]) for s in matrix.systems]]
    )
    rows.append([_("Gaps"), "", *[len(matrix.gaps[s.pk]) for s in matrix.systems]])
    sheet = _sheet(workbook, _("Matrix"), header, rows)
    for index, _process_counts in enumerate(matrix.rows(), start=2):
        for column in range(3, 3 + len(matrix.systems)):
            cell = sheet.cell(row=index, column=column)
            if not cell.value:
                cell.fill = GAP
    gaps = [
        [system.standard, clause.number, clause.title]
        for system in matrix.systems
        for clause in matrix.gaps[system.pk]
    ]
    _sheet(workbook, _("Gaps"), [_("Management system"), _("Clause"), _("Short title")], gaps)
    return _bytes(workbook)


def audit_workbook(report: AuditReport) -> bytes:
    audit = report.audit
    workbook = Workbook()
    team = ", ".join(u.get_full_name() or u.username for u in audit.team())
    summary: list[list[Any]] = [
        [_("Number"), audit.number],
        [_("Title"), audit.title],
        [_("Site"), str(audit.site)],
        [_("Management system"), audit.programme.system.standard],
        [_("Status"), audit.get_status_display()],
        [_("Planned"), f"{audit.planned_start} – {audit.planned_end}"],
        [_("Audit team"), team],
        [_("Processes audited"), ", ".join(p.code for p in audit.processes.all())],
        [_("Summary and conclusion"), audit.summary],
        *[[label, report.results[key]] for key, label in _result_labels()],
    ]
    _sheet(workbook, _("Summary"), [_("Item"), _("Value")], summary)
    _sheet(
        workbook,
        _("Checklist"),
        [_("Process"), _("Clause"), _("Question"), _("Evidence seen"), _("Result")],
        [
            [
                i.process.code,
                f"{i.clause.number} {i.clause.title}",
                i.question,
                i.evidence,
                i.get_result_display(),
            ]
            for i in report.items
        ],
    )
    _sheet(
        workbook,
        _("Findings"),
        [
            _("Reference"),
            _("Kind"),
            _("Process"),
            _("Clause"),
            _("Finding"),
            _("Objective evidence"),
            _("Nonconformity"),
            _("CAPA / 8D"),
        ],
        [
            [
                f.reference,
                f.get_kind_display(),
                f.process.code if f.process is not None else "",
                f.clause.number if f.clause is not None else "",
                f.statement,
                f.evidence,
                f.nonconformity.number if f.nonconformity is not None else "",
                f.capa.number if f.capa is not None else "",
            ]
            for f in report.findings
        ],
    )
    return _bytes(workbook)


def _result_labels() -> list[tuple[str, str]]:
    from qdm.system.choices import ChecklistResult

    return [*((c.value, str(c.label)) for c in ChecklistResult), ("", _("No result yet"))]

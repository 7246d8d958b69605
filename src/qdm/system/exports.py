"""The 8D report as an XLSX workbook in the layout customers expect: a header block
(number, kind, customer or supplier, site, title, champion, dates, status, linked NCs),
then D0 … D8 in order, each a titled section. Labels follow the requested language
(``en`` or ``zh-hans``); the data stays as entered.

No PDF: no pure-Python PDF library is installed, and customers' portals accept XLSX.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from qdm.system.choices import Discipline
from qdm.system.models import EightD

WIDTHS = {"A": 24, "B": 34, "C": 20, "D": 20, "E": 20, "F": 20, "G": 20}
SECTION_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LAST_COLUMN = 7


def _fmt(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.username
    return str(value)


class Sheet:
    """Writes rows top-down and remembers where each section starts."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 1
        self.sections: dict[str, int] = {}

    def title(self, text: str) -> None:
        self.ws.cell(self.row, 1, text).font = Font(size=16, bold=True)
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=4)
        self.row += 2

    def pair(self, label: str, value: Any, label2: str = "", value2: Any = None) -> None:
        cells = [(1, label, True), (2, _fmt(value), False)]
        if label2:
            cells += [(3, label2, True), (4, _fmt(value2), False)]
        for column, text, bold in cells:
            cell = self.ws.cell(self.row, column, text)
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if bold:
                cell.font = Font(bold=True)
                cell.fill = HEADER_FILL
        self.row += 1

    def section(self, key: str, text: str) -> None:
        self.row += 1
        self.sections[key] = self.row
        cell = self.ws.cell(self.row, 1, text)
        cell.font = Font(bold=True, color="FFFFFF")
        for column in range(1, LAST_COLUMN + 1):
            self.ws.cell(self.row, column).fill = SECTION_FILL
        self.row += 1

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        for column, text in enumerate(header, start=1):
            cell = self.ws.cell(self.row, column, text)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.border = BOX
        self.row += 1
        if not rows:
            self.ws.cell(self.row, 1, "—")
            self.row += 1
        for values in rows:
            for column, value in enumerate(values, start=1):
                cell = self.ws.cell(self.row, column, _fmt(value))
                cell.border = BOX
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            self.row += 1

    def text(self, value: str) -> None:
        cell = self.ws.cell(self.row, 1, value or "—")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.ws.merge_cells(
            start_row=self.row, start_column=1, end_row=self.row, end_column=LAST_COLUMN
        )
        self.row += 1


def _label(capa: EightD, name: str) -> str:
    return str(capa._meta.get_field(name).verbose_name).capitalize()


def _actions(capa: EightD, discipline: str) -> list[Any]:
    return list(capa.actions.filter(discipline=discipline).select_related("owner", "target_site"))


def write_report(capa: EightD, sheet: Sheet) -> None:
    label = lambda name: _label(capa, name)  # noqa: E731
    partner = capa.customer or capa.supplier
    sheet.title(_("8D report"))
    sheet.pair(label("number"), capa.number, label("kind"), capa.get_kind_display())
    sheet.pair(
        _("Customer") if capa.customer_id else _("Supplier"), partner, label("site"), capa.site
    )
    sheet.pair(label("title"), capa.title, label("status"), capa.get_status_display())
    sheet.pair(label("champion"), capa.champion, label("due_date"), capa.due_date)
    sheet.pair(label("opened_at"), capa.opened_at, label("closed_at"), capa.closed_at)
    sheet.pair(
        _("Nonconformities"), ", ".join(capa.nonconformities.values_list("number", flat=True))
    )

    sheet.section("D0", _("D0 Symptom and emergency response"))
    sheet.text(capa.symptom)

    sheet.section("D1", _("D1 Team"))
    rows = [[capa.champion, _("Champion"), ""]]
    rows += [[m.user, m.get_role_display(), m.department] for m in capa.team.select_related("user")]
    sheet.table([_("Name"), _("Role"), _("Department")], rows)

    sheet.section("D2", _("D2 Problem description"))
    for name in (
        "problem_what",
        "problem_where",
        "problem_when",
        "problem_who",
        "problem_why",
        "problem_how",
        "problem_how_many",
    ):
        sheet.pair(label(name), getattr(capa, name))
    sheet.table(
        [_("Dimension"), _("Is"), _("Is not")],
        [
            [_("What"), capa.is_what, capa.is_not_what],
            [_("Where"), capa.is_where, capa.is_not_where],
            [_("When"), capa.is_when, capa.is_not_when],
            [_("Extent"), capa.is_extent, capa.is_not_extent],
        ],
    )

    action_header = [_("Action"), _("Owner"), _("Due date"), _("Status"), _("Completed")]

    def action_rows(discipline: str) -> list[list[Any]]:
        return [
            [a.description, a.owner, a.due_date, a.get_status_display(), a.completed_at]
            for a in _actions(capa, discipline)
        ]

    sheet.section("D3", _("D3 Containment actions"))
    sheet.table(action_header, action_rows(Discipline.CONTAINMENT))

    sheet.section("D4", _("D4 Root causes (5 Why, 6M)"))
    sheet.table(
        [
            _("Type"),
            _("6M category"),
            _("Root cause"),
            _("Why 1"),
            _("Why 2"),
            _("Why 3"),
            _("Why 4 / 5"),
        ],
        [
            [
                c.get_cause_type_display(),
                c.get_category_display(),
                c.statement,
                c.why_1,
                c.why_2,
                c.why_3,
                " / ".join(w for w in (c.why_4, c.why_5) if w),
            ]
            for c in capa.root_causes.all()
        ],
    )

    sheet.section("D5", _("D5 Permanent corrective actions"))
    sheet.table(action_header, action_rows(Discipline.CORRECTIVE))

    sheet.section("D6", _("D6 Implementation and verification of effectiveness"))
    sheet.table(
        [_("Verification method"), _("Result"), _("Effective"), _("Verified by"), _("Date")],
        [
            [v.method, v.result, _("Yes") if v.effective else _("No"), v.verified_by, v.verified_on]
            for v in capa.verifications.select_related("verified_by")
        ],
    )

    sheet.section("D7", _("D7 Prevention of recurrence"))
    sheet.table(
        [
            _("Update"),
            _("Reference"),
            _("Other site"),
            _("Action"),
            _("Owner"),
            _("Due date"),
            _("Status"),
        ],
        [
            [
                a.get_prevention_target_display(),
                a.reference,
                a.target_site,
                a.description,
                a.owner,
                a.due_date,
                a.get_status_display(),
            ]
            for a in _actions(capa, Discipline.PREVENTIVE)
        ],
    )

    sheet.section("D8", _("D8 Closure and team recognition"))
    sheet.text(capa.closure_summary)


def eightd_workbook(capa: EightD, language: str = "en") -> tuple[bytes, dict[str, int]]:
    """The 8D report as XLSX bytes, and the row where each section (D0…D8) starts."""
    with translation.override(language):
        workbook = Workbook()
        ws = workbook.active
        ws.title = "8D"
        for column, width in WIDTHS.items():
            ws.column_dimensions[column].width = width
        sheet = Sheet(ws)
        write_report(capa, sheet)
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue(), sheet.sections

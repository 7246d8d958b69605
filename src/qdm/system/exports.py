"""The 8D report: its content, built once, and its XLSX rendering.

``eightd_report(capa)`` builds the content in the active language — a header block
(number, kind, customer or supplier, site, title, status, part/product, linked NCs,
champion, dates) and the sections D0 … D8, each a list of blocks (label/value pairs,
tables, free text) holding plain strings. ``eightd_workbook`` renders it as XLSX;
``qdm.system.exports_pdf.eightd_pdf`` renders the same content as PDF, so both formats
always say the same thing and the content can be tested without parsing either file.
Labels follow the requested language (``en`` or ``zh-hans``); the data stays as entered.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from qdm.core.models import ElectronicSignature
from qdm.core.signatures import signatures_for
from qdm.core.views.generic import site_timezone
from qdm.system.choices import CauseType, Discipline, SixM
from qdm.system.models import EightD, Verification

#: the languages the report is written in
LANGUAGES = ("en", "zh-hans")

# --- Content --------------------------------------------------------------------------


def fmt(value: Any) -> str:
    """A cell value as text: dates ISO, times in the active timezone, people by name."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.username
    return str(value)


@dataclass
class Pairs:
    """Rows of up to two label/value pairs."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, label: str, value: Any, label2: str = "", value2: Any = None) -> None:
        self.rows.append((label, fmt(value), label2, fmt(value2) if label2 else ""))


@dataclass
class Table:
    """A table with a header; ``widths`` are relative column widths (for the PDF)."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None


@dataclass
class Text:
    """A free-text paragraph (``—`` when empty), or a sub-heading."""

    value: str
    heading: bool = False


Block = Pairs | Table | Text


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]


@dataclass
class Report:
    title: str
    number: str
    header: Pairs
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def _field(model: Any, name: str) -> str:
    """A model field's (translated) verbose name as a label."""
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _label(name: str) -> str:
    return _field(EightD, name)


def _table(header: list[str], rows: list[list[Any]], widths: list[float] | None = None) -> Table:
    return Table(header, [[fmt(v) for v in row] for row in rows], widths)


def _actions(capa: EightD, discipline: str) -> list[Any]:
    return list(
        capa.actions.filter(discipline=discipline).select_related(
            "owner", "target_site", "root_cause"
        )
    )


def _action_table(capa: EightD, discipline: str, done_label: str) -> Table:
    rows = [
        [a.description, a.owner, a.due_date, a.get_status_display(), a.completed_at]
        for a in _actions(capa, discipline)
    ]
    header = [_("Action"), _("Owner"), _("Due date"), _("Status"), done_label]
    return _table(header, rows, [5, 2, 1.4, 1.2, 1.8])


def _header(capa: EightD) -> Pairs:
    partner = capa.customer or capa.supplier
    ncs = list(capa.nonconformities.order_by("number"))
    products = sorted({nc.item for nc in ncs if nc.item})
    pairs = Pairs()
    pairs.add(_label("number"), capa.number, _label("kind"), capa.get_kind_display())
    partner_label = (
        _("Customer")
        if capa.customer_id
        else _("Supplier")
        if capa.supplier_id
        else _("Customer / supplier")
    )
    pairs.add(partner_label, partner or "—", _label("site"), capa.site)
    pairs.add(_label("title"), capa.title, _label("status"), capa.get_status_display())
    pairs.add(
        _("Part / product"),
        ", ".join(products),
        _("Nonconformities"),
        ", ".join(nc.number for nc in ncs),
    )
    pairs.add(_label("champion"), capa.champion, _label("due_date"), capa.due_date)
    pairs.add(_label("opened_at"), capa.opened_at, _label("closed_at"), capa.closed_at)
    return pairs


def _d2(capa: EightD) -> list[Block]:
    five_w_two_h = Pairs()
    for label, name in (
        (_("What (object, defect)"), "problem_what"),
        (_("Where"), "problem_where"),
        (_("When"), "problem_when"),
        (_("Who (people involved)"), "problem_who"),
        (_("Why it is a problem"), "problem_why"),
        (_("How it was detected"), "problem_how"),
        (_("How many"), "problem_how_many"),
    ):
        five_w_two_h.add(label, getattr(capa, name))
    is_is_not = _table(
        [_("Dimension"), _("Is"), _("Is not")],
        [
            [_("What (object, defect)"), capa.is_what, capa.is_not_what],
            [_("Where"), capa.is_where, capa.is_not_where],
            [_("When"), capa.is_when, capa.is_not_when],
            [_("Extent"), capa.is_extent, capa.is_not_extent],
        ],
        [1.6, 3, 3],
    )
    return [five_w_two_h, is_is_not]


def _d4(capa: EightD) -> list[Block]:
    # occurrence (why it happened) before escape (why it was not detected)
    causes = sorted(
        capa.root_causes.all(), key=lambda c: (c.cause_type != CauseType.OCCURRENCE, c.pk)
    )
    chains = _table(
        [_("Type"), _("6M category"), _("Root cause"), _("5-Why chain"), _("Verified")],
        [
            [
                c.get_cause_type_display(),
                c.get_category_display(),
                c.statement,
                "\n".join(f"{n}. {why}" for n, why in enumerate(c.whys, start=1)),
                c.verified,
            ]
            for c in causes
        ],
        [1.6, 1.4, 3, 3.6, 1],
    )

    # the Ishikawa diagram as a table: every 6M bone, its occurrence and escape causes
    def bone(category: str, cause_type: str) -> str:
        found = [
            c.statement for c in causes if (c.category, c.cause_type) == (category, cause_type)
        ]
        return "\n".join(found) or "—"

    fishbone = _table(
        [_("6M category"), str(CauseType.OCCURRENCE.label), str(CauseType.ESCAPE.label)],
        [
            [label, bone(m, CauseType.OCCURRENCE), bone(m, CauseType.ESCAPE)]
            for m, label in SixM.choices
        ],
        [1.4, 3.5, 3.5],
    )
    return [chains, Text(_("Ishikawa (6M) summary"), heading=True), fishbone]


def _d5(capa: EightD) -> list[Block]:
    rows = [
        [
            a.description,
            a.root_cause.statement if a.root_cause else "",
            a.owner,
            a.due_date,
            a.get_status_display(),
            a.completed_at,
        ]
        for a in _actions(capa, Discipline.CORRECTIVE)
    ]
    header = [
        _("Action"),
        _("Root cause addressed"),
        _("Owner"),
        _("Due date"),
        _("Status"),
        _("Implemented"),
    ]
    return [_table(header, rows, [3.4, 2.6, 1.8, 1.3, 1.1, 1.6])]


def _d8(capa: EightD) -> list[Block]:
    blocks: list[Block] = [Text(capa.closure_summary)]
    closing = signatures_for(capa).filter(action="close").order_by("-signed_at").first()
    signed = Pairs()
    if closing is None:
        signed.add(_("Closure signed by"), _("not signed yet"))
    else:
        signed.add(
            _("Closure signed by"),
            closing.signer_name,
            _field(ElectronicSignature, "signed_at"),
            closing.signed_at,
        )
        signed.add(
            _field(ElectronicSignature, "meaning"),
            closing.get_meaning_display(),
            _field(ElectronicSignature, "reason"),
            closing.reason,
        )
    blocks.append(signed)
    return blocks


def _build(capa: EightD) -> Report:
    team = [[capa.champion, _("Champion"), ""]]
    team += [[m.user, m.get_role_display(), m.department] for m in capa.team.select_related("user")]
    sections = [
        Section("D0", _("D0 Symptom and emergency response"), [Text(capa.symptom)]),
        Section(
            "D1",
            _("D1 Team"),
            [_table([_("Name"), _("Role"), _("Department")], team, [3, 2, 3])],
        ),
        Section("D2", _("D2 Problem description"), _d2(capa)),
        Section(
            "D3",
            _("D3 Containment actions"),
            [_action_table(capa, Discipline.CONTAINMENT, _("Completed"))],
        ),
        Section("D4", _("D4 Root causes (5 Why, 6M)"), _d4(capa)),
        Section("D5", _("D5 Permanent corrective actions"), _d5(capa)),
        Section(
            "D6",
            _("D6 Implementation and verification of effectiveness"),
            [
                _table(
                    [
                        _("Verification method"),
                        _("Result"),
                        _field(Verification, "effective"),
                        _("Verified by"),
                        _("Date"),
                    ],
                    [
                        [v.method, v.result, v.effective, v.verified_by, v.verified_on]
                        for v in capa.verifications.select_related("verified_by")
                    ],
                    [3, 3, 1, 1.8, 1.3],
                )
            ],
        ),
        Section(
            "D7",
            _("D7 Prevention of recurrence"),
            [
                _table(
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
                    [1.5, 1.6, 1.3, 3, 1.6, 1.3, 1.1],
                )
            ],
        ),
        Section("D8", _("D8 Closure and team recognition"), _d8(capa)),
    ]
    return Report(_("8D report"), capa.number, _header(capa), sections)


def report_timezone(capa: EightD) -> str:
    """Times in the report are those of the CAPA's site."""
    return site_timezone(capa) or timezone.get_current_timezone_name()


def eightd_report(capa: EightD, language: str | None = None) -> Report:
    """The report's content in ``language`` (default: the active one), times in the
    CAPA site's timezone."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown report language {language!r}")
    tz = report_timezone(capa)
    with translation.override(language or translation.get_language()), timezone.override(tz):
        return _build(capa)


# --- XLSX -----------------------------------------------------------------------------

WIDTHS = {"A": 24, "B": 34, "C": 20, "D": 20, "E": 20, "F": 20, "G": 20}
SECTION_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LAST_COLUMN = 7


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

    def pairs(self, block: Pairs) -> None:
        for label, value, label2, value2 in block.rows:
            cells = [(1, label, True), (2, value, False)]
            if label2:
                cells += [(3, label2, True), (4, value2, False)]
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

    def table(self, block: Table) -> None:
        for column, text in enumerate(block.header, start=1):
            cell = self.ws.cell(self.row, column, text)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.border = BOX
        self.row += 1
        if not block.rows:
            self.ws.cell(self.row, 1, "—")
            self.row += 1
        for values in block.rows:
            for column, value in enumerate(values, start=1):
                cell = self.ws.cell(self.row, column, value)
                cell.border = BOX
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            self.row += 1

    def text(self, block: Text) -> None:
        cell = self.ws.cell(self.row, 1, block.value or "—")
        if block.heading:
            cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.ws.merge_cells(
            start_row=self.row, start_column=1, end_row=self.row, end_column=LAST_COLUMN
        )
        self.row += 1

    def block(self, block: Block) -> None:
        if isinstance(block, Pairs):
            self.pairs(block)
        elif isinstance(block, Table):
            self.table(block)
        else:
            self.text(block)


def write_report(report: Report, sheet: Sheet) -> None:
    sheet.title(report.title)
    sheet.pairs(report.header)
    for section in report.sections:
        sheet.section(section.key, section.title)
        for block in section.blocks:
            sheet.block(block)


def eightd_workbook(capa: EightD, language: str = "en") -> tuple[bytes, dict[str, int]]:
    """The 8D report as XLSX bytes, and the row where each section (D0…D8) starts."""
    report = eightd_report(capa, language)
    workbook = Workbook()
    ws = workbook.active
    ws.title = "8D"
    for column, width in WIDTHS.items():
        ws.column_dimensions[column].width = width
    sheet = Sheet(ws)
    write_report(report, sheet)
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), sheet.sections

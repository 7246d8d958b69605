"""The 8D report as PDF (A4 portrait), rendered with reportlab from the same content as
the XLSX (``qdm.system.exports.eightd_report``).

Fonts: Helvetica for every run of characters it can show (WinAnsi), the Adobe CID font
STSong-Light (built into reportlab, standard in PDF readers: no font file is shipped or
embedded) for the runs it cannot — so Chinese entered by users renders in the English
report too, and Latin words in the Chinese report keep their Latin face. A reader without
any CJK font (pdfium on a bare server) shows the Chinese runs blank. Every page carries
the 8D number, the generation time and "page n of m".
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus import (
    Table as PdfTable,
)
from reportlab.platypus import (
    TableStyle as PdfTableStyle,
)

from qdm.system.exports import (
    Block,
    Pairs,
    Report,
    Table,
    Text,
    eightd_report,
    report_timezone,
)
from qdm.system.models import EightD

CJK = "STSong-Light"
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
SECTION_BLUE = colors.HexColor("#1F4E79")
HEADER_BLUE = colors.HexColor("#DDEBF7")
GRID = colors.HexColor("#999999")
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN


def _register_fonts() -> None:
    if CJK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def needs_cjk(text: str) -> bool:
    """True when Helvetica (WinAnsi, i.e. cp1252) cannot show ``text``."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return True
    return False


def _style(size: float, *, bold: bool = False, color: Any = colors.black) -> ParagraphStyle:
    return ParagraphStyle(
        f"qdm-{size}-{bold}",
        fontName=LATIN_BOLD if bold else LATIN,
        fontSize=size,
        leading=size * 1.3,
        textColor=color,
        alignment=TA_LEFT,
        wordWrap="CJK",  # break CJK text anywhere; Latin text still breaks at spaces
    )


BODY = _style(8.5)
BOLD = _style(8.5, bold=True)
SECTION = _style(10.5, bold=True, color=colors.white)
TITLE = _style(16, bold=True)


def _markup(text: str) -> str:
    """Escaped paragraph markup; runs of characters Helvetica cannot show are set in the
    CJK font, so Latin words inside Chinese text keep their Latin face."""
    runs = []
    for cjk, chars in groupby(text, key=needs_cjk):
        run = escape("".join(chars)).replace("\n", "<br/>")
        runs.append(f'<font name="{CJK}">{run}</font>' if cjk else run)
    return "".join(runs)


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of user or label text: escaped, line breaks kept, Chinese in the CID
    font (which has no bold face: Chinese headings stay regular weight)."""
    return Paragraph(_markup(text or "") or "&nbsp;", style)


def _grid(data: list[list[Any]], widths: list[float], *, header_row: bool) -> PdfTable:
    # splitInRow: a cell taller than a page (a long description) continues on the next
    table = PdfTable(data, colWidths=widths, repeatRows=1 if header_row else 0, splitInRow=1)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header_row:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_BLUE))
    table.setStyle(PdfTableStyle(commands))
    return table


def _pairs(block: Pairs) -> PdfTable:
    wide = any(label2 for _l, _v, label2, _v2 in block.rows)
    widths = [0.19, 0.31, 0.19, 0.31] if wide else [0.25, 0.75]
    data = []
    for label, value, label2, value2 in block.rows:
        row = [para(label, BOLD), para(value)]
        if wide:
            row += [para(label2, BOLD), para(value2)]
        data.append(row)
    table = _grid(data, [w * WIDTH for w in widths], header_row=False)
    label_columns = [(0, 0), (2, 2)] if wide else [(0, 0)]
    table.setStyle(
        PdfTableStyle(
            [("BACKGROUND", (a, 0), (b, -1), HEADER_BLUE) for a, b in label_columns],
        )
    )
    return table


def _table(block: Table) -> PdfTable:
    weights = block.widths or [1.0] * len(block.header)
    total = sum(weights)
    widths = [WIDTH * w / total for w in weights]
    data = [[para(h, BOLD) for h in block.header]]
    data += [[para(value) for value in row] for row in block.rows]
    if not block.rows:
        data.append([para("—")] + [para("") for _h in block.header[1:]])
    return _grid(data, widths, header_row=True)


def _block(block: Block) -> Flowable:
    if isinstance(block, Pairs):
        return _pairs(block)
    if isinstance(block, Table):
        return _table(block)
    if block.heading:
        return para(block.value, BOLD)
    return para(block.value or "—")


def _section_bar(title: str) -> PdfTable:
    bar = PdfTable([[para(title, SECTION)]], colWidths=[WIDTH])
    bar.setStyle(
        PdfTableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SECTION_BLUE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return bar


def story(report: Report) -> list[Flowable]:
    """The flowables of the report: title, header block, then each section (its bar kept
    with its first block so no title is left alone at the foot of a page)."""
    flowables: list[Flowable] = [para(report.title, TITLE), Spacer(1, 4 * mm)]
    flowables.append(_pairs(report.header))
    for section in report.sections:
        flowables.append(Spacer(1, 4 * mm))
        groups: list[list[Flowable]] = []
        after_heading = False
        for block in section.blocks:
            if after_heading:
                groups[-1].append(_block(block))  # a sub-heading stays with what follows
            else:
                groups.append([_block(block)])
            after_heading = isinstance(block, Text) and block.heading
        first, *rest = groups or [[para("—")]]
        flowables.append(KeepTogether([_section_bar(section.title), Spacer(1, 1.5 * mm), *first]))
        for group in rest:
            flowables += [Spacer(1, 1.5 * mm), KeepTogether(group) if len(group) > 1 else group[0]]
    return flowables


class _NumberedDoc(SimpleDocTemplate):
    """Two passes: the first counts the pages so the footer can say "page n of m"."""

    page_count = 0

    def afterPage(self) -> None:
        self.page_count = max(self.page_count, self.page)


def eightd_pdf(capa: EightD, language: str = "en", *, compress: bool = True) -> bytes:
    """The 8D report of ``capa`` as PDF bytes, labels in ``language`` (en or zh-hans)."""
    _register_fonts()
    report = eightd_report(capa, language)
    with translation.override(language), timezone.override(report_timezone(capa)):
        generated = _("Generated %(time)s") % {
            "time": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
        }
        page_label = _("Page %(page)d of %(pages)d")
    pages = 0
    for _pass in range(2):
        buffer = io.BytesIO()
        doc = _NumberedDoc(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 4 * mm,
            title=f"{report.title} {report.number}",
            author="QDM",
            subject=report.number,
            pageCompression=1 if compress else 0,
        )

        def footer(canvas: Any, doc: Any, total: int = pages) -> None:
            canvas.saveState()
            text = f"{report.number} · {generated} · " + page_label % {
                "page": doc.page,
                "pages": total or doc.page,
            }
            canvas.setFont(CJK if needs_cjk(text) else LATIN, 7.5)
            canvas.setFillColor(colors.HexColor("#555555"))
            canvas.drawString(MARGIN, MARGIN - 2 * mm, text)
            canvas.restoreState()

        doc.build(story(report), onFirstPage=footer, onLaterPages=footer)
        pages = doc.page_count
    return buffer.getvalue()

"""The monthly quality report as PDF (A4 portrait, reportlab).

Fonts as in the 8D report of the system platform: Helvetica for what cp1252 can show, the
Adobe CID font STSong-Light (built into reportlab and PDF readers: nothing is embedded) for
runs of Chinese characters, so the Chinese report and Chinese text entered by users render.
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from qdm.cockpit.reports import ReportData, fmt_value

CJK = "STSong-Light"
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
BLUE = colors.HexColor("#1F4E79")
HEAD = colors.HexColor("#DDEBF7")


def _register() -> None:
    if CJK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def _cjk(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return True
    return False


def _markup(text: str) -> str:
    runs = []
    for cjk, chars in groupby(text, key=_cjk):
        run = escape("".join(chars))
        runs.append(f'<font name="{CJK}">{run}</font>' if cjk else run)
    return "".join(runs)


def _style(size: float, bold: bool = False, color: Any = colors.black) -> ParagraphStyle:
    return ParagraphStyle(
        f"qdm-report-{size}-{bold}",
        fontName="Helvetica-Bold" if bold else "Helvetica",
        fontSize=size,
        leading=size * 1.3,
        textColor=color,
        wordWrap="CJK",
    )


BODY, BOLD, H2, TITLE = _style(8.5), _style(8.5, True), _style(11, True, BLUE), _style(15, True)


def _p(text: Any, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(_markup(str(text if text is not None else "")) or "&nbsp;", style)


def _table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    data = [[_p(h, BOLD) for h in header]] + [[_p(c) for c in row] for row in rows]
    table = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _section(
    story: list[Any], title: str, header: list[str], rows: list[list[Any]], widths: list[float]
) -> None:
    story.append(Spacer(1, 4 * mm))
    story.append(_p(title, H2))
    story.append(Spacer(1, 2 * mm))
    if rows:
        story.append(_table(header, rows, widths))
    else:
        story.append(_p(_("None.")))


def report_pdf(data: ReportData) -> bytes:
    _register()
    buffer = io.BytesIO()
    with translation.override(data.language):
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=data.title,
            author="QDM",
        )
        story: list[Any] = [
            _p(data.title, TITLE),
            Spacer(1, 2 * mm),
            _p(
                _("Month %(month)s · generated %(at)s")
                % {
                    "month": data.month.strftime("%Y-%m"),
                    "at": data.generated_at.strftime("%Y-%m-%d %H:%M"),
                }
            ),
        ]
        _section(
            story,
            _("Key performance indicators"),
            [_("KPI"), _("This month"), _("Previous month")],
            [
                [k["name"], fmt_value(k["value"], k["unit"]), fmt_value(k["previous"], k["unit"])]
                for k in data.kpis
            ],
            [0.5, 0.25, 0.25],
        )
        _section(
            story,
            _("Quality goals"),
            [_("Goal"), _("Target"), _("Actual"), _("Status"), _("Forecast to year end")],
            [
                [
                    f"{g['code']} {g['title']}",
                    f"{g['direction']} {g['target']:g}",
                    fmt_value(g["actual"], " "),
                    g["status_label"],
                    fmt_value(g["forecast"], " "),
                ]
                for g in data.goals
            ],
            [0.4, 0.15, 0.15, 0.15, 0.15],
        )
        copq_title = _("Cost of poor quality (%(currency)s)") % {"currency": data.currency or "—"}
        _section(
            story,
            copq_title,
            [_("Class"), _("This month"), _("Previous month"), _("Year to date")],
            [
                [
                    c["label"],
                    fmt_value(c["month"], " "),
                    fmt_value(c["previous"], " "),
                    fmt_value(c["ytd"], " "),
                ]
                for c in data.copq
            ],
            [0.4, 0.2, 0.2, 0.2],
        )
        if data.copq_note:
            story.append(_p(data.copq_note))
        _section(
            story,
            _("Customer complaints received"),
            [_("Number"), _("Site"), _("Title"), _("Severity"), _("Status"), _("Received on")],
            [
                [c["number"], c["site"], c["title"], c["severity"], c["status"], c["received_on"]]
                for c in data.complaints
            ],
            [0.18, 0.08, 0.34, 0.12, 0.14, 0.14],
        )
        _section(
            story,
            _("Top nonconformities"),
            [_("Number"), _("Site"), _("Title"), _("Severity"), _("Quantity"), _("Status")],
            [
                [
                    n["number"],
                    n["site"],
                    n["title"],
                    n["severity"],
                    n["quantity"] or "",
                    n["status"],
                ]
                for n in data.nonconformities
            ],
            [0.18, 0.08, 0.36, 0.12, 0.12, 0.14],
        )
        _section(
            story,
            _("Open alerts"),
            [_("Kind"), _("Site"), _("Alert"), _("Due")],
            [[a["kind"], a["site"], a["title"], a["due"]] for a in data.alerts],
            [0.15, 0.1, 0.6, 0.15],
        )
        doc.build(story)
    return buffer.getvalue()

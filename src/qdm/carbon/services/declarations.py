"""A shipment's carbon declaration: computed from its genealogy, stored with method,
library version and inputs, exported as XLSX and PDF in English or Chinese (reportlab's
built-in CID font STSong-Light for Chinese)."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qdm.carbon.choices import FootprintMethod
from qdm.carbon.models import CarbonDeclaration, FactorLibrary
from qdm.carbon.services import ecs, genealogy
from qdm.carbon.services.factors import load_library
from qdm.core.services.audit import record_event
from qdm.data.models import Unit

LANGUAGES = ("en", "zh-hans")
BOUNDARY = gettext_lazy(
    "Cradle-to-gate (ISO 14067): polysilicon and purchased materials from their supplier or "
    "library factors; ingot, wafer, cell and module manufacturing electricity at the site "
    "and month each lot was made; packaging, transport and use phase excluded."
)


def declare(
    unit: Unit, library: FactorLibrary, *, actor: Any, accounting: str = "market"
) -> CarbonDeclaration:
    if unit.kind not in ("shipment", "pallet"):
        raise ValidationError(
            _("Declarations are made for shipments and pallets, not %(kind)s.")
            % {"kind": unit.get_kind_display()}
        )
    view = load_library(library)
    fp = genealogy.compute([unit.pk], library, accounting=accounting, view=view)[unit.pk]
    if not fp.modules:
        raise ValidationError(_("%(unit)s contains no modules.") % {"unit": unit.code})
    with transaction.atomic():
        decl = CarbonDeclaration.objects.create(
            unit=unit,
            method=FootprintMethod.ISO14067,
            method_version=genealogy.METHOD_VERSION,
            library=library,
            basis=str(view.basis),
            inputs={"unit": unit.code, "accounting": accounting, "library": str(library)},
            breakdown={
                "total_kg": fp.total_kg,
                "primary_kg": fp.primary_kg,
                "purchased_kg": fp.purchased_kg,
                "kwp": fp.kwp,
                # the French ECS of the shipped models beside the ISO 14067 result
                "ecs": ecs.declaration_ecs(unit),
            },
            per_module_kg=fp.per_module,
            per_kwp_kg=fp.per_kwp,
            modules=fp.modules,
            total_kg=fp.total_kg,
            data_quality=fp.data_quality,
            computed_by=actor,
        )
        record_event(decl, "declared", actor=actor, data={"per_module": fp.per_module})
    return decl


def rows(decl: CarbonDeclaration) -> list[tuple[str, str]]:
    u = decl.unit
    return [
        (_("Shipment"), u.code),
        (_("Customer"), str(u.customer or "—")),
        (_("Project"), u.project or "—"),
        (_("Method"), f"{decl.get_method_display()} — {decl.method_version}"),
        (_("Factor library"), str(decl.library)),
        (_("Basis"), decl.basis),
        (_("System boundary"), str(BOUNDARY)),
        (_("Modules"), f"{decl.modules:,}"),
        (_("kg CO₂e per module"), f"{decl.per_module_kg:,.1f}"),
        (_("kg CO₂e per kWp"), f"{decl.per_kwp_kg:,.1f}"),
        (_("Total t CO₂e"), f"{decl.total_kg / 1000:,.2f}"),
        (_("Data quality"), decl.get_data_quality_display()),
        (_("French simplified carbon evaluation (ECS)"), ecs_text(decl)),
        (_("Computed at"), f"{decl.computed_at:%Y-%m-%d %H:%M} UTC"),
    ]


def ecs_text(decl: CarbonDeclaration) -> str:
    data = (decl.breakdown or {}).get("ecs")
    if not data:
        return _("not evaluated (no ECS footprint of the shipped model)")
    text = _("%(value)s kg CO₂eq/kWc, table %(versions)s") % {
        "value": f"{data['per_kwp']:,.0f}",
        "versions": ", ".join(data["table_versions"]),
    }
    if not data.get("official"):
        text += " — " + _("not an official table")
    return text


def _check(language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationError(_("Unknown language %(l)s.") % {"l": language})


def declaration_xlsx(decl: CarbonDeclaration, language: str = "en") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    _check(language)
    with translation.override(language):
        wb = Workbook()
        ws = wb.active
        ws.title = "declaration"
        ws.append([_("Product carbon declaration")])
        ws["A1"].font = Font(bold=True, size=14)
        for label, value in rows(decl):
            ws.append([label, value])
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 90
        out = io.BytesIO()
        wb.save(out)
    return out.getvalue()


def declaration_pdf(decl: CarbonDeclaration, language: str = "en") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    _check(language)
    font = "Helvetica"
    if language == "zh-hans":
        if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    with translation.override(language):
        body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
        title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20)
        # the PDF core and CID fonts have no subscript two
        data = [
            [Paragraph(label.replace("CO₂", "CO2"), body), Paragraph(value, body)]
            for label, value in rows(decl)
        ]
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)
        table = Table(data, colWidths=[50 * mm, 124 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, "#999999"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        doc.build([Paragraph(_("Product carbon declaration"), title), table])
    return out.getvalue()

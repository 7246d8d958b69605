"""Lists of the quality data platform."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from qdm.core.tables import BaseTable, named
from qdm.data.models import (
    CellProduct,
    CellSortResult,
    Characteristic,
    ElResult,
    FlashTest,
    IngestBatch,
    Material,
    MaterialCategory,
    Measurement,
    ModuleModel,
    ProductFamily,
    QuarantinedRow,
    Specification,
    Unit,
    WaferProduct,
)

ProductFamilyTable = named(ProductFamily, ("technology",))
ModuleModelTable = named(
    ModuleModel,
    ("family", "pmax_w", "voc_v", "isc_a", "efficiency_pct", "cell_count", "bifaciality_pct"),
)
CellProductTable = named(CellProduct, ("family", "wafer_format", "nominal_efficiency_pct"))
WaferProductTable = named(WaferProduct, ("wafer_format", "doping", "thickness_um"))
MaterialCategoryTable = named(MaterialCategory, ())
MaterialTable = named(Material, ("category", "unit", "specification"))
CharacteristicTable = named(Characteristic, ("kind", "stage", "unit", "special_class", "method"))


class SpecificationTable(BaseTable):
    characteristic = tables.Column(linkify=True)
    level = tables.Column(accessor="level_label", verbose_name=_("Level"), orderable=False)
    version = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Specification
        fields = (
            "characteristic",
            "level",
            "module_model",
            "material",
            "site",
            "customer",
            "version",
            "lsl",
            "target",
            "usl",
            "valid_from",
        )


def trace_url(serial: str) -> str:
    """The trace page of a serial, backward (what the module was made of)."""
    return f"{reverse('data:trace')}?{urlencode({'code': serial, 'direction': 'backward'})}"


class SerialColumn(tables.Column):
    """A module serial linked to its trace page."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(linkify=lambda record: trace_url(record.serial), **kwargs)


def iv_sparkline(curve: Any, width: int = 84, height: int = 26) -> str:
    """A small inline SVG of an IV curve (``{"v": [...], "i": [...]}``) for a list row;
    empty when there is none. Plain SVG, no script (CSP)."""
    try:
        volts, amps = [float(v) for v in curve["v"]], [float(i) for i in curve["i"]]
    except (TypeError, KeyError, ValueError):
        return ""
    if len(volts) < 2 or len(volts) != len(amps) or max(volts) <= 0 or max(amps) <= 0:
        return ""
    vmax, imax = max(volts), max(amps)
    points = " ".join(
        f"{v / vmax * (width - 2) + 1:.1f},{height - 1 - i / imax * (height - 4):.1f}"
        for v, i in zip(volts, amps, strict=True)
    )
    return (
        f'<svg class="qdm-iv-spark" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-hidden="true">'
        f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{points}"/>'
        "</svg>"
    )


class FlashTestTable(BaseTable):
    serial = SerialColumn()
    tested_at = tables.Column(linkify=("data:flashtest_detail", [tables.A("pk")]))
    iv_curve = tables.Column(orderable=False, exclude_from_export=True, empty_values=())

    class Meta(BaseTable.Meta):
        model = FlashTest
        fields = (
            "serial",
            "tested_at",
            "site",
            "line",
            "pmax_w",
            "voc_v",
            "isc_a",
            "vmp_v",
            "imp_a",
            "ff_pct",
            "eff_pct",
            "irradiance_wm2",
            "module_temp_c",
            "iv_curve",
        )

    def render_iv_curve(self, value: Any, record: FlashTest) -> str:
        svg = iv_sparkline(value)
        if not svg:
            return "—"
        url = reverse("data:flashtest_detail", args=[record.pk])
        return format_html(
            '<a href="{}#iv-curve" title="{}" data-testid="iv-spark">{}</a>',
            url,
            _("IV curve"),
            mark_safe(svg),  # noqa: S308 - built above from numbers only
        )


class ElResultTable(BaseTable):
    serial = SerialColumn()

    class Meta(BaseTable.Meta):
        model = ElResult
        fields = (
            "serial",
            "tested_at",
            "site",
            "line",
            "stage",
            "grade",
            "defects",
            "classifier_version",
        )


class CellSortResultTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = CellSortResult
        fields = (
            "cell_lot",
            "tested_at",
            "site",
            "line",
            "efficiency_bin",
            "quantity",
            "eta_pct",
            "voc_v",
            "isc_a",
            "ff_pct",
            "irev_count",
        )


class MeasurementTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = Measurement
        fields = ("characteristic", "subject", "measured_at", "value", "site", "line")


class IngestBatchTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name="#")

    class Meta(BaseTable.Meta):
        model = IngestBatch
        fields = (
            "id",
            "created",
            "kind",
            "site",
            "file_name",
            "status",
            "rows",
            "accepted",
            "rejected",
            "duplicates",
            "created_by",
        )


class QuarantinedRowTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = QuarantinedRow
        fields = ("batch", "row_number", "errors", "resolved")


class UnitTable(BaseTable):
    code = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Unit
        fields = (
            "code",
            "kind",
            "site",
            "line",
            "module_model",
            "material",
            "supplier",
            "supplier_lot",
            "customer",
            "project",
            "efficiency_bin",
            "produced_at",
        )

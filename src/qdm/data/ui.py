"""The quality data platform's models wired to the generic views."""

from __future__ import annotations

from typing import Any

from qdm.core.views.generic import ModelUI
from qdm.data import filtersets as f
from qdm.data import forms
from qdm.data import tables as t
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
from qdm.data.services.specifications import publish_specification, specifications_side_by_side


def save_specification(form: Any, user: Any) -> Specification:
    """Create and edit both publish a new version: a released version stays as history."""
    return publish_specification(actor=user, **form.cleaned_data)


def characteristic_context(obj: Characteristic, user: Any) -> dict[str, Any]:
    return {"spec_rows": specifications_side_by_side(obj, user)}


def module_model_context(obj: ModuleModel, user: Any) -> dict[str, Any]:
    return {
        "bom": obj.bom.select_related("material__category").order_by(
            "material__category__code", "material__code"
        )
    }


def flash_test_context(obj: FlashTest, user: Any) -> dict[str, Any]:
    """The IV curve for the chart (with the flash test's MPP, Isc and Voc) and the serial's
    trace page."""
    curve = None
    if isinstance(obj.iv_curve, dict) and obj.iv_curve.get("v") and obj.iv_curve.get("i"):
        curve = {
            "v": obj.iv_curve["v"],
            "i": obj.iv_curve["i"],
            "vmp": obj.vmp_v,
            "imp": obj.imp_a,
            "pmax": obj.pmax_w,
            "voc": obj.voc_v,
            "isc": obj.isc_a,
        }
    return {"iv_curve": curve, "trace_url": t.trace_url(obj.serial)}


#: the flash test's fields on its page; the IV curve is drawn, not printed
FLASH_TEST_FIELDS = tuple(
    f.name for f in FlashTest._meta.fields if f.name not in {"id", "iv_curve"}
)


def batch_context(obj: IngestBatch, user: Any) -> dict[str, Any]:
    return {"quarantine": obj.quarantine.filter(resolved=False)[:500]}


MODEL_UIS = [
    ModelUI(ProductFamily, t.ProductFamilyTable, f.ProductFamilyFilterSet, forms.ProductFamilyForm),
    ModelUI(
        ModuleModel,
        t.ModuleModelTable,
        f.ModuleModelFilterSet,
        forms.ModuleModelForm,
        detail_template="data/modulemodel_detail.html",
        extra_context=module_model_context,
    ),
    ModelUI(CellProduct, t.CellProductTable, f.CellProductFilterSet, forms.CellProductForm),
    ModelUI(WaferProduct, t.WaferProductTable, f.WaferProductFilterSet, forms.WaferProductForm),
    ModelUI(
        MaterialCategory,
        t.MaterialCategoryTable,
        f.MaterialCategoryFilterSet,
        forms.MaterialCategoryForm,
    ),
    ModelUI(Material, t.MaterialTable, f.MaterialFilterSet, forms.MaterialForm),
    ModelUI(
        Characteristic,
        t.CharacteristicTable,
        f.CharacteristicFilterSet,
        forms.CharacteristicForm,
        detail_template="data/characteristic_detail.html",
        extra_context=characteristic_context,
    ),
    ModelUI(
        Specification,
        t.SpecificationTable,
        f.SpecificationFilterSet,
        forms.SpecificationForm,
        saver=save_specification,
    ),
    ModelUI(
        FlashTest,
        t.FlashTestTable,
        f.FlashTestFilterSet,
        per_page=100,
        detail_fields=FLASH_TEST_FIELDS,
        detail_template="data/flashtest_detail.html",
        extra_context=flash_test_context,
    ),
    ModelUI(
        ElResult,
        t.ElResultTable,
        f.ElResultFilterSet,
        per_page=100,
        detail_template="data/serial_detail.html",
        extra_context=lambda obj, user: {"trace_url": t.trace_url(obj.serial)},
    ),
    ModelUI(CellSortResult, t.CellSortResultTable, f.CellSortResultFilterSet, per_page=100),
    ModelUI(Measurement, t.MeasurementTable, f.MeasurementFilterSet, per_page=100),
    ModelUI(
        IngestBatch,
        t.IngestBatchTable,
        f.IngestBatchFilterSet,
        detail_template="data/ingestbatch_detail.html",
        extra_context=batch_context,
    ),
    ModelUI(QuarantinedRow, t.QuarantinedRowTable, f.QuarantinedRowFilterSet),
    ModelUI(Unit, t.UnitTable, f.UnitFilterSet, detail_template="data/unit_detail.html"),
]

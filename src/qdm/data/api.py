"""API of the quality data platform: master data and catalog (read/write), facts and
genealogy (read), plus ingestion and traceability endpoints from their sub-packages."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework import serializers

from qdm.core.api.factories import serializer_for, viewset_for
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.modules import optional_module
from qdm.data import filtersets as f
from qdm.data.forms import (
    CELL_PRODUCT_FIELDS,
    CHARACTERISTIC_FIELDS,
    MATERIAL_FIELDS,
    MODULE_MODEL_DATASHEET,
    NAMES,
    PRODUCT_FAMILY_FIELDS,
    SPECIFICATION_FIELDS,
    WAFER_PRODUCT_FIELDS,
)
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
    Specification,
    Unit,
    WaferProduct,
)
from qdm.data.services.specifications import publish_specification


class SpecificationSerializer(StrictModelSerializer):
    level = serializers.CharField(read_only=True)

    class Meta:
        model = Specification
        fields = [
            "id",
            "characteristic",
            "module_model",
            "material",
            "site",
            "customer",
            "version",
            "level",
            "lsl",
            "target",
            "usl",
            "valid_from",
            "reason",
        ]
        read_only_fields = ["version"]

    def create(self, validated_data: dict[str, Any]) -> Specification:
        return publish_specification(actor=self.context["request"].user, **validated_data)

    def update(self, instance: Specification, validated_data: dict[str, Any]) -> Specification:
        # a published version is history: a change publishes the next version
        fields = {name: getattr(instance, name) for name in SPECIFICATION_FIELDS}
        fields.update(validated_data)
        with transaction.atomic():
            return publish_specification(actor=self.context["request"].user, **fields)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from django.core.exceptions import ValidationError as DjangoValidationError

        base = {}
        if self.instance is not None:
            base = {
                f.attname: getattr(self.instance, f.attname)
                for f in Specification._meta.concrete_fields
                if f.name != "id"
            }
        candidate = Specification(**{**base, **attrs})
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


def read_only(model: type, fields: list[str], filterset: Any, ordering: tuple[str, ...]) -> Any:
    return viewset_for(
        model, serializer_for(model, fields), filterset, ordering=ordering, read_only=True
    )


ROUTES = [
    (
        "data/product-families",
        viewset_for(
            ProductFamily,
            serializer_for(ProductFamily, PRODUCT_FAMILY_FIELDS),
            f.ProductFamilyFilterSet,
            ordering=("code",),
        ),
    ),
    (
        "data/module-models",
        viewset_for(
            ModuleModel,
            serializer_for(
                ModuleModel, [*NAMES, *MODULE_MODEL_DATASHEET, "diode_parameters", "source"]
            ),
            f.ModuleModelFilterSet,
            ordering=("code",),
        ),
    ),
    (
        "data/cell-products",
        viewset_for(
            CellProduct,
            serializer_for(CellProduct, CELL_PRODUCT_FIELDS),
            f.CellProductFilterSet,
            ordering=("code",),
        ),
    ),
    (
        "data/wafer-products",
        viewset_for(
            WaferProduct,
            serializer_for(WaferProduct, WAFER_PRODUCT_FIELDS),
            f.WaferProductFilterSet,
            ordering=("code",),
        ),
    ),
    (
        "data/material-categories",
        viewset_for(
            MaterialCategory,
            serializer_for(MaterialCategory, NAMES),
            f.MaterialCategoryFilterSet,
            ordering=("code",),
        ),
    ),
    (
        "data/materials",
        viewset_for(
            Material,
            serializer_for(Material, MATERIAL_FIELDS),
            f.MaterialFilterSet,
            ordering=("code",),
        ),
    ),
    (
        "data/characteristics",
        viewset_for(
            Characteristic,
            serializer_for(Characteristic, CHARACTERISTIC_FIELDS),
            f.CharacteristicFilterSet,
            ordering=("code",),
        ),
    ),
    (
        "data/specifications",
        viewset_for(
            Specification,
            SpecificationSerializer,
            f.SpecificationFilterSet,
            ordering=("characteristic", "-version"),
        ),
    ),
    (
        "data/flash-tests",
        read_only(
            FlashTest,
            [
                "serial",
                "tested_at",
                "site",
                "line",
                "station",
                "simulator",
                "irradiance_wm2",
                "module_temp_c",
                "pmax_w",
                "voc_v",
                "isc_a",
                "vmp_v",
                "imp_a",
                "ff_pct",
                "eff_pct",
                "rs_ohm",
                "rsh_ohm",
                "batch",
            ],
            f.FlashTestFilterSet,
            ("-tested_at",),
        ),
    ),
    (
        "data/el-results",
        read_only(
            ElResult,
            [
                "serial",
                "tested_at",
                "site",
                "line",
                "stage",
                "grade",
                "defects",
                "image_ref",
                "classifier_version",
                "batch",
            ],
            f.ElResultFilterSet,
            ("-tested_at",),
        ),
    ),
    (
        "data/cell-sort-results",
        read_only(
            CellSortResult,
            [
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
                "batch",
            ],
            f.CellSortResultFilterSet,
            ("-tested_at",),
        ),
    ),
    (
        "data/measurements",
        read_only(
            Measurement,
            ["characteristic", "subject", "measured_at", "value", "site", "line", "batch"],
            f.MeasurementFilterSet,
            ("-measured_at",),
        ),
    ),
    (
        "data/batches",
        read_only(
            IngestBatch,
            [
                "kind",
                "site",
                "file_name",
                "sha256",
                "profile",
                "strict",
                "status",
                "rows",
                "accepted",
                "rejected",
                "duplicates",
                "message",
                "created_by",
                "created",
                "finished",
            ],
            f.IngestBatchFilterSet,
            ("-created",),
        ),
    ),
    (
        "data/units",
        read_only(
            Unit,
            [
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
                "quantity",
                "produced_at",
            ],
            f.UnitFilterSet,
            ("code",),
        ),
    ),
]

API_URLS: list[Any] = []
for _name in ("qdm.data.ingest.api", "qdm.data.trace.api"):
    API_URLS += getattr(optional_module(_name), "API_URLS", [])

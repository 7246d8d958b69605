"""Forms of the quality data platform's master data and catalog."""

from __future__ import annotations

from django import forms

from qdm.data.models import (
    CellProduct,
    Characteristic,
    Material,
    MaterialCategory,
    ModuleModel,
    ProductFamily,
    Specification,
    WaferProduct,
)

NAMES = ["code", "name", "name_en"]


# The fields a user edits, one list per model: the form and the API serializer use it.
PRODUCT_FAMILY_FIELDS = [*NAMES, "technology"]


class ProductFamilyForm(forms.ModelForm):
    class Meta:
        model = ProductFamily
        fields = PRODUCT_FAMILY_FIELDS


#: the datasheet values of a module model; the API adds its diode parameters (JSON)
MODULE_MODEL_DATASHEET = [
    "family",
    "pmax_w",
    "voc_v",
    "isc_a",
    "vmp_v",
    "imp_a",
    "efficiency_pct",
    "temp_coeff_pmax_pct_per_c",
    "temp_coeff_voc_pct_per_c",
    "temp_coeff_isc_pct_per_c",
    "length_mm",
    "width_mm",
    "thickness_mm",
    "weight_kg",
    "cell_count",
    "bifaciality_pct",
]


class ModuleModelForm(forms.ModelForm):
    class Meta:
        model = ModuleModel
        fields = [*NAMES, *MODULE_MODEL_DATASHEET, "source"]


CELL_PRODUCT_FIELDS = [*NAMES, "family", "wafer_format", "area_cm2", "nominal_efficiency_pct"]


class CellProductForm(forms.ModelForm):
    class Meta:
        model = CellProduct
        fields = CELL_PRODUCT_FIELDS


WAFER_PRODUCT_FIELDS = [*NAMES, "wafer_format", "doping", "thickness_um"]


class WaferProductForm(forms.ModelForm):
    class Meta:
        model = WaferProduct
        fields = WAFER_PRODUCT_FIELDS


class MaterialCategoryForm(forms.ModelForm):
    class Meta:
        model = MaterialCategory
        fields = NAMES


MATERIAL_FIELDS = [*NAMES, "category", "unit", "specification"]


class MaterialForm(forms.ModelForm):
    class Meta:
        model = Material
        fields = MATERIAL_FIELDS


CHARACTERISTIC_FIELDS = [
    *NAMES,
    "kind",
    "stage",
    "process_step",
    "unit",
    "data_type",
    "method",
    "special_class",
]


class CharacteristicForm(forms.ModelForm):
    class Meta:
        model = Characteristic
        fields = CHARACTERISTIC_FIELDS


SPECIFICATION_FIELDS = [
    "characteristic",
    "module_model",
    "material",
    "site",
    "customer",
    "lsl",
    "target",
    "usl",
    "valid_from",
    "reason",
]


class SpecificationForm(forms.ModelForm):
    """A new specification version; the version number is assigned by the service."""

    class Meta:
        model = Specification
        fields = SPECIFICATION_FIELDS

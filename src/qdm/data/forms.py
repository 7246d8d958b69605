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


class ProductFamilyForm(forms.ModelForm):
    class Meta:
        model = ProductFamily
        fields = [*NAMES, "technology"]


class ModuleModelForm(forms.ModelForm):
    class Meta:
        model = ModuleModel
        fields = [
            *NAMES,
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
            "source",
        ]


class CellProductForm(forms.ModelForm):
    class Meta:
        model = CellProduct
        fields = [*NAMES, "family", "wafer_format", "area_cm2", "nominal_efficiency_pct"]


class WaferProductForm(forms.ModelForm):
    class Meta:
        model = WaferProduct
        fields = [*NAMES, "wafer_format", "doping", "thickness_um"]


class MaterialCategoryForm(forms.ModelForm):
    class Meta:
        model = MaterialCategory
        fields = NAMES


class MaterialForm(forms.ModelForm):
    class Meta:
        model = Material
        fields = [*NAMES, "category", "unit", "specification"]


class CharacteristicForm(forms.ModelForm):
    class Meta:
        model = Characteristic
        fields = [
            *NAMES,
            "kind",
            "stage",
            "process_step",
            "unit",
            "data_type",
            "method",
            "special_class",
        ]


class SpecificationForm(forms.ModelForm):
    """A new specification version; the version number is assigned by the service."""

    class Meta:
        model = Specification
        fields = [
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

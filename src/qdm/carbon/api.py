"""API of the carbon platform: factor libraries, emission factors, supplier factors and
activity data (read/write, validated like the forms: units and bases checked), product
footprints and declarations (read-only; computed by services), and the what-if feed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from rest_framework import serializers

from qdm.carbon import filtersets as fs
from qdm.carbon.models import (
    ActivityRecord,
    CarbonDeclaration,
    CarbonTarget,
    EcsTableVersion,
    EmissionFactor,
    FactorLibrary,
    ProductFootprint,
    SupplierFactor,
)
from qdm.core.api.factories import viewset_for
from qdm.core.api.serializers import StrictModelSerializer


class CleanedSerializer(StrictModelSerializer):
    """Runs the model's ``clean`` (unit, basis and range checks) before saving."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model: type[models.Model] = self.Meta.model
        instance = model(**{**self._current(), **attrs})
        try:
            instance.clean()
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs

    def _current(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        model: type[models.Model] = self.Meta.model
        return {
            f.name: getattr(self.instance, f.name)
            for f in model._meta.concrete_fields
            if f.name in self.Meta.fields and f.name != "id"
        }


class FactorLibrarySerializer(StrictModelSerializer):
    class Meta:
        model = FactorLibrary
        fields = ["id", "code", "version", "name", "kind", "publisher", "valid_from", "notes"]


class EmissionFactorSerializer(CleanedSerializer):
    class Meta:
        model = EmissionFactor
        fields = [
            "id", "library", "category", "key", "material", "country", "grid_region",
            "accounting", "value", "unit", "gas", "boundary", "gwp", "source", "year",
        ]  # fmt: skip


class SupplierFactorSerializer(CleanedSerializer):
    class Meta:
        model = SupplierFactor
        fields = [
            "id", "supplier", "material", "value", "unit", "gas", "boundary", "gwp", "source",
            "year", "verifier", "certificate", "valid_from", "valid_until", "verified",
        ]  # fmt: skip


class ActivityRecordSerializer(CleanedSerializer):
    class Meta:
        model = ActivityRecord
        fields = [
            "id", "site", "month", "kind", "key", "quantity", "unit", "certificate_scheme",
            "notes",
        ]  # fmt: skip


class ProductFootprintSerializer(StrictModelSerializer):
    class Meta:
        model = ProductFootprint
        fields = [
            "id", "module_model", "site", "method", "method_version", "library", "basis",
            "inputs", "breakdown", "per_module_kg", "per_kwp_kg", "computed_at",
        ]  # fmt: skip


class CarbonDeclarationSerializer(StrictModelSerializer):
    class Meta:
        model = CarbonDeclaration
        fields = [
            "id", "unit", "method", "method_version", "library", "basis", "inputs",
            "breakdown", "modules", "per_module_kg", "per_kwp_kg", "total_kg", "data_quality",
            "computed_at",
        ]  # fmt: skip


class EcsTableVersionSerializer(StrictModelSerializer):
    class Meta:
        model = EcsTableVersion
        fields = [
            "id", "version", "library", "official", "source", "table", "file_name",
            "file_sha256", "loaded_at",
        ]  # fmt: skip


class CarbonTargetSerializer(CleanedSerializer):
    class Meta:
        model = CarbonTarget
        fields = ["id", "site", "year", "kg_per_kwp", "notes"]


ROUTES = [
    (
        "carbon/libraries",
        viewset_for(
            FactorLibrary, FactorLibrarySerializer, fs.FactorLibraryFilterSet, ordering=("code",)
        ),
    ),
    (
        "carbon/factors",
        viewset_for(EmissionFactor, EmissionFactorSerializer, fs.EmissionFactorFilterSet),
    ),
    (
        "carbon/supplier-factors",
        viewset_for(SupplierFactor, SupplierFactorSerializer, fs.SupplierFactorFilterSet),
    ),
    (
        "carbon/activity-records",
        viewset_for(ActivityRecord, ActivityRecordSerializer, fs.ActivityRecordFilterSet),
    ),
    (
        "carbon/product-footprints",
        viewset_for(
            ProductFootprint,
            ProductFootprintSerializer,
            fs.ProductFootprintFilterSet,
            read_only=True,
        ),
    ),
    (
        "carbon/declarations",
        viewset_for(
            CarbonDeclaration,
            CarbonDeclarationSerializer,
            fs.CarbonDeclarationFilterSet,
            ordering=("-computed_at",),
            read_only=True,
        ),
    ),
    (
        "carbon/ecs-tables",
        viewset_for(
            EcsTableVersion,
            EcsTableVersionSerializer,
            fs.EcsTableVersionFilterSet,
            ordering=("version",),
            read_only=True,
        ),
    ),
    ("carbon/targets", viewset_for(CarbonTarget, CarbonTargetSerializer, fs.CarbonTargetFilterSet)),
]

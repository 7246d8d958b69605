"""API of the management-system platform."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from qdm.core.api.resources import WorkflowViewSetMixin
from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet
from qdm.system.filtersets import NonconformityFilterSet
from qdm.system.models import Nonconformity
from qdm.system.services.nonconformity import raise_nonconformity, update_nonconformity


class NonconformitySerializer(StrictModelSerializer):
    class Meta:
        model = Nonconformity
        fields = [
            "id",
            "number",
            "site",
            "source",
            "severity",
            "title",
            "description",
            "item",
            "lots",
            "quantity",
            "supplier",
            "owner",
            "containment",
            "disposition",
            "status",
            "raised_by",
            "raised_at",
            "closed_at",
        ]
        read_only_fields = ["number", "status", "raised_by", "raised_at", "closed_at"]


class NonconformityViewSet(WorkflowViewSetMixin, ScopedModelViewSet):
    scoped_model = Nonconformity
    queryset = Nonconformity.objects.all()
    serializer_class = NonconformitySerializer
    filterset_class = NonconformityFilterSet
    ordering = ("-raised_at",)

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic():
            instance = raise_nonconformity(actor=self.request.user, **serializer.validated_data)
            serializer.instance = instance
            self._check_scope(instance, "add")

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic():
            instance = update_nonconformity(
                serializer.instance, actor=self.request.user, **serializer.validated_data
            )
            self._check_scope(instance, "change")


ROUTES = [("system/nonconformities", NonconformityViewSet)]

"""Serializer base: unknown fields are errors, related choices are scoped to the user."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictModelSerializer(serializers.ModelSerializer):
    """Rejects fields it does not know (a typo must not be silently ignored) and limits
    every related field to what the requesting user may see."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return
        for field in self.fields.values():
            target: Any = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_user"):
                target.queryset = queryset.for_user(user, "view")

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Expected a JSON object.")]}, code="invalid"
            )
        writable = {name for name, f in self.fields.items() if not f.read_only}
        unknown = sorted(set(data) - writable)
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [
                        serializers.ErrorDetail(
                            _("Read-only field.") if name in self.fields else _("Unknown field."),
                            code="unknown_field",
                        )
                    ]
                    for name in unknown
                }
            )
        return super().to_internal_value(data)

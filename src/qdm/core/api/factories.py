"""A model's API resource in a line: its strict serializer and its scoped viewset, for the
platforms whose resources differ only in model, fields, filters and save function."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.db import models

from qdm.core.api.serializers import StrictModelSerializer
from qdm.core.api.views import ScopedModelViewSet


def serializer_for(
    model: type[models.Model], fields: Sequence[str], read_only: Sequence[str] = ()
) -> type[StrictModelSerializer]:
    """``<Model>Serializer`` of ``id`` and ``fields``; those in ``read_only`` are only shown."""
    meta = type(
        "Meta", (), {"model": model, "fields": ["id", *fields], "read_only_fields": list(read_only)}
    )
    return type(f"{model.__name__}Serializer", (StrictModelSerializer,), {"Meta": meta})


def viewset_for(
    model: type[models.Model],
    serializer: type[Any],
    filterset: type[Any] | None,
    *,
    ordering: tuple[str, ...] = ("pk",),
    read_only: bool = False,
    service: Callable[..., Any] | None = None,
    bases: tuple[type, ...] = (),
    **attrs: Any,
) -> type[ScopedModelViewSet]:
    """``<Model>ViewSet`` over the user's scoped records, ``bases`` (mixins) before the kernel
    base. ``read_only``: GET only. ``service``: one save function for create and update,
    ``service(instance_or_None, /, *, actor, **data)``. ``attrs`` add or override class
    attributes (``create_service``, ``save_service``, actions, ``perform_destroy``)."""
    body: dict[str, Any] = {
        "scoped_model": model,
        "queryset": model._default_manager.all(),
        "serializer_class": serializer,
        "filterset_class": filterset,
        "ordering": ordering,
    }
    if service is not None:
        body["create_service"] = partial(service, None)
        body["update_service"] = service
    if read_only:
        body["http_method_names"] = ["get", "head", "options"]
    return type(f"{model.__name__}ViewSet", (*bases, ScopedModelViewSet), {**body, **attrs})

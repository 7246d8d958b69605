"""API view base: every viewset goes through the scoped queryset and re-checks scope after
saving, inside the transaction (out of scope → 404; a save that would leave the user's scope
→ 400 ``out_of_scope`` and nothing saved)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.utils.translation import gettext as _
from rest_framework import viewsets

from qdm.core.api.errors import ApiError, ErrorCode, service_errors
from qdm.core.api.permissions import METHOD_ACTIONS


class ScopedModelViewSet(viewsets.ModelViewSet):
    scoped_model: type[models.Model]
    queryset_base: models.QuerySet | None = None

    def get_queryset(self) -> models.QuerySet:
        action = METHOD_ACTIONS.get(self.request.method or "GET", "view")
        base: Any = (
            self.queryset_base
            if self.queryset_base is not None
            else self.scoped_model._default_manager
        )
        return base.for_user(self.request.user, action)

    def _check_scope(self, instance: models.Model, action: str) -> None:
        manager: Any = type(instance)._default_manager
        if not manager.for_user(self.request.user, action).filter(pk=instance.pk).exists():
            raise ApiError(
                "out_of_scope", _("This would put the record outside your scope."), status_code=400
            )

    #: the platform's service functions (all writes are services), in one of two shapes:
    #: ``create_service(*, actor, **data)`` and ``update_service(instance, *, actor, **data)``;
    #: or ``save_service(instance, *, actor)`` for both, given a new unsaved instance built
    #: from the data or the stored one with the data set on it (the ``ModelUI`` saver idiom).
    #: Each returns the saved instance; without any, the serializer saves.
    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    save_service: ClassVar[Callable[..., Any] | None] = None

    def perform_create(self, serializer: Any) -> None:
        view, actor, data = type(self), self.request.user, serializer.validated_data
        with transaction.atomic(), service_errors():
            if view.create_service is not None:
                serializer.instance = view.create_service(actor=actor, **data)
            elif view.save_service is not None:
                serializer.instance = view.save_service(self.scoped_model(**data), actor=actor)
            else:
                serializer.save()
            self._check_scope(serializer.instance, "add")

    def perform_update(self, serializer: Any) -> None:
        view, actor, data = type(self), self.request.user, serializer.validated_data
        with transaction.atomic(), service_errors():
            if view.update_service is not None:
                serializer.instance = view.update_service(serializer.instance, actor=actor, **data)
            elif view.save_service is not None:
                for name, value in data.items():
                    setattr(serializer.instance, name, value)
                serializer.instance = view.save_service(serializer.instance, actor=actor)
            else:
                serializer.save()
            self._check_scope(serializer.instance, "change")

    def perform_destroy(self, instance: models.Model) -> None:
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError as exc:
            raise ApiError(
                ErrorCode.CONFLICT, _("The record is still in use."), status_code=409
            ) from exc

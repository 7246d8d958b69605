"""API permission: model permissions from grants; object scope is enforced by querysets."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class GrantPermission(BasePermission):
    """Authenticated users with the model permission for the method (via their grants)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        model = getattr(view, "scoped_model", None)
        if model is None:
            return True
        action = getattr(view, "permission_action", None) or METHOD_ACTIONS.get(
            request.method, "view"
        )
        opts = model._meta
        return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")

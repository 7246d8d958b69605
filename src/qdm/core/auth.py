"""Authentication backend: a user's permissions are those of the roles of their grants."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from qdm.core.querysets import action_of, grant_scopes


class GrantBackend(ModelBackend):
    """Password login (Argon2) plus permissions from grants instead of group membership.

    ``has_perm(user, "app.change_model", obj)`` with an object also checks that the object is
    inside the scope of a grant holding that permission. Custom permissions a model declares
    (``supplier.approve_supplierprofile``) are scoped the same way; an action the object's
    model does not declare raises ``ValueError``.
    """

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        perms: set[str] = set()
        for grant in grant_scopes(user_obj):
            perms |= grant.permissions
        return perms

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active:
            return False
        if user_obj.is_superuser:
            return True
        if perm not in self.get_all_permissions(user_obj):
            return False
        if obj is None:
            return True
        manager = type(obj)._default_manager
        if not hasattr(manager, "for_user"):
            return True
        action = action_of(perm, type(obj))
        return manager.for_user(user_obj, action).filter(pk=obj.pk).exists()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if not hasattr(user_obj, "_qdm_perm_cache"):
            user_obj._qdm_perm_cache = self.get_group_permissions(user_obj)
        return set(user_obj._qdm_perm_cache)

"""Authentication backend: a user's permissions are those of the roles of their grants."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from qdm.core.querysets import grant_scopes


class GrantBackend(ModelBackend):
    """Password login (Argon2) plus permissions from grants instead of group membership.

    ``has_perm(user, "app.change_model", obj)`` with an object also checks that the object is
    inside the scope of a grant holding that permission.
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
        action = perm.split(".", 1)[1].split("_", 1)[0]
        manager = type(obj)._default_manager
        if not hasattr(manager, "for_user"):
            return True
        return manager.for_user(user_obj, action).filter(pk=obj.pk).exists()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if not hasattr(user_obj, "_qdm_perm_cache"):
            user_obj._qdm_perm_cache = self.get_group_permissions(user_obj)
        return set(user_obj._qdm_perm_cache)

"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from qdm.core.navigation import platform_menus


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    menus = [(menu, menu.visible_items(user)) for menu in platform_menus()]
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {"qdm_menus": menus, "qdm_unread_notifications": unread}

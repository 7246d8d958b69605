"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from qdm.core.navigation import landing_url, user_menus


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "qdm_menus": user_menus(user),
        "qdm_unread_notifications": unread,
        "qdm_home_url": landing_url(user) or "/",
    }

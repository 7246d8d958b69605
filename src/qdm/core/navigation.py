"""The menu: one section per platform (the 1+7), each declared in ``<app>/navigation.py``.

Audiences: internal users see every menu as before. External users — those whose grants
are all at a supplier (role ``supplier_user``) or a customer (``customer_user``) — see only
the items a platform declares for them (``MenuItem(..., audiences=(INTERNAL, SUPPLIER))``)
and only the menus holding such items; an item marked ``landing=True`` is where ``/``
sends them. This is presentation only: every URL stays guarded by the scoped queryset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

PLATFORM_APPS = (
    "cockpit",
    "data",
    "manufacturing",
    "system",
    "supplier",
    "service",
    "design",
    "carbon",
)


INTERNAL = "internal"
SUPPLIER = "supplier"
CUSTOMER = "customer"
AUDIENCES = (INTERNAL, SUPPLIER, CUSTOMER)


def user_audiences(user: Any) -> frozenset[str]:
    """Who ``user`` is for the menu: ``{"internal"}`` for anyone with a grant that is not
    at a supplier or customer (and for superusers and users without grants, as before);
    otherwise ``{"supplier"}``, ``{"customer"}`` or both."""
    from qdm.core.querysets import grant_scopes

    if getattr(user, "is_superuser", False):
        return frozenset({INTERNAL})
    kinds: set[str] = set()
    for grant in grant_scopes(user):
        if grant.supplier_id is not None:
            kinds.add(SUPPLIER)
        elif grant.customer_id is not None:
            kinds.add(CUSTOMER)
        else:
            kinds.add(INTERNAL)
    if not kinds or INTERNAL in kinds:
        return frozenset({INTERNAL})
    return frozenset(kinds)


def is_external(user: Any) -> bool:
    return INTERNAL not in user_audiences(user)


@dataclass(frozen=True)
class MenuItem:
    label: Any
    url_name: str
    permission: str | None = None  # "app.view_model"; hidden without it
    #: who sees the item: internal users and/or external supplier or customer users
    audiences: tuple[str, ...] = (INTERNAL,)
    #: the landing page of the item's external audiences (where "/" sends them)
    landing: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.audiences) - set(AUDIENCES)
        if unknown:
            raise ValueError(f"unknown menu audience {sorted(unknown)}; expected {AUDIENCES}")

    def visible_to(self, user: Any, audiences: frozenset[str] | None = None) -> bool:
        audiences = user_audiences(user) if audiences is None else audiences
        if not audiences & set(self.audiences):
            return False
        return self.permission is None or user.has_perm(self.permission)

    @property
    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return "#"


@dataclass(frozen=True)
class Menu:
    key: str
    number: str
    label: Any
    description: Any
    items: list[MenuItem] = field(default_factory=list)
    short_label: Any = None  # what fits in the navbar; defaults to label

    def __post_init__(self) -> None:
        if self.short_label is None:
            object.__setattr__(self, "short_label", self.label)

    @property
    def url(self) -> str:
        return reverse(f"{self.key}:index")

    def visible_items(self, user: Any) -> list[MenuItem]:
        audiences = user_audiences(user)
        return [i for i in self.items if i.visible_to(user, audiences)]


KERNEL_MENU = Menu(
    key="core",
    number="0",
    label=_("Organisation and kernel"),
    short_label=_("Organisation"),
    description=_("Sites, lines, suppliers, customers, users and grants, audit trail."),
    items=[
        MenuItem(_("Sites"), "core:site_list", "core.view_site"),
        MenuItem(_("Workshops"), "core:workshop_list", "core.view_workshop"),
        MenuItem(_("Lines"), "core:line_list", "core.view_line"),
        MenuItem(_("Stations"), "core:station_list", "core.view_station"),
        MenuItem(_("Suppliers"), "core:supplier_list", "core.view_supplier"),
        MenuItem(_("Customers"), "core:customer_list", "core.view_customer"),
        MenuItem(_("Grants"), "core:grant_list", "core.view_grant"),
        MenuItem(
            _("Notification channels"),
            "core:notificationchannel_list",
            "core.view_notificationchannel",
        ),
        MenuItem(
            _("Deliveries"), "core:notificationdelivery_list", "core.view_notificationdelivery"
        ),
        MenuItem(_("Domain events"), "core:domainevent_list", "core.view_domainevent"),
        MenuItem(_("Daily jobs"), "core:schedule", "core.view_scheduledrun"),
    ],
)


def platform_menus() -> list[Menu]:
    menus = [import_module(f"qdm.{app}.navigation").menu for app in PLATFORM_APPS]
    return [*menus, KERNEL_MENU]


def user_menus(user: Any) -> list[tuple[Menu, list[MenuItem]]]:
    """The menus ``user`` sees with their visible items: every menu for internal users (as
    before), only the menus with items for their audience for external users."""
    menus = [(menu, menu.visible_items(user)) for menu in platform_menus()]
    if is_external(user):
        menus = [(menu, items) for menu, items in menus if items]
    return menus


def landing_url(user: Any) -> str | None:
    """Where ``/`` sends an external user: the first item marked ``landing`` for their
    audience that they may open; ``None`` for internal users (their home is the cockpit)."""
    audiences = user_audiences(user)
    if INTERNAL in audiences:
        return None
    for menu in platform_menus():
        for item in menu.items:
            if item.landing and item.visible_to(user, audiences):
                try:
                    return reverse(item.url_name)
                except NoReverseMatch:
                    continue
    return None


def menu_for(key: str) -> Menu:
    for menu in platform_menus():
        if menu.key == key:
            return menu
    raise KeyError(key)

"""The menu: one section per platform (the 1+7), each declared in ``<app>/navigation.py``."""

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


@dataclass(frozen=True)
class MenuItem:
    label: Any
    url_name: str
    permission: str | None = None  # "app.view_model"; hidden without it

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
        return [i for i in self.items if i.permission is None or user.has_perm(i.permission)]


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
    ],
)


def platform_menus() -> list[Menu]:
    menus = [import_module(f"qdm.{app}.navigation").menu for app in PLATFORM_APPS]
    return [*menus, KERNEL_MENU]


def menu_for(key: str) -> Menu:
    for menu in platform_menus():
        if menu.key == key:
            return menu
    raise KeyError(key)

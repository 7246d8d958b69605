"""Menu entries of the supplier quality platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import Menu, MenuItem

menu = Menu(
    key="supplier",
    number="7.3",
    label=_("Supplier quality"),
    short_label=_("Suppliers"),
    description=_("Approved suppliers, IQC sampling, SCAR, scorecards and the supplier portal."),
    items=[
        MenuItem(_("Overview"), "supplier:index"),
    ],
)

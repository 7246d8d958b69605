"""Menu entries of the carbon management platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import Menu, MenuItem

menu = Menu(
    key="carbon",
    number="7.4",
    label=_("Carbon management"),
    short_label=_("Carbon"),
    description=_(
        "Emission factors, product carbon footprint per model, lot and shipment, Scope 1-2-3."
    ),
    items=[
        MenuItem(_("Overview"), "carbon:index"),
    ],
)

"""Menu entries of the customer-service quality platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import Menu, MenuItem

menu = Menu(
    key="service",
    number="7.6",
    label=_("Customer-service quality"),
    short_label=_("Service"),
    description=_("Customers and projects, complaints, RMA, warranty and field reliability."),
    items=[
        MenuItem(_("Overview"), "service:index"),
    ],
)

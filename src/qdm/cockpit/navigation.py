"""Menu entries of the quality digital management center platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import Menu, MenuItem

menu = Menu(
    key="cockpit",
    number="1",
    label=_("Quality digital management center"),
    short_label=_("Cockpit"),
    description=_("Cross-site KPIs, cascaded goals, alerts and quality-loss accounting."),
    items=[
        MenuItem(_("Overview"), "cockpit:index"),
        MenuItem(_("Sites side by side"), "cockpit:cross_site"),
        MenuItem(_("Alerts centre"), "cockpit:alerts"),
        MenuItem(_("Quality goals"), "cockpit:goals"),
        MenuItem(_("Goal reviews (PDCA)"), "cockpit:goalreview_list"),
    ],
)

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
        MenuItem(_("Alert rules"), "cockpit:alertrule_list", "cockpit.view_alertrule"),
        MenuItem(_("Risks and next actions"), "cockpit:risks"),
        MenuItem(_("Factory wall"), "cockpit:wall"),
        MenuItem(_("My home page"), "cockpit:home_layout"),
        MenuItem(_("Quality goals"), "cockpit:goals"),
        MenuItem(_("Goal reviews (PDCA)"), "cockpit:goalreview_list"),
        MenuItem(_("Quality loss (COPQ)"), "cockpit:copq", "cockpit.view_qualitycostrecord"),
        MenuItem(
            _("Quality cost records"),
            "cockpit:qualitycostrecord_list",
            "cockpit.view_qualitycostrecord",
        ),
        MenuItem(_("Standard costs"), "cockpit:standardcost_list", "cockpit.view_standardcost"),
        MenuItem(_("Exchange rates"), "cockpit:exchangerate_list", "cockpit.view_exchangerate"),
        MenuItem(_("Site revenues"), "cockpit:siterevenue_list", "cockpit.view_siterevenue"),
        MenuItem(_("Monthly quality report"), "cockpit:report", "cockpit.view_qualitycostrecord"),
    ],
)

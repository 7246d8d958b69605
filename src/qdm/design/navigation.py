"""Menu entries of the design quality platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import Menu, MenuItem

menu = Menu(
    key="design",
    number="7.7",
    label=_("Design quality"),
    short_label=_("Design"),
    description=_("FMEA, control plans, APQP, reliability qualification and engineering changes."),
    items=[
        MenuItem(_("Overview"), "design:index"),
        MenuItem(_("FMEAs"), "design:fmea_list", "design.view_fmea"),
        MenuItem(_("FMEA failure chains"), "design:fmeaitem_list", "design.view_fmeaitem"),
        MenuItem(
            _("FMEA review tasks"), "design:fmeareviewtask_list", "design.view_fmeareviewtask"
        ),
        MenuItem(_("Control plans"), "design:controlplan_list", "design.view_controlplan"),
        MenuItem(
            _("Control-plan lines"), "design:controlplanline_list", "design.view_controlplanline"
        ),
        MenuItem(_("No live control"), "design:no_live_control", "design.view_controlplan"),
        MenuItem(_("MSA studies"), "design:msastudy_list", "design.view_msastudy"),
    ],
)

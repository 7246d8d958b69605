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
        MenuItem(_("APQP projects"), "design:apqpproject_list", "design.view_apqpproject"),
        MenuItem(
            _("APQP deliverables"), "design:apqpdeliverable_list", "design.view_apqpdeliverable"
        ),
        MenuItem(_("Gate reviews"), "design:gatereview_list", "design.view_gatereview"),
        MenuItem(
            _("Qualification programmes"),
            "design:qualificationprogramme_list",
            "design.view_qualificationprogramme",
        ),
        MenuItem(_("Certificates"), "design:certificate_list", "design.view_certificate"),
        MenuItem(
            _("Expiring certificates"), "design:certificates_expiring", "design.view_certificate"
        ),
        MenuItem(
            _("BOM change check"), "design:bom_change_impact", "design.view_qualificationprogramme"
        ),
        MenuItem(_("Change requests"), "design:changerequest_list", "design.view_changerequest"),
    ],
)

"""Menu entries of the manufacturing quality platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import Menu, MenuItem

menu = Menu(
    key="manufacturing",
    number="7.5",
    label=_("Manufacturing quality"),
    short_label=_("Manufacturing"),
    description=_("Inspection plans and records, SPC, holds and MRB, yield, flash test and EL."),
    items=[
        MenuItem(_("Overview"), "manufacturing:index"),
        MenuItem(
            _("SPC charts"),
            "manufacturing:spcchartconfig_list",
            "manufacturing.view_spcchartconfig",
        ),
        MenuItem(
            _("SPC violations"),
            "manufacturing:spcviolation_list",
            "manufacturing.view_spcviolation",
        ),
        MenuItem(
            _("Inspection plans"),
            "manufacturing:inspectionplan_list",
            "manufacturing.view_inspectionplan",
        ),
        MenuItem(
            _("Inspection lots"),
            "manufacturing:inspectionlot_list",
            "manufacturing.view_inspectionlot",
        ),
        MenuItem(
            _("Inspections due"),
            "manufacturing:inspections_due",
            "manufacturing.view_inspectionplan",
        ),
        MenuItem(_("Holds"), "manufacturing:hold_list", "manufacturing.view_hold"),
        MenuItem(
            _("MRB dispositions"),
            "manufacturing:mrbdisposition_list",
            "manufacturing.view_mrbdisposition",
        ),
        MenuItem(
            _("Binning rules"),
            "manufacturing:binningrule_list",
            "manufacturing.view_binningrule",
        ),
        MenuItem(
            _("Module releases"),
            "manufacturing:modulerelease_list",
            "manufacturing.view_modulerelease",
        ),
        MenuItem(_("OQC desk"), "manufacturing:oqc_desk", "manufacturing.view_modulerelease"),
        MenuItem(_("Yield"), "manufacturing:yield", "data.view_flashtest"),
    ],
)

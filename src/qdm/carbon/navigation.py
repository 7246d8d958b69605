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
        MenuItem(_("Factor libraries"), "carbon:factorlibrary_list", "carbon.view_factorlibrary"),
        MenuItem(_("Emission factors"), "carbon:emissionfactor_list", "carbon.view_emissionfactor"),
        MenuItem(_("Supplier factors"), "carbon:supplierfactor_list", "carbon.view_supplierfactor"),
        MenuItem(_("Activity data"), "carbon:activityrecord_list", "carbon.view_activityrecord"),
        MenuItem(
            _("Product footprints"), "carbon:productfootprint_list", "carbon.view_productfootprint"
        ),
        MenuItem(
            _("Carbon declarations"),
            "carbon:carbondeclaration_list",
            "carbon.view_carbondeclaration",
        ),
        MenuItem(_("What-if"), "carbon:whatif", "carbon.view_productfootprint"),
        MenuItem(_("Corporate inventory"), "carbon:inventory", "carbon.view_activityrecord"),
        MenuItem(_("ECS tables"), "carbon:ecstableversion_list", "carbon.view_ecstableversion"),
        MenuItem(_("Carbon targets"), "carbon:carbontarget_list", "carbon.view_carbontarget"),
        MenuItem(_("Target trend"), "carbon:target_trend", "carbon.view_carbontarget"),
    ],
)

"""Menu entries of the supplier quality platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import INTERNAL, SUPPLIER, Menu, MenuItem

#: the supplier portal: what external supplier users see (their own records, by scope)
PORTAL = (INTERNAL, SUPPLIER)

menu = Menu(
    key="supplier",
    number="7.3",
    label=_("Supplier quality"),
    short_label=_("Suppliers"),
    description=_("Approved suppliers, IQC sampling, SCAR, scorecards and the supplier portal."),
    items=[
        MenuItem(_("Overview"), "supplier:index", audiences=PORTAL),
        # a supplier user lands on their own configurable widget page (issue 10 §7): their
        # SCARs, IQC results and scorecard, drawn by the cockpit from this platform's selectors
        MenuItem(_("My home page"), "cockpit:my_home", audiences=(SUPPLIER,), landing=True),
        MenuItem(
            _("Supplier portal"),
            "supplier:portal",
            "supplier.view_receipt",
            audiences=PORTAL,
        ),
        MenuItem(
            _("Receipts and IQC"),
            "supplier:receipt_list",
            "supplier.view_receipt",
            audiences=PORTAL,
        ),
        MenuItem(
            _("Switching states"), "supplier:switchingstate_list", "supplier.view_switchingstate"
        ),
        MenuItem(
            _("SCARs"), "supplier:scarrequest_list", "supplier.view_scarrequest", audiences=PORTAL
        ),
        MenuItem(
            _("Scorecards"), "supplier:scorecard_list", "supplier.view_scorecard", audiences=PORTAL
        ),
        MenuItem(
            _("Certificates"),
            "supplier:certificate_list",
            "supplier.view_certificate",
            audiences=PORTAL,
        ),
        MenuItem(
            _("Supplier profiles"), "supplier:supplierprofile_list", "supplier.view_supplierprofile"
        ),
        MenuItem(
            _("Approved supplier list"),
            "supplier:approvedmaterial_list",
            "supplier.view_approvedmaterial",
        ),
        MenuItem(_("Plants"), "supplier:supplierplant_list", "supplier.view_supplierplant"),
        MenuItem(_("Contacts"), "supplier:suppliercontact_list", "supplier.view_suppliercontact"),
        MenuItem(
            _("Scorecard weights"),
            "supplier:scorecardweights_list",
            "supplier.view_scorecardweights",
        ),
    ],
)

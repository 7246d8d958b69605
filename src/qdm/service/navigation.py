"""Menu entries of the customer-service quality platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import CUSTOMER, INTERNAL, Menu, MenuItem

#: what external customer users see (their own complaints and returns, by scope)
CUSTOMERS = (INTERNAL, CUSTOMER)

menu = Menu(
    key="service",
    number="7.6",
    label=_("Customer-service quality"),
    short_label=_("Service"),
    description=_("Customers and projects, complaints, RMA, warranty and field reliability."),
    items=[
        MenuItem(_("Overview"), "service:index", audiences=CUSTOMERS),
        MenuItem(
            _("Complaints"),
            "service:complaint_list",
            "service.view_complaint",
            audiences=CUSTOMERS,
        ),
        MenuItem(
            _("Complaint serials"),
            "service:complaintitem_list",
            "service.view_complaintitem",
            audiences=CUSTOMERS,
        ),
        MenuItem(
            _("Returned modules (RMA)"),
            "service:returnedmodule_list",
            "service.view_returnedmodule",
            audiences=CUSTOMERS,
        ),
        MenuItem(
            _("Satisfaction and complaint ppm"),
            "service:satisfaction",
            "service.view_satisfactionsurvey",
        ),
        MenuItem(
            _("Satisfaction surveys"),
            "service:satisfactionsurvey_list",
            "service.view_satisfactionsurvey",
        ),
        MenuItem(_("Field reliability (Weibull)"), "service:field_reliability", "data.view_unit"),
        MenuItem(
            _("Projects"), "service:project_list", "service.view_project", audiences=CUSTOMERS
        ),
        MenuItem(
            _("Customer profiles"), "service:customerprofile_list", "service.view_customerprofile"
        ),
        MenuItem(
            _("Customer requirements"),
            "service:customerrequirement_list",
            "service.view_customerrequirement",
            audiences=CUSTOMERS,
        ),
        MenuItem(
            _("Warranty contracts"),
            "service:warrantycontract_list",
            "service.view_warrantycontract",
            audiences=CUSTOMERS,
        ),
        MenuItem(
            _("Customer requirements check"),
            "service:requirement_check",
            "service.view_customerrequirement",
        ),
        MenuItem(_("Modules at risk (suspect lot)"), "service:at_risk", "data.view_unit"),
    ],
)

"""Menu entries of the management-system foundation platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import Menu, MenuItem

menu = Menu(
    key="system",
    number="7.2",
    label=_("Management-system foundation"),
    short_label=_("System"),
    description=_(
        "Integrated management systems, controlled documents, nonconformities, CAPA and 8D, "
        "audits, management review."
    ),
    items=[
        MenuItem(_("Overview"), "system:index"),
        MenuItem(_("Nonconformities"), "system:nonconformity_list", "system.view_nonconformity"),
        MenuItem(
            _("Raise a nonconformity"), "system:nonconformity_report", "system.add_nonconformity"
        ),
        MenuItem(_("CAPA and 8D"), "system:eightd_list", "system.view_eightd"),
        MenuItem(_("CAPA actions"), "system:capaaction_list", "system.view_capaaction"),
        MenuItem(
            _("Controlled documents"),
            "system:controlleddocument_list",
            "system.view_controlleddocument",
        ),
        MenuItem(
            _("Document revisions"), "system:documentrevision_list", "system.view_documentrevision"
        ),
    ],
)

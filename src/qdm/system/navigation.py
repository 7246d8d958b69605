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
            _("Documents due for review"),
            "system:controlleddocument_due",
            "system.view_controlleddocument",
        ),
        MenuItem(
            _("Document revisions"), "system:documentrevision_list", "system.view_documentrevision"
        ),
        MenuItem(
            _("Management systems"), "system:managementsystem_list", "system.view_managementsystem"
        ),
        MenuItem(_("Processes"), "system:process_list", "system.view_process"),
        MenuItem(_("Process × system matrix"), "system:ims_matrix", "system.view_process"),
        MenuItem(_("Certificates"), "system:certificate_list", "system.view_certificate"),
        MenuItem(_("Audit programmes"), "system:auditprogramme_list", "system.view_auditprogramme"),
        MenuItem(_("Internal audits"), "system:audit_list", "system.view_audit"),
        MenuItem(_("Audit findings"), "system:finding_list", "system.view_finding"),
        MenuItem(
            _("Management reviews"), "system:managementreview_list", "system.view_managementreview"
        ),
        MenuItem(
            _("Quality objectives"), "system:qualityobjective_list", "system.view_qualityobjective"
        ),
        MenuItem(_("Responsibility matrix"), "system:post_list", "system.view_post"),
    ],
)

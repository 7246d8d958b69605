import django_tables2 as tables

from qdm.core.tables import BaseTable
from qdm.service.models import (
    Complaint,
    ComplaintItem,
    CustomerProfile,
    CustomerRequirement,
    Project,
    ReturnedModule,
    SatisfactionSurvey,
    WarrantyContract,
)


class CustomerProfileTable(BaseTable):
    customer = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = CustomerProfile
        fields = ("customer", "region", "segment", "language", "contact_name")


class ProjectTable(BaseTable):
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Project
        fields = ("name", "customer", "country", "location", "capacity_mwp", "commissioning_date")


class ComplaintTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Complaint
        fields = (
            "number",
            "customer",
            "project",
            "title",
            "severity",
            "responsibility",
            "status",
            "received_on",
            "sla_due",
        )


class ComplaintItemTable(BaseTable):
    serial = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ComplaintItem
        fields = ("serial", "complaint", "symptom", "notes")


class ReturnedModuleTable(BaseTable):
    number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ReturnedModule
        fields = (
            "number",
            "item",
            "status",
            "received_on",
            "factory_pmax_w",
            "retest_pmax_w",
            "warranty_valid",
            "decision",
            "cost",
        )


class SatisfactionSurveyTable(BaseTable):
    period = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = SatisfactionSurvey
        fields = (
            "period",
            "customer",
            "region",
            "country",
            "respondent",
            "product_quality",
            "delivery",
            "complaint_handling",
            "technical_support",
            "documents",
            "nps",
        )


class CustomerRequirementTable(BaseTable):
    customer = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = CustomerRequirement
        fields = (
            "customer",
            "project",
            "module_model",
            "version",
            "effective_from",
            "effective_to",
            "allowed_classes_w",
            "max_el_grade",
        )


class WarrantyContractTable(BaseTable):
    reference = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = WarrantyContract
        fields = (
            "reference",
            "version",
            "customer",
            "project",
            "module_model",
            "effective_from",
            "product_years",
            "power_years",
            "first_year_loss_pct",
            "annual_loss_pct",
        )

"""Generic pages (list, detail, create, edit) of the customer-service models."""

from typing import Any

from django.urls import reverse

from qdm.core.views.generic import ModelUI
from qdm.service import filtersets as fs
from qdm.service import forms as f
from qdm.service import tables as t
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
from qdm.service.services.complaints import create_complaint, update_complaint
from qdm.service.services.customers import save_profile, save_project, save_survey
from qdm.service.services.requirements import save_contract, save_requirement
from qdm.service.services.returns import save_return


def save_complaint(form: Any, user: Any) -> Complaint:
    if form.instance.pk:
        return update_complaint(form.instance, actor=user, **form.cleaned_data)
    return create_complaint(actor=user, **form.cleaned_data)


def complaint_context(obj: Complaint, user: Any) -> dict[str, Any]:
    from django.db.models import Count

    items = obj.items.all()
    internal = user.has_perm("system.view_eightd")
    can_change = user.has_perm("service.change_complaint", obj)
    return {
        "items": items[:200],
        "item_count": items.count(),
        "symptoms": items.values("symptom").annotate(n=Count("id")).order_by("-n"),
        "can_intake": user.has_perm("service.add_complaintitem")
        and obj.status not in ("closed", "rejected"),
        "intake_url": reverse("service:complaint_intake", args=[obj.pk]),
        "analysis_url": reverse("service:complaint_analysis", args=[obj.pk]),
        "can_analyse": internal,
        "can_take": can_change
        and obj.owner_id != user.pk
        and obj.status not in ("closed", "rejected"),
        "can_open_8d": can_change and user.has_perm("system.add_eightd") and not obj.capa_id,
        "capa": obj.capa if obj.capa_id else None,
        # customers follow their 8D through the complaint; staff open the system record
        "capa_url": obj.capa.get_absolute_url() if internal and obj.capa is not None else None,
        "progress_url": reverse("service:complaint_8d_progress", args=[obj.pk]),
        "overdue": obj.overdue,
        **assign_context(obj, user, can_change),
        **field_context(obj, user),
    }


def assign_context(obj: Complaint, user: Any, can_change: bool) -> dict[str, Any]:
    from qdm.core.models import User
    from qdm.core.views.generic import style_form
    from qdm.service.forms import AssignForm
    from qdm.service.services.assignment import assignable_users

    if not can_change or obj.status in ("closed", "rejected"):
        return {"can_assign": False}
    users = [u.pk for u in assignable_users(obj) if u.pk != obj.owner_id]
    form = AssignForm(users=User.objects.filter(pk__in=users))
    return {"can_assign": bool(users), "assign_form": style_form(form)}


def field_context(obj: Complaint, user: Any) -> dict[str, Any]:
    """The field-vs-factory comparison of the serials measured in the field."""
    from qdm.service.services import field

    if not user.has_perm("service.view_fieldmeasurement"):
        return {"field_url": None}
    rows = [field.as_row(c) for c in field.compare(obj, measured_only=True)]
    return {
        "field_url": reverse("service:complaint_field", args=[obj.pk]),
        "field_rows": rows[:50],
        "field_count": len(rows),
        "field_confirmed": sum(1 for r in rows if (r["confirmed_loss_pct"] or 0) > 0),
    }


def project_context(obj: Project, user: Any) -> dict[str, Any]:
    from qdm.data.models import Unit

    shipments = Unit.objects.filter(
        kind="shipment", customer_id=obj.customer_id, project=obj.name
    ).order_by("-produced_at")
    complaints = Complaint.objects.for_user(user, "view").filter(project=obj)
    return {
        "shipments": shipments.values("code", "produced_at", "quantity")[:100],
        "shipment_count": shipments.count(),
        "complaints": complaints[:50],
    }


MODEL_UIS = [
    ModelUI(
        WarrantyContract,
        t.WarrantyContractTable,
        fs.WarrantyContractFilterSet,
        f.WarrantyContractForm,
        saver=save_contract,
    ),
    ModelUI(
        CustomerRequirement,
        t.CustomerRequirementTable,
        fs.CustomerRequirementFilterSet,
        f.CustomerRequirementForm,
        saver=save_requirement,
    ),
    ModelUI(
        CustomerProfile,
        t.CustomerProfileTable,
        fs.CustomerProfileFilterSet,
        f.CustomerProfileForm,
        saver=save_profile,
    ),
    ModelUI(
        Project,
        t.ProjectTable,
        fs.ProjectFilterSet,
        f.ProjectForm,
        saver=save_project,
        detail_template="service/project_detail.html",
        extra_context=project_context,
    ),
    ModelUI(
        Complaint,
        t.ComplaintTable,
        fs.ComplaintFilterSet,
        f.ComplaintForm,
        saver=save_complaint,
        detail_template="service/complaint_detail.html",
        extra_context=complaint_context,
        detail_fields=(
            "number",
            "status",
            "customer",
            "project",
            "title",
            "description",
            "received_on",
            "severity",
            "responsibility",
            "sla_due",
            "owner",
            "escalation_level",
            "resolution",
            "capa",
            "reported_by",
            "created_at",
            "closed_at",
        ),
    ),
    ModelUI(ComplaintItem, t.ComplaintItemTable, fs.ComplaintItemFilterSet),
    ModelUI(
        ReturnedModule,
        t.ReturnedModuleTable,
        fs.ReturnedModuleFilterSet,
        f.ReturnedModuleForm,
        saver=save_return,
        detail_fields=(
            "number",
            "status",
            "item",
            "received_on",
            "factory_pmax_w",
            "retest_pmax_w",
            "uncertainty_pct",
            "retest_el_grade",
            "visual_findings",
            "nameplate_w",
            "age_years",
            "guaranteed_w",
            "warranty_valid",
            "shortfall_w",
            "warranty_contract",
            "product_covered",
            "decision",
            "cost",
        ),
    ),
    ModelUI(
        SatisfactionSurvey,
        t.SatisfactionSurveyTable,
        fs.SatisfactionSurveyFilterSet,
        f.SatisfactionSurveyForm,
        saver=save_survey,
    ),
]

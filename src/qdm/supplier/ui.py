"""The supplier platform's models wired to the generic views."""

from __future__ import annotations

from typing import Any

from qdm.core.views.generic import ModelUI
from qdm.supplier import filtersets as f
from qdm.supplier import forms, tables
from qdm.supplier.models import (
    ApprovedMaterial,
    Certificate,
    Receipt,
    ScarRequest,
    Scorecard,
    ScorecardWeights,
    SupplierContact,
    SupplierPlant,
    SupplierProfile,
    SwitchingState,
)
from qdm.supplier.services.certificates import save_certificate
from qdm.supplier.services.common import may
from qdm.supplier.services.profiles import save_record


def _save_certificate(form: Any, user: Any) -> Certificate:
    data = dict(form.cleaned_data)
    upload = data.pop("file", None)
    instance = form.instance if form.instance.pk else None
    return save_certificate(actor=user, instance=instance, upload=upload, **data)


def _switching_context(obj: SwitchingState, user: Any) -> dict[str, Any]:
    from qdm.supplier.services.coa import comparisons_for

    return {
        "coa": comparisons_for(obj.supplier, obj.material),
        "events": obj.events.select_related("receipt", "actor").order_by("-at", "-pk")[:200],
        "can_approve": may(user, "supplier.approve_switchingstate", obj),
        "counters": obj.state,
    }


def _scorecard_context(obj: Scorecard, user: Any) -> dict[str, Any]:
    from qdm.supplier.services.scorecards import active_weights, scorecard_trend

    weights = active_weights()
    trend = scorecard_trend(Scorecard.objects.for_user(user, "view"), obj)
    trend["limits"] = {"A": weights.grade_a, "B": weights.grade_b, "C": weights.grade_c}
    rows = zip(
        trend["months"],
        trend["score"],
        trend["grade"],
        trend["ppm"],
        trend["acceptance"],
        strict=True,
    )
    return {"trend": trend, "trend_rows": list(rows)}


def _receipt_context(obj: Receipt, user: Any) -> dict[str, Any]:
    scar = ScarRequest.objects.for_user(user, "view").filter(receipt=obj).first()
    from qdm.supplier.models import CoaValue

    return {
        "coa_values": CoaValue.objects.for_user(user, "view")
        .filter(receipt=obj)
        .select_related("characteristic"),
        "can_upload_coa": may(user, "supplier.add_coavalue"),
        "scar": scar,
        "can_raise_scar": obj.status == "rejected"
        and scar is None
        and user.has_perm("supplier.add_scarrequest", obj),
        "can_declare_origin": obj.needs_origin and user.has_perm("supplier.change_receipt", obj),
        "origin_form": forms.OriginForm(
            initial={
                "producer": obj.origin_producer,
                "plant": obj.origin_plant,
                "lot": obj.origin_lot,
            }
        ),
    }


def _scar_context(obj: ScarRequest, user: Any) -> dict[str, Any]:
    capa = obj.capa
    return {
        "capa": capa,
        "root_causes": capa.root_causes.all(),
        "actions": capa.actions.select_related("owner"),
        "can_answer": obj.response_status in ("awaiting", "returned")
        and may(user, "supplier.respond_scarrequest", obj),
        "can_review": obj.response_status == "submitted"
        and may(user, "supplier.review_scarrequest", obj),
        "answer_form": forms.ScarAnswerForm(),
        "review_form": forms.ReviewForm(),
        "events": [],
    }


MODEL_UIS = [
    ModelUI(
        SupplierProfile,
        tables.SupplierProfileTable,
        f.SupplierProfileFilterSet,
        forms.SupplierProfileForm,
        saver=save_record,
    ),
    ModelUI(
        SupplierPlant,
        tables.SupplierPlantTable,
        f.SupplierPlantFilterSet,
        forms.SupplierPlantForm,
        saver=save_record,
    ),
    ModelUI(
        SupplierContact,
        tables.SupplierContactTable,
        f.SupplierContactFilterSet,
        forms.SupplierContactForm,
        saver=save_record,
    ),
    ModelUI(
        ApprovedMaterial,
        tables.ApprovedMaterialTable,
        f.ApprovedMaterialFilterSet,
        forms.ApprovedMaterialForm,
        saver=save_record,
    ),
    ModelUI(
        Certificate,
        tables.CertificateTable,
        f.CertificateFilterSet,
        forms.CertificateForm,
        saver=_save_certificate,
    ),
    ModelUI(
        SwitchingState,
        tables.SwitchingStateTable,
        f.SwitchingStateFilterSet,
        detail_template="supplier/switchingstate_detail.html",
        extra_context=_switching_context,
        detail_fields=("supplier", "material", "severity", "reduced_pending", "updated"),
    ),
    ModelUI(
        Receipt,
        tables.ReceiptTable,
        f.ReceiptFilterSet,
        detail_template="supplier/receipt_detail.html",
        extra_context=_receipt_context,
    ),
    ModelUI(
        ScarRequest,
        tables.ScarRequestTable,
        f.ScarRequestFilterSet,
        detail_template="supplier/scarrequest_detail.html",
        extra_context=_scar_context,
    ),
    ModelUI(
        Scorecard,
        tables.ScorecardTable,
        f.ScorecardFilterSet,
        detail_template="supplier/scorecard_detail.html",
        extra_context=_scorecard_context,
    ),
    ModelUI(
        ScorecardWeights,
        tables.ScorecardWeightsTable,
        f.ScorecardWeightsFilterSet,
        forms.ScorecardWeightsForm,
        saver=save_record,
    ),
]

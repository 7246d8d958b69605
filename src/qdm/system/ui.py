from typing import Any

from qdm.core.views.generic import ModelUI
from qdm.system import filtersets as fs
from qdm.system import forms as f
from qdm.system import tables as t
from qdm.system.choices import CapaKind, Discipline
from qdm.system.models import (
    CapaAction,
    ControlledDocument,
    DocumentRevision,
    EightD,
    Nonconformity,
    RevisionFile,
    RootCause,
    TeamMember,
    Verification,
)
from qdm.system.services.capa import open_capa, save_capa_part, update_capa
from qdm.system.services.documents import (
    file_for,
    not_acknowledged,
    reader_language,
    save_document,
    save_language_file,
    save_revision,
)
from qdm.system.services.nonconformity import raise_nonconformity, update_nonconformity


def save_nonconformity(form: Any, user: Any) -> Nonconformity:
    if form.instance.pk:
        return update_nonconformity(form.instance, actor=user, **form.cleaned_data)
    return raise_nonconformity(actor=user, **form.cleaned_data)


def nonconformity_context(obj: Nonconformity, user: Any) -> dict[str, Any]:
    return {
        "units": obj.units.all().order_by("code"),
        "capas": EightD.objects.for_user(user, "view").filter(nonconformities=obj),
        "can_open_capa": user.has_perm("system.add_eightd"),
        "capa_kinds": CapaKind.choices,
    }


def save_eightd(form: Any, user: Any) -> EightD:
    if form.instance.pk:
        return update_capa(form.instance, actor=user, **form.cleaned_data)
    return open_capa(actor=user, **form.cleaned_data)


def eightd_context(obj: EightD, user: Any) -> dict[str, Any]:
    actions = obj.actions.select_related("owner", "root_cause", "target_site")
    editable = not obj.is_locked
    return {
        "locked": obj.is_locked,
        "team": obj.team.select_related("user"),
        "root_causes": obj.root_causes.all(),
        "containment": [a for a in actions if a.discipline == Discipline.CONTAINMENT],
        "corrective": [a for a in actions if a.discipline == Discipline.CORRECTIVE],
        "preventive": [a for a in actions if a.discipline == Discipline.PREVENTIVE],
        "verifications": obj.verifications.select_related("verified_by"),
        "nonconformities": obj.nonconformities.all(),
        "can_add_team": editable and user.has_perm("system.add_teammember"),
        "can_add_cause": editable and user.has_perm("system.add_rootcause"),
        "can_add_action": editable and user.has_perm("system.add_capaaction"),
        "can_add_verification": editable and user.has_perm("system.add_verification"),
        "can_edit": editable and user.has_perm("system.change_eightd", obj),
    }


def save_part(form: Any, user: Any) -> Any:
    return save_capa_part(form.save(commit=False), actor=user)


def save_controlled_document(form: Any, user: Any) -> ControlledDocument:
    return save_document(
        form.instance if form.instance.pk else None, actor=user, **form.cleaned_data
    )


def document_context(obj: ControlledDocument, user: Any) -> dict[str, Any]:
    revisions = DocumentRevision.objects.for_user(user, "view").filter(document=obj)
    effective = obj.effective_revision
    return {
        **language_files(effective, user),
        "revisions": revisions,
        "effective": effective,
        "pending": not_acknowledged(effective) if effective else [],
        "can_add_revision": user.has_perm("system.add_documentrevision"),
    }


def language_files(revision: DocumentRevision | None, user: Any) -> dict[str, Any]:
    """The revision's language files the user may see, and the one to read: the user's
    language, else the other."""
    if revision is None:
        return {"language_files": [], "reader_file": None}
    visible = RevisionFile.objects.for_user(user, "view").filter(revision=revision)
    chosen = file_for(revision, reader_language(user))
    return {
        "language_files": visible.select_related("attachment"),
        "reader_file": chosen if chosen and visible.filter(pk=chosen.pk).exists() else None,
    }


def save_revision_file(form: Any, user: Any) -> RevisionFile:
    data = dict(form.cleaned_data)
    upload = data.pop("upload", None)
    instance = form.instance if form.instance.pk else None
    return save_language_file(instance, actor=user, upload=upload, **data)


def save_document_revision(form: Any, user: Any) -> DocumentRevision:
    instance = form.instance if form.instance.pk else None
    return save_revision(instance, actor=user, **form.cleaned_data)


def revision_context(obj: DocumentRevision, user: Any) -> dict[str, Any]:
    distributed = obj.document.distributed_to.filter(pk=user.pk).exists()
    acknowledged = obj.acknowledgements.select_related("user")
    return {
        **language_files(obj, user),
        "can_add_file": obj.is_editable and user.has_perm("system.add_revisionfile"),
        "acknowledged": acknowledged,
        "pending": not_acknowledged(obj) if obj.status == "effective" else [],
        "can_acknowledge": obj.status == "effective"
        and distributed
        and not acknowledged.filter(user=user).exists(),
        "editable": obj.is_editable,
    }


MODEL_UIS = [
    ModelUI(
        Nonconformity,
        t.NonconformityTable,
        fs.NonconformityFilterSet,
        f.NonconformityForm,
        saver=save_nonconformity,
        detail_template="system/nonconformity_detail.html",
        extra_context=nonconformity_context,
        detail_fields=(
            "number",
            "status",
            "site",
            "source",
            "severity",
            "title",
            "description",
            "item",
            "lots",
            "quantity",
            "supplier",
            "containment",
            "disposition",
            "raised_by",
            "owner",
            "raised_at",
            "closed_at",
        ),
    ),
    ModelUI(
        EightD,
        t.EightDTable,
        fs.EightDFilterSet,
        f.EightDForm,
        saver=save_eightd,
        detail_template="system/eightd_detail.html",
        extra_context=eightd_context,
        detail_fields=(
            "number",
            "kind",
            "status",
            "site",
            "supplier",
            "customer",
            "title",
            "champion",
            "due_date",
            "opened_by",
            "opened_at",
            "closed_at",
        ),
    ),
    ModelUI(
        TeamMember, t.TeamMemberTable, fs.TeamMemberFilterSet, f.TeamMemberForm, saver=save_part
    ),
    ModelUI(RootCause, t.RootCauseTable, fs.RootCauseFilterSet, f.RootCauseForm, saver=save_part),
    ModelUI(
        CapaAction,
        t.CapaActionTable,
        fs.CapaActionFilterSet,
        f.CapaActionForm,
        saver=save_part,
        detail_fields=(
            *f.CAPA_ACTION_FIELDS,
            "completed_at",
            "escalation_level",
            "escalated_at",
        ),
    ),
    ModelUI(
        Verification,
        t.VerificationTable,
        fs.VerificationFilterSet,
        f.VerificationForm,
        saver=save_part,
    ),
    ModelUI(
        ControlledDocument,
        t.ControlledDocumentTable,
        fs.ControlledDocumentFilterSet,
        f.ControlledDocumentForm,
        saver=save_controlled_document,
        detail_template="system/controlleddocument_detail.html",
        extra_context=document_context,
    ),
    ModelUI(
        DocumentRevision,
        t.DocumentRevisionTable,
        fs.DocumentRevisionFilterSet,
        f.DocumentRevisionForm,
        saver=save_document_revision,
        detail_template="system/documentrevision_detail.html",
        extra_context=revision_context,
        detail_fields=(
            "document",
            "revision",
            "status",
            "change_summary",
            "author",
            "approved_by",
            "created_at",
            "effective_at",
            "obsoleted_at",
        ),
    ),
]

MODEL_UIS.append(
    ModelUI(
        RevisionFile,
        t.RevisionFileTable,
        fs.RevisionFileFilterSet,
        f.RevisionFileForm,
        saver=save_revision_file,
        detail_fields=("revision", "language", "title", "attachment"),
    )
)

# the integrated management system, audits, management review, responsibility matrix
from qdm.system.ui_ims import IMS_MODEL_UIS  # noqa: E402

MODEL_UIS += IMS_MODEL_UIS

"""Engineering changes: creation with the kernel numbering, edits before approval, the
automatic impact assessment, handling of impact rows, and the effectivity in the genealogy
(modules built before and after the change)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.data.models import Unit
from qdm.data.trace.queries import walk
from qdm.design.models import ChangeImpact, ChangeRequest, ControlPlan, Fmea
from qdm.design.models.change import CHANGE_PREFIX, FROZEN_STATES, ChangeKind, ImpactArea
from qdm.design.services.qualification import invalidated_by
from qdm.manufacturing import selectors as mfg

GROUP_CODE = "GRP"
EXCLUDE = ["created_by", "number", "module_models", "materials"]
LIVE_FMEA = ("draft", "review", "released")
LIVE_PLAN = ("draft", "released")


def _set_m2m(change: ChangeRequest, module_models: Any, materials: Any) -> None:
    if module_models is not None:
        change.module_models.set(module_models)
    if materials is not None:
        change.materials.set(materials)


def create_change(
    *, actor: Any, module_models: Any = None, materials: Any = None, **fields: Any
) -> ChangeRequest:
    """A draft change request numbered ``ECR-<site or GRP>-<year>-<seq>``."""
    with transaction.atomic():
        change = ChangeRequest(created_by=actor, **fields)
        change.number = next_number(CHANGE_PREFIX, change.site.code if change.site else GROUP_CODE)
        change.full_clean(exclude=EXCLUDE)
        change.save()
        _set_m2m(change, module_models, materials)
        _check_subject(change)
        record_event(
            change,
            "created",
            actor=actor,
            message=_("Created %(number)s (%(kind)s)")
            % {"number": change.number, "kind": change.get_kind_display()},
        )
    return change


def _check_subject(change: ChangeRequest) -> None:
    if change.kind == ChangeKind.MATERIAL and not change.materials.exists():
        raise ValidationError(
            {"materials": _("A material change must name the changed material(s).")},
            code="no_material",
        )
    if change.kind == ChangeKind.PRODUCT and not change.module_models.exists():
        raise ValidationError(
            {"module_models": _("A product change must name the module model(s) it changes.")},
            code="no_module_model",
        )


def update_change(
    change: ChangeRequest,
    *,
    actor: Any,
    module_models: Any = None,
    materials: Any = None,
    **fields: Any,
) -> ChangeRequest:
    """Edit a change. Before approval every field; afterwards only the implementation date
    and the effectivity (until closed)."""
    with transaction.atomic():
        stored = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        change.status = stored.status
        late = {"implementation_date", "effective_from", "first_serial", "first_lot"}
        changed = {name for name, value in fields.items() if getattr(stored, name) != value}
        if module_models is not None and set(module_models) != set(stored.module_models.all()):
            changed.add("module_models")
        if materials is not None and set(materials) != set(stored.materials.all()):
            changed.add("materials")
        params = {"number": stored.number, "status": stored.get_status_display()}
        if stored.status in ("closed", "rejected") and changed:
            raise ValidationError(
                _("%(number)s is %(status)s and can no longer be changed.") % params,
                code="change_frozen",
            )
        if stored.status in FROZEN_STATES and changed - late:
            raise ValidationError(
                _(
                    "%(number)s is %(status)s: only the implementation date and the "
                    "effectivity can still change."
                )
                % params,
                code="change_frozen",
            )
        for name, value in fields.items():
            setattr(change, name, value)
        change.full_clean(exclude=EXCLUDE)
        change.save()
        if change.status not in FROZEN_STATES:
            _set_m2m(change, module_models, materials)
            _check_subject(change)
    return change


# --- impact assessment ---------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    area: str
    object_id: int | None
    reference: str
    detail: str
    url: str = ""


def _models(change: ChangeRequest) -> list[Any]:
    return list(change.module_models.all())


def _fmeas(change: ChangeRequest, models: list[Any]) -> Iterator[Impact]:
    rows = Fmea.objects.filter(status__in=LIVE_FMEA)
    query = Q(product__in=models)
    if change.kind == ChangeKind.PROCESS and change.site_id:
        query |= Q(kind="pfmea", site_id=change.site_id)
    if change.site_id:
        rows = rows.filter(Q(site_id=change.site_id) | Q(site__isnull=True))
    for fmea in rows.filter(query).order_by("number", "revision"):
        yield Impact(
            ImpactArea.FMEA,
            fmea.pk,
            f"{fmea.number} rev {fmea.revision}",
            _("%(kind)s of %(product)s: review the failure chains the change touches.")
            % {"kind": fmea.get_kind_display(), "product": fmea.product or fmea.site},
            fmea.get_absolute_url(),
        )


def _control_plans(change: ChangeRequest, models: list[Any]) -> list[ControlPlan]:
    plans = ControlPlan.objects.filter(status__in=LIVE_PLAN, product__in=models)
    if change.site_id:
        plans = plans.filter(site_id=change.site_id)
    return list(plans.select_related("site").order_by("number", "revision"))


def _inspection_plans(change: ChangeRequest, plans: list[ControlPlan]) -> Iterator[Impact]:
    seen: set[int] = set()
    for plan in plans:  # the IPQA plans the control plans were published as
        latest = mfg.inspection_plan_versions(plan.number).first()
        if latest is not None and latest.pk not in seen:
            seen.add(latest.pk)
            yield Impact(
                ImpactArea.INSPECTION_PLAN,
                latest.pk,
                str(latest),
                _("Published from control plan %(plan)s.") % {"plan": plan.number},
                latest.get_absolute_url(),
            )
    if change.kind != ChangeKind.MATERIAL:
        return
    from qdm.core.models import Site

    sites = [change.site] if change.site_id else list(Site.objects.order_by("code"))
    for material in change.materials.order_by("code"):
        for site in sites:  # the incoming-inspection plans of the changed materials
            iqc = mfg.iqc_plan_for(site, material)
            if iqc is not None and iqc.pk not in seen and site is not None:
                seen.add(iqc.pk)
                yield Impact(
                    ImpactArea.INSPECTION_PLAN,
                    iqc.pk,
                    str(iqc),
                    _("Incoming inspection of %(material)s at %(site)s.")
                    % {"material": material.code, "site": site.code},
                    iqc.get_absolute_url(),
                )


def _qualification(change: ChangeRequest, models: list[Any]) -> Iterator[Impact]:
    from qdm.design.models import Certificate, QualificationProgramme

    if change.kind == ChangeKind.MATERIAL:
        reports = [
            invalidated_by(material=m, module_models=models or None)
            for m in change.materials.select_related("category").order_by("code")
        ]
        seen: set[tuple[str, int]] = set()
        for report in reports:
            for area, rows in (
                (ImpactArea.PROGRAMME, report.programmes),
                (ImpactArea.CERTIFICATE, report.certificates),
            ):
                for row in rows:
                    if (area, row.obj.pk) in seen:
                        continue
                    seen.add((area, row.obj.pk))
                    yield Impact(
                        area,
                        row.obj.pk,
                        str(row.obj),
                        _("Qualified with %(materials)s; repeat: %(sequences)s.")
                        % {
                            "materials": ", ".join(m.code for m in row.materials),
                            "sequences": ", ".join(row.retest) or "—",
                        },
                        row.obj.get_absolute_url(),
                    )
        return
    if change.kind != ChangeKind.PRODUCT:
        return
    today = timezone.localdate()
    certs = Certificate.objects.filter(withdrawn=False, module_models__in=models).exclude(
        expiry_date__lt=today
    )
    for cert in certs.distinct().order_by("number"):
        yield Impact(
            ImpactArea.CERTIFICATE,
            cert.pk,
            str(cert),
            _("Covers a changed module model: the design change needs the body's review."),
            cert.get_absolute_url(),
        )
    for programme in QualificationProgramme.objects.filter(module_model__in=models).order_by(
        "number"
    ):
        yield Impact(
            ImpactArea.PROGRAMME,
            programme.pk,
            str(programme),
            _("Qualified the changed module model."),
            programme.get_absolute_url(),
        )


def _customers(change: ChangeRequest, models: list[Any]) -> Iterator[Impact]:
    """Customers who received modules of the changed models (shipment ← pallet ← module)."""
    if not models:
        return
    shipments = Unit.objects.filter(
        kind="shipment",
        customer__isnull=False,
        made_from__parent__made_from__parent__module_model__in=models,
    )
    if change.site_id:
        shipments = shipments.filter(site_id=change.site_id)
    from qdm.core.models import Customer

    for customer in Customer.objects.filter(pk__in=shipments.values("customer_id")).order_by(
        "code"
    ):
        yield Impact(
            ImpactArea.CUSTOMER,
            customer.pk,
            customer.code,
            _("Received modules of %(models)s: notify before the change is shipped.")
            % {"models": ", ".join(m.code for m in models)},
        )


def _suppliers(change: ChangeRequest) -> Iterator[Impact]:
    """Suppliers of the changed materials (from the material lots received)."""
    materials = list(change.materials.all())
    if not materials:
        return
    from qdm.core.models import Supplier

    lots = Unit.objects.filter(material__in=materials, supplier__isnull=False)
    for supplier in Supplier.objects.filter(pk__in=lots.values("supplier_id")).order_by("code"):
        yield Impact(
            ImpactArea.SUPPLIER,
            supplier.pk,
            supplier.code,
            _("Supplies %(materials)s.") % {"materials": ", ".join(m.code for m in materials)},
        )


def impacts_of(change: ChangeRequest) -> list[Impact]:
    """Everything the change touches (not user-scoped: the assessment is a record)."""
    models = _models(change)
    if not models and change.kind == ChangeKind.MATERIAL:
        from qdm.data.models import BomLine, ModuleModel

        models = list(
            ModuleModel.objects.filter(
                pk__in=BomLine.objects.filter(material__in=change.materials.all()).values(
                    "module_model_id"
                )
            )
        )
    plans = _control_plans(change, models)
    rows: list[Impact] = [*_fmeas(change, models)]
    rows += [
        Impact(
            ImpactArea.CONTROL_PLAN,
            p.pk,
            f"{p.number} rev {p.revision}",
            _("%(phase)s control plan at %(site)s.")
            % {"phase": p.get_phase_display(), "site": p.site.code},
            p.get_absolute_url(),
        )
        for p in plans
    ]
    rows += [*_inspection_plans(change, plans), *_qualification(change, models)]
    rows += [*_customers(change, models), *_suppliers(change)]
    return rows


def assess_impact(change: ChangeRequest, *, actor: Any) -> list[ChangeImpact]:
    """(Re)write the change's impact rows; rows already handled keep their note."""
    with transaction.atomic():
        if change.status not in ("draft", "assessment"):
            raise ValidationError(
                _("The impact of %(number)s can only be assessed before approval.")
                % {"number": change.number},
                code="change_frozen",
            )
        kept = {(r.area, r.object_id, r.reference): r for r in change.impacts.all()}
        fresh = impacts_of(change)
        wanted = {(i.area, i.object_id, i.reference) for i in fresh}
        change.impacts.exclude(pk__in=[r.pk for key, r in kept.items() if key in wanted]).delete()
        for impact in fresh:
            key = (impact.area, impact.object_id, impact.reference)
            row = kept.get(key) or ChangeImpact(change=change)
            row.area, row.object_id, row.reference = key
            row.detail, row.url = impact.detail, impact.url
            row.save()
        change.assessed_at = timezone.now()
        change.save(update_fields=["assessed_at"])
        counts: dict[str, int] = {}
        for impact in fresh:
            counts[impact.area] = counts.get(impact.area, 0) + 1
        record_event(
            change,
            "impact_assessed",
            actor=actor,
            message=_("Impact assessed: %(count)d item(s)") % {"count": len(fresh)},
            data=counts,
        )
    return list(change.impacts.all())


def handle_impact(impact: ChangeImpact, *, actor: Any, done: bool, note: str = "") -> ChangeImpact:
    with transaction.atomic():
        if impact.change.status in ("closed", "rejected"):
            raise ValidationError(
                _("%(number)s is %(status)s and can no longer be changed.")
                % {"number": impact.change.number, "status": impact.change.get_status_display()},
                code="change_frozen",
            )
        if done and not note.strip():
            raise ValidationError(
                {"note": _("Say how the item was handled.")}, code="note_required"
            )
        impact.done, impact.note = done, note
        impact.full_clean()
        impact.save()
        record_event(
            impact.change,
            "impact_handled" if done else "impact_reopened",
            actor=actor,
            message=f"{impact.get_area_display()} {impact.reference}: {note}",
        )
    return impact


# --- effectivity in the genealogy ----------------------------------------------------------


@dataclass
class Effectivity:
    basis: str  # "date", "serial", "lot" or "" (not set)
    cutover: datetime.datetime | None
    before: int
    after: int
    unknown: int  # modules without a production time
    with_lot: int | None = None  # modules containing the first lot (lot basis)


def modules_of(change: ChangeRequest, user: Any) -> QuerySet:
    """The modules of the change's models (at its site) the user may see."""
    units = Unit.objects.for_user(user, "view").filter(
        kind="module", module_model__in=change.module_models.all()
    )
    if change.site_id:
        units = units.filter(site_id=change.site_id)
    return units


def _cutover(change: ChangeRequest, modules: QuerySet) -> tuple[str, Any, int | None]:
    if change.first_serial:
        first = modules.filter(code=change.first_serial).first()
        if first is None or first.produced_at is None:
            raise ValidationError(
                {
                    "first_serial": _(
                        "No module %(serial)s with a production time among the change's modules."
                    )
                    % {"serial": change.first_serial}
                },
                code="unknown_serial",
            )
        return "serial", first.produced_at, None
    if change.first_lot:
        lot = Unit.objects.filter(code=change.first_lot).first()
        if lot is None:
            raise ValidationError(
                {"first_lot": _("No lot %(lot)s in the genealogy.") % {"lot": change.first_lot}},
                code="unknown_lot",
            )
        reached = [r.id for r in walk(lot.pk, "forward") if r.kind == "module"]
        containing = modules.filter(pk__in=reached)
        cut = containing.aggregate(first=Min("produced_at"))["first"]
        if cut is None:
            raise ValidationError(
                {
                    "first_lot": _("No module of the change was built from lot %(lot)s.")
                    % {"lot": change.first_lot}
                },
                code="lot_not_used",
            )
        return "lot", cut, containing.count()
    if change.effective_from:
        return "date", change.effective_from, None
    return "", None, None


def effectivity(change: ChangeRequest, user: Any) -> Effectivity:
    """Counts of the user's visible modules built before and after the cutover."""
    modules = modules_of(change, user)
    basis, cut, with_lot = _cutover(change, modules)
    unknown = modules.filter(produced_at__isnull=True).count()
    if cut is None:
        return Effectivity("", None, 0, 0, unknown)
    before = modules.filter(produced_at__lt=cut).count()
    after = modules.filter(produced_at__gte=cut).count()
    return Effectivity(basis, cut, before, after, unknown, with_lot)


def effectivity_rows(change: ChangeRequest, user: Any) -> Iterator[tuple[Any, ...]]:
    """(serial, model, site, line, produced at, "before"/"after"/"") for the export."""
    modules = modules_of(change, user)
    _basis, cut, _n = _cutover(change, modules)
    rows = modules.order_by("produced_at", "code").values_list(
        "code", "module_model__code", "site__code", "line__code", "produced_at"
    )
    for code, model, site, line, produced in rows.iterator(chunk_size=2000):
        side = "" if cut is None or produced is None else ("after" if produced >= cut else "before")
        yield code, model, site or "", line or "", produced.isoformat() if produced else "", side

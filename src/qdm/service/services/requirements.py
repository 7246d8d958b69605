"""Writes of customer-specific requirements, and the check of a packed pallet or shipment
against them (read-only over the data platform's genealogy, flash and EL facts)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.navigation import is_external
from qdm.core.services.audit import record_event
from qdm.data.choices import ElStage, UnitKind
from qdm.data.models import ElResult, FlashTest, Unit, UnitLink
from qdm.service.models import CustomerRequirement, WarrantyContract
from qdm.service.models.requirements import EL_GRADES
from qdm.service.selectors import requirements_for


class RequirementCheckError(Exception):
    """The unit cannot be checked (not a pallet or shipment, no customer, no requirement)."""


def _refuse_external(user: Any) -> None:
    if is_external(user):
        raise PermissionDenied(_("Customer requirements are read-only for external users."))


def _save(instance: CustomerRequirement, fields: dict[str, Any], actor: Any) -> CustomerRequirement:
    _refuse_external(actor)
    created = instance.pk is None
    with transaction.atomic():
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        record_event(
            instance,
            "created" if created else "changed",
            actor=actor,
            data={"version": instance.version},
        )
    return instance


def save_requirement(form: Any, user: Any) -> CustomerRequirement:
    return _save(form.instance, dict(form.cleaned_data), user)


def create_requirement(*, actor: Any, **fields: Any) -> CustomerRequirement:
    return _save(CustomerRequirement(), fields, actor)


def update_requirement(
    instance: CustomerRequirement, *, actor: Any, **fields: Any
) -> CustomerRequirement:
    return _save(instance, fields, actor)


# --- the check ------------------------------------------------------------------------
@dataclass
class Violation:
    pallet: str
    serial: str
    rule: str
    detail: str


@dataclass
class CheckResult:
    unit: Unit
    customer: Any
    project: str
    on_date: datetime.date
    requirement: CustomerRequirement | None
    pallets: dict[str, list[str]] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    @property
    def module_count(self) -> int:
        return sum(len(v) for v in self.pallets.values())

    @property
    def passed(self) -> bool:
        return self.requirement is not None and not self.violations


def class_window_ok(pmax: float, classes: list[int], tolerance: Decimal) -> bool:
    """Whether a measured Pmax fits an allowed class: class ≤ Pmax ≤ class + tolerance
    (0/+tolerance). With no tolerance, only the lower bound applies (Pmax ≥ class) and
    Pmax must reach the lowest allowed class."""
    p = Decimal(str(pmax))
    if tolerance > 0:
        return any(c <= p <= c + tolerance for c in classes)
    return p >= classes[0]


def _pallets_of(unit: Unit) -> tuple[list[Unit], Unit | None]:
    """The pallets of a pallet or shipment, and the shipment (if any)."""
    if unit.kind == UnitKind.SHIPMENT:
        ids = UnitLink.objects.filter(child=unit, parent__kind=UnitKind.PALLET).values("parent_id")
        return list(Unit.objects.filter(pk__in=ids).order_by("code")), unit
    if unit.kind == UnitKind.PALLET:
        ship = Unit.objects.filter(
            pk__in=UnitLink.objects.filter(parent=unit, child__kind=UnitKind.SHIPMENT).values(
                "child_id"
            )
        ).first()
        return [unit], ship
    raise RequirementCheckError(
        _("%(code)s is a %(kind)s: choose a pallet or a shipment.")
        % {"code": unit.code, "kind": unit.get_kind_display()}
    )


def check_unit(
    unit: Unit, *, customer: Any = None, on_date: datetime.date | None = None
) -> CheckResult:
    """Check every module packed in a pallet or shipment against the customer's
    requirements in force on ``on_date`` (default today): power class and tolerance, EL
    grade and refused defect codes (latest EL2 result), Imp spread per pallet, modules per
    pallet. The customer is the shipment's unless given."""
    pallets, shipment = _pallets_of(unit)
    customer = customer or (shipment.customer if shipment else None)
    if customer is None:
        raise RequirementCheckError(
            _("%(code)s is not shipped to a customer yet: choose the customer.")
            % {"code": unit.code}
        )
    project = shipment.project if shipment else ""
    day = on_date or timezone.localdate()
    links = UnitLink.objects.filter(child__in=pallets, parent__kind=UnitKind.MODULE).values_list(
        "child__code", "parent__code", "parent__module_model_id"
    )
    by_pallet: dict[str, list[str]] = {p.code: [] for p in pallets}
    models_seen: set[int | None] = set()
    for pallet, serial, model_id in links:
        by_pallet[pallet].append(serial)
        models_seen.add(model_id)
    model_id = next(iter(models_seen)) if len(models_seen) == 1 else None
    req = requirements_for(customer, module_model=model_id, on_date=day, project=project)
    result = CheckResult(
        unit, customer, project, day, req, {k: sorted(v) for k, v in by_pallet.items()}
    )
    if req is None:
        return result
    serials = [s for v in by_pallet.values() for s in v]
    flash: dict[str, tuple[float, float]] = {}
    for s, pmax, imp in (
        FlashTest.objects.filter(serial__in=serials)
        .order_by("serial", "tested_at", "pk")
        .values_list("serial", "pmax_w", "imp_a")
    ):
        flash[s] = (pmax, imp)  # the latest wins
    el: dict[str, tuple[str, list]] = {}
    for s, grade, defects in (
        ElResult.objects.filter(serial__in=serials, stage=ElStage.EL2)
        .order_by("serial", "tested_at", "pk")
        .values_list("serial", "grade", "defects")
    ):
        el[s] = (grade, defects or [])
    classes = req.allowed_classes
    refused = set(req.refused_codes)
    worst = EL_GRADES.index(req.max_el_grade)
    add = result.violations.append
    for pallet, members in result.pallets.items():
        if req.modules_per_pallet and len(members) != req.modules_per_pallet:
            add(
                Violation(
                    pallet,
                    "",
                    _("modules per pallet"),
                    _("%(n)s modules, required %(req)s")
                    % {"n": len(members), "req": req.modules_per_pallet},
                )
            )
        imps = []
        for s in members:
            if s not in flash:
                add(Violation(pallet, s, _("power class"), _("no flash test")))
            else:
                pmax, imp = flash[s]
                imps.append(imp)
                if classes and not class_window_ok(pmax, classes, req.positive_tolerance_w):
                    add(
                        Violation(
                            pallet,
                            s,
                            _("power class"),
                            _("Pmax %(p).2f W fits no allowed class (%(classes)s W, 0/+%(tol)s W)")
                            % {
                                "p": pmax,
                                "classes": ", ".join(map(str, classes)),
                                "tol": req.positive_tolerance_w.normalize(),
                            },
                        )
                    )
            if s not in el:
                add(Violation(pallet, s, _("EL"), _("no EL result after lamination")))
                continue
            grade, defects = el[s]
            if grade in EL_GRADES and EL_GRADES.index(grade) > worst:
                add(
                    Violation(
                        pallet,
                        s,
                        _("EL"),
                        _("grade %(g)s, worst accepted %(max)s")
                        % {"g": grade, "max": req.max_el_grade},
                    )
                )
            codes = sorted({str(d.get("code", "")).upper() for d in defects} & refused)
            if codes:
                add(
                    Violation(
                        pallet,
                        s,
                        _("EL"),
                        _("refused defect %(codes)s") % {"codes": ", ".join(codes)},
                    )
                )
        if req.imp_sorting_required and req.imp_bin_width_a and len(imps) > 1:
            spread = Decimal(str(round(max(imps) - min(imps), 6)))
            if spread > req.imp_bin_width_a:
                add(
                    Violation(
                        pallet,
                        "",
                        _("Imp sorting"),
                        _("Imp spread %(s)s A exceeds the bin width %(w)s A")
                        % {"s": spread, "w": req.imp_bin_width_a.normalize()},
                    )
                )
    return result


# --- warranty contracts -------------------------------------------------------------------
def _save_contract(instance: WarrantyContract, fields: dict[str, Any], actor: Any) -> Any:
    _refuse_external(actor)
    created = instance.pk is None
    with transaction.atomic():
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        record_event(
            instance,
            "created" if created else "changed",
            actor=actor,
            data={"version": instance.version},
        )
    return instance


def save_contract(form: Any, user: Any) -> WarrantyContract:
    return _save_contract(form.instance, dict(form.cleaned_data), user)


def create_contract(*, actor: Any, **fields: Any) -> WarrantyContract:
    return _save_contract(WarrantyContract(), fields, actor)


def update_contract(instance: WarrantyContract, *, actor: Any, **fields: Any) -> WarrantyContract:
    return _save_contract(instance, fields, actor)

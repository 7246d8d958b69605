"""OQC release of modules: power binning, EL grading, release decisions, packing into
pallets (released, unheld modules only; one class per pallet; Imp sub-sorting on request).

When OQC judges or packs for a customer, the customer's requirement version in force
(power classes and tolerance, Imp spread, modules per pallet, worst EL grade and refused EL
defects) is read from the service platform through ``qdm.service.selectors`` — the one
service module manufacturing may use — and breaches are refused naming the requirement and
the serials.

Binning works in exact decimal arithmetic on the measured value as reported (a float such
as 579.999 is read as ``Decimal("579.999")``), so a module at exactly 580.0 W with no guard
band is a 580 W module and one at 579.999 W is a 575 W module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.data.choices import ElStage, UnitKind
from qdm.data.models import ElResult, FlashTest, Unit, UnitLink
from qdm.manufacturing.choices import ReleaseStatus
from qdm.manufacturing.models import BinningRule, ModuleRelease

GRADES = "ABC"
RULE_LINE = re.compile(r"^\s*([A-Z][A-Z0-9/_-]*)\s*(?:>\s*(\d+))?\s+([ABC])\s*$")


class BinningError(ValueError):
    """Bad rule, bad input or a refused packing; the message names the problem."""


@dataclass(frozen=True)
class ElRule:
    code: str
    more_than: int
    grade: str


def parse_el_rules(text: str) -> list[ElRule]:
    """``CODE[>N] GRADE`` per line (blank lines and ``#`` comments ignored)."""
    rules = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = RULE_LINE.match(line.upper())
        if match is None:
            raise BinningError(
                _("EL rule line %(line)s “%(text)s” is not of the form CODE[>N] GRADE.")
                % {"line": number, "text": raw.strip()}
            )
        code, more_than, grade = match.groups()
        rules.append(ElRule(code, int(more_than or 0), grade))
    return rules


def el_grade(defects: Iterable[dict[str, Any]], rules: Sequence[ElRule]) -> str:
    """The worst grade of every rule whose defect code occurs more than its limit; A if none."""
    counts: dict[str, int] = {}
    for defect in defects or ():
        code = str(defect.get("code", "")).strip().upper()
        if code:
            counts[code] = counts.get(code, 0) + 1
    grade = "A"
    for rule in rules:
        if counts.get(rule.code, 0) > rule.more_than and GRADES.index(rule.grade) > GRADES.index(
            grade
        ):
            grade = rule.grade
    return grade


def _decimal(value: float | Decimal | int, name: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise BinningError(_("%(name)s is missing.") % {"name": name})
    number = Decimal(str(value))
    if not number.is_finite():
        raise BinningError(_("%(name)s is not a finite number.") % {"name": name})
    return number


def power_class(
    pmax_w: float | Decimal,
    *,
    first_class_w: int,
    last_class_w: int,
    class_width_w: int = 5,
    guard_band_w: float | Decimal = 0,
) -> int | None:
    """Nameplate class of a module measured at ``pmax_w``: floor((P − guard)/width)·width,
    clipped to [first, last]; None below the first class (not sellable in this model)."""
    pmax = _decimal(pmax_w, "Pmax")
    guard = _decimal(guard_band_w, _("guard band"))
    if pmax <= 0:
        raise BinningError(_("Pmax must be positive, got %(value)s W.") % {"value": pmax})
    if guard < 0:
        raise BinningError(_("The guard band must not be negative."))
    width = Decimal(class_width_w)
    steps = ((pmax - guard) / width).to_integral_value(rounding=ROUND_FLOOR)
    label = int(steps * width)
    if label < first_class_w:
        return None
    return min(label, last_class_w)


def imp_class(imp_a: float, width_a: Decimal | float) -> str:
    """Imp sub-class label, e.g. ``13.2`` for 13.2 ≤ Imp < 13.3 with width 0.1 A."""
    imp = _decimal(imp_a, "Imp")
    width = _decimal(width_a, _("Imp class width"))
    if imp <= 0 or width <= 0:
        raise BinningError(_("Imp and the Imp class width must be positive."))
    width = width.normalize()
    lower = (imp / width).to_integral_value(rounding=ROUND_FLOOR) * width
    places = Decimal(1).scaleb(min(int(width.as_tuple().exponent), 0))
    return f"{lower.quantize(places):f}"


def _modules(codes: Sequence[str], actor: Any) -> list[Unit]:
    from qdm.manufacturing.services.holds import HoldError, resolve_units

    try:
        return resolve_units(codes, actor, kinds=(UnitKind.MODULE,))
    except HoldError as exc:
        raise BinningError(str(exc)) from exc


# --- release -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Assessment:
    power_class_w: int | None
    el_grade: str
    reasons: list[str]

    @property
    def released(self) -> bool:
        return not self.reasons


def assess(
    rule: BinningRule,
    *,
    pmax_w: float | None,
    defects: Iterable[dict[str, Any]] | None,
    hipot_passed: bool,
    visual_passed: bool,
    held: bool = False,
    imp_a: float | None = None,
    requirement: Any = None,
) -> Assessment:
    """The OQC decision for one module from its flash test, EL defects and other tests;
    with a customer ``requirement`` (a ``CustomerRequirement`` from
    ``customer_requirement``), its per-module rules too (pallet-level rules are checked
    when packing)."""
    reasons: list[str] = []
    klass = None
    if pmax_w is None:
        reasons.append(_("no flash test"))
    else:
        klass = power_class(
            pmax_w,
            first_class_w=rule.first_class_w,
            last_class_w=rule.last_class_w,
            class_width_w=rule.class_width_w,
            guard_band_w=rule.guard_band_w,
        )
        if klass is None:
            reasons.append(
                _("Pmax %(pmax).2f W below the first class %(first)s W (guard band %(guard)s W)")
                % {"pmax": pmax_w, "first": rule.first_class_w, "guard": rule.guard_band_w}
            )
    grade = ""
    if defects is None:
        reasons.append(_("no EL result after lamination"))
    else:
        grade = el_grade(defects, parse_el_rules(rule.el_rules))
        if grade not in rule.released_grades:
            reasons.append(_("EL grade %(grade)s") % {"grade": grade})
    if not hipot_passed:
        reasons.append(_("hi-pot failed"))
    if not visual_passed:
        reasons.append(_("visual inspection failed"))
    if held:
        reasons.append(_("on hold"))
    if requirement is not None:
        from qdm.service.selectors import check_modules

        facts = _facts(
            "*",
            pmax_w=pmax_w,
            imp_a=imp_a,
            grade=grade if defects is not None else None,
            defects=defects,
            klass=klass,
        )
        # the module's own rules; the pallet's (count, Imp spread) are checked at packing
        reasons += [
            _("customer requirement %(req)s: %(rule)s — %(detail)s")
            % {"req": requirement, "rule": f.rule, "detail": f.detail}
            for f in check_modules(requirement, [facts])
            if f.serial
        ]
    return Assessment(klass, grade, reasons)


# --- customer-specific requirements (service platform, read through its selectors) -------
def customer_requirement(
    customer: Any, *, module_model: Any = None, project: Any = None, on_date: Any = None
) -> Any:
    """The customer's requirement version in force on ``on_date`` (today by default) for
    this module model and project, or None (no customer, or no requirement in force)."""
    if customer is None:
        return None
    from qdm.service.selectors import requirements_for

    return requirements_for(customer, module_model=module_model, on_date=on_date, project=project)


def _facts(
    serial: str,
    *,
    pmax_w: float | None,
    imp_a: float | None,
    grade: str | None,
    defects: Iterable[dict[str, Any]] | None,
    klass: int | None,
) -> Any:
    from qdm.service.selectors import ModuleFacts

    return ModuleFacts(
        serial,
        pmax_w=pmax_w,
        imp_a=imp_a,
        el_grade=grade or None,
        el_defects=list(defects or ()),
        power_class_w=klass,
    )


#: at most this many offending serials are named per rule in a refusal
NAMED_SERIALS = 20


def requirement_refusal(requirement: Any, releases: Sequence[ModuleRelease]) -> str | None:
    """Why the released modules may not form one pallet for the customer of
    ``requirement`` — the requirement, each breached rule and the offending serials — or
    None when they comply."""
    from qdm.service.selectors import check_modules

    facts = [
        _facts(
            r.unit.code,
            pmax_w=r.pmax_w,
            imp_a=r.imp_a,
            grade=r.el_grade,
            defects=r.el_defects,
            klass=r.power_class_w,
        )
        for r in releases
    ]
    findings = check_modules(requirement, facts)
    if not findings:
        return None
    by_rule: dict[str, list[str]] = {}
    for f in findings:
        text = f"{f.serial}: {f.detail}" if f.serial else f.detail
        by_rule.setdefault(str(f.rule), []).append(text)
    parts = []
    for rule, texts in by_rule.items():
        shown = "; ".join(texts[:NAMED_SERIALS])
        if len(texts) > NAMED_SERIALS:
            shown += " " + _("… and %(n)s more") % {"n": len(texts) - NAMED_SERIALS}
        parts.append(f"{rule} — {shown}")
    return _("Customer requirement %(req)s refuses this pallet: %(findings)s.") % {
        "req": requirement,
        "findings": " | ".join(parts),
    }


def release_modules(
    codes: Sequence[str],
    *,
    actor: Any,
    hipot_passed: bool = True,
    visual_passed: bool = True,
    customer: Any = None,
    project: Any = None,
) -> list[ModuleRelease]:
    """Judge each module (latest flash test and EL2 result by serial) and record the
    decision; a module judged again gets its record updated. With a ``customer`` (and
    optionally its ``project``), the per-module rules of the customer's requirement in force
    are part of the decision."""
    from qdm.manufacturing.services.holds import held_unit_ids

    requirements: dict[Any, Any] = {}

    def requirement_of(model_id: Any) -> Any:
        if model_id not in requirements:
            requirements[model_id] = customer_requirement(
                customer, module_model=model_id, project=project
            )
        return requirements[model_id]

    with transaction.atomic():
        units = _modules(codes, actor)
        held = held_unit_ids([u.pk for u in units])
        rules = {r.module_model_id: r for r in BinningRule.objects.all()}
        results = []
        for unit in units:
            rule = rules.get(unit.module_model_id)
            if rule is None:
                raise BinningError(
                    _("Module %(code)s: no binning rule for its module model.")
                    % {"code": unit.code}
                )
            flash = FlashTest.objects.filter(serial=unit.code).order_by("-tested_at").first()
            el = (
                ElResult.objects.filter(serial=unit.code, stage=ElStage.EL2)
                .order_by("-tested_at")
                .first()
            )
            verdict = assess(
                rule,
                pmax_w=flash.pmax_w if flash else None,
                defects=el.defects if el else None,
                hipot_passed=hipot_passed,
                visual_passed=visual_passed,
                held=unit.pk in held,
                imp_a=flash.imp_a if flash else None,
                requirement=requirement_of(unit.module_model_id),
            )
            imp = ""
            if flash and rule.imp_class_width_a:
                imp = imp_class(flash.imp_a, rule.imp_class_width_a)
            release, _created = ModuleRelease.objects.update_or_create(
                unit=unit,
                defaults={
                    "site": unit.site,
                    "pmax_w": flash.pmax_w if flash else None,
                    "imp_a": flash.imp_a if flash else None,
                    "power_class_w": verdict.power_class_w,
                    "imp_class": imp,
                    "el_grade": verdict.el_grade,
                    "el_defects": el.defects if el else [],
                    "hipot_passed": hipot_passed,
                    "visual_passed": visual_passed,
                    "status": ReleaseStatus.RELEASED
                    if verdict.released
                    else ReleaseStatus.REJECTED,
                    "reasons": "; ".join(verdict.reasons),
                    "decided_by": actor,
                    "decided_at": timezone.now(),
                },
            )
            results.append(release)
    return results


# --- packing -----------------------------------------------------------------------------
def pack_pallet(
    pallet_code: str,
    module_codes: Sequence[str],
    *,
    actor: Any,
    imp_sorting: bool = False,
    customer: Any = None,
    project: Any = None,
    on_date: Any = None,
) -> Unit:
    """Create the pallet ``pallet_code`` holding the modules. Refuses (naming them) modules
    that are not released, on hold, or already packed, and mixes of power class, grade or —
    with ``imp_sorting`` — Imp class. Packed for a ``customer`` (optionally its ``project``,
    the requirement in force on ``on_date``, default today), a pallet breaching the
    customer's requirement is refused, naming the requirement, the rules and the serials."""
    from qdm.manufacturing.services.holds import held_unit_ids

    code = (pallet_code or "").strip()
    if not code:
        raise BinningError(_("Give the pallet a code."))
    with transaction.atomic():
        if Unit.objects.filter(code=code).exists():
            raise BinningError(_("Unit %(code)s already exists.") % {"code": code})
        modules = _modules(module_codes, actor)
        releases = {
            r.unit_id: r
            for r in ModuleRelease.objects.filter(
                unit__in=modules, status=ReleaseStatus.RELEASED
            ).select_related("unit")
        }
        not_released = [m.code for m in modules if m.pk not in releases]
        if not_released:
            raise BinningError(
                _("Only released modules may be packed; not released: %(codes)s.")
                % {"codes": ", ".join(not_released)}
            )
        held = held_unit_ids([m.pk for m in modules])
        if held:
            raise BinningError(
                _("Held modules may not be packed: %(codes)s.")
                % {"codes": ", ".join(m.code for m in modules if m.pk in held)}
            )
        packed = UnitLink.objects.filter(
            parent__in=modules, child__kind=UnitKind.PALLET
        ).values_list("parent__code", flat=True)
        if packed:
            raise BinningError(
                _("Already packed on another pallet: %(codes)s.")
                % {"codes": ", ".join(sorted(set(packed)))}
            )
        groups = {(releases[m.pk].power_class_w, releases[m.pk].el_grade) for m in modules}
        if len(groups) > 1:
            raise BinningError(
                _("A pallet holds one power class and grade; found %(groups)s.")
                % {"groups": ", ".join(f"{w} W {g}" for w, g in sorted(groups))}
            )
        imp_classes = {releases[m.pk].imp_class for m in modules}
        if imp_sorting and ("" in imp_classes or len(imp_classes) > 1):
            raise BinningError(
                _("The customer requires one Imp class per pallet; found %(classes)s.")
                % {"classes": ", ".join(sorted(c or _("none") for c in imp_classes))}
            )
        first = modules[0]
        sites = {m.site_id for m in modules}
        if len(sites) > 1:
            raise BinningError(_("All modules of a pallet must come from one site."))
        models_packed = {m.module_model_id for m in modules}
        requirement = customer_requirement(
            customer,
            module_model=next(iter(models_packed)) if len(models_packed) == 1 else None,
            project=project,
            on_date=on_date,
        )
        if requirement is not None:
            refusal = requirement_refusal(requirement, [releases[m.pk] for m in modules])
            if refusal:
                raise BinningError(refusal)
        klass, grade = groups.pop()
        pallet = Unit.objects.create(
            code=code,
            kind=UnitKind.PALLET,
            site=first.site,
            line=first.line,
            module_model=first.module_model,
            efficiency_bin=f"{klass}W" + ("" if grade == "A" else f" {grade}"),
            quantity=len(modules),
            produced_at=timezone.now(),
        )
        now = timezone.now()
        UnitLink.objects.bulk_create(
            UnitLink(parent=m, child=pallet, quantity=1, linked_at=now) for m in modules
        )
        record_event(
            pallet,
            "packed",
            actor=actor,
            message=_("Packed %(count)s modules, %(klass)s W %(grade)s")
            % {"count": len(modules), "klass": klass, "grade": grade},
            data={
                "imp_class": sorted(imp_classes)[0] if imp_sorting else None,
                "customer": getattr(customer, "pk", customer),
                "customer_requirement": requirement.pk if requirement is not None else None,
                "requirement_version": requirement.version if requirement is not None else None,
            },
        )
    return pallet


def save_binning_rule(
    *, actor: Any, instance: BinningRule | None = None, **fields: Any
) -> BinningRule:
    from django.core.exceptions import ValidationError

    with transaction.atomic():
        rule = instance or BinningRule()
        for name, value in fields.items():
            setattr(rule, name, value)
        try:
            rule.full_clean()
        except ValidationError as exc:
            raise BinningError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        rule.save()
        record_event(rule, "saved", actor=actor, message=_("Binning rule %s saved") % rule)
    return rule

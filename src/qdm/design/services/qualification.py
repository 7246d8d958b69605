"""Reliability qualification: the pass criteria of each standard edition (data), the pure
verdict of a sample, a sequence and a programme, the writes of programmes, sequences,
samples, results and certificates, the expiring-certificates list, and which certificates
and programmes a BOM change invalidates.

Pass criteria (docs/qualification-and-changes.md; /work/shared/domain/pv-reference.md §4.1):

* IEC 61215-1:2021 gate 2 — after each sequence Pmax ≥ 95 % of the initial value (≤ 5 %
  degradation), no major visual defect, insulation and wet leakage pass; 2016 edition: ≤ 5 %
  after each test and ≤ 8 % over the sequence (pv-reference §4.1 "Pass criteria [K]").
* Insulation (MQT 03) and wet leakage (MQT 15): R × A ≥ 40 MΩ·m² for modules larger than
  0.1 m² (pv-reference §4.1 table, [S] for wet leakage); smaller modules R ≥ 400 MΩ ([K]).
* Hot-spot endurance (MQT 09): Pmax is not a pass/fail gate (pv-reference §4.1, [S]).
* One failed module in a sequence → retest two new modules through it; two or more → the
  design fails (pv-reference §4.1, classic scheme [S]).
* IEC 61730 MST sequences: no Pmax gate; visual, insulation and wet leakage as above. The
  2023 edition is encoded with the 2016 criteria ([K], verify against the purchased text).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.data.models import BomLine, Material
from qdm.design.models import (
    Certificate,
    QualificationProgramme,
    QualificationResult,
    QualificationSample,
    QualificationSequence,
)
from qdm.design.models.qualification import PROGRAMME_PREFIX, SequenceKind, Verdict

K = SequenceKind
GROUP_CODE = "GRP"
SOURCE = "pv-reference.md §4.1 (IEC 61215-1/-2, IEC 61730-1/-2)"

# --- criteria as data, versioned by edition ----------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """The pass criteria of one standard edition."""

    standard: str
    #: largest Pmax loss (%) after any single test of a sequence (None: no such gate)
    pmax_step_loss_pct: float | None
    #: largest Pmax loss (%) from the initial value to the end of a sequence
    pmax_sequence_loss_pct: float | None
    #: sequences in which Pmax is not a pass/fail gate
    pmax_exempt: frozenset[str]
    #: sequences the edition defines (others are additional tests, judged the same way)
    sequences: frozenset[str]
    insulation_mohm_m2: float = 40.0
    wet_leakage_mohm_m2: float = 40.0
    #: modules of this area or less are judged on R itself, not R × A
    small_area_m2: float = 0.1
    small_module_mohm: float = 400.0
    no_major_visual_defect: bool = True
    #: one failed module in a sequence asks for a retest of two new modules
    retest_on_single_failure: bool = True
    source: str = SOURCE


_61215_2016 = frozenset(
    {K.TC200, K.DH1000, K.HF10, K.UV, K.SML, K.HAIL, K.HOT_SPOT, K.BYPASS_DIODE}
    | {K.WET_LEAKAGE, K.INSULATION}
)
_61730 = frozenset(
    {K.TC200, K.DH1000, K.HF10, K.UV, K.SML, K.HOT_SPOT, K.BYPASS_DIODE}
    | {K.WET_LEAKAGE, K.INSULATION}
)

CRITERIA: dict[str, Criteria] = {
    "iec61215:2016": Criteria(
        "iec61215:2016",
        pmax_step_loss_pct=5.0,
        pmax_sequence_loss_pct=8.0,
        pmax_exempt=frozenset({K.HOT_SPOT}),
        sequences=_61215_2016,
    ),
    "iec61215:2021": Criteria(
        "iec61215:2021",
        pmax_step_loss_pct=None,
        pmax_sequence_loss_pct=5.0,
        pmax_exempt=frozenset({K.HOT_SPOT}),
        # MQT 20 dynamic mechanical load and MQT 21 PID are new in 2021
        sequences=_61215_2016 | {K.DML, K.PID},
    ),
    "iec61730:2016": Criteria(
        "iec61730:2016",
        pmax_step_loss_pct=None,
        pmax_sequence_loss_pct=None,
        pmax_exempt=frozenset(),
        sequences=_61730,
    ),
    "iec61730:2023": Criteria(
        "iec61730:2023",
        pmax_step_loss_pct=None,
        pmax_sequence_loss_pct=None,
        pmax_exempt=frozenset(),
        sequences=_61730,
    ),
}


def criteria_for(standard: str) -> Criteria:
    try:
        return CRITERIA[standard]
    except KeyError:
        raise ValidationError(
            _("No pass criteria are encoded for the standard %(standard)s.")
            % {"standard": standard},
            code="unknown_standard",
        ) from None


# --- the pure verdict ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    stage: int
    pmax_w: float | None = None
    major_visual_defect: bool = False
    insulation_mohm_m2: float | None = None
    wet_leakage_mohm_m2: float | None = None


@dataclass
class SampleVerdict:
    serial: str
    verdict: str
    reasons: list[str] = field(default_factory=list)
    loss_pct: float | None = None


def _loss(before: float, after: float) -> float:
    # rounded to 1e-6 %: 600 W → 570 W is exactly 5 %, not 5.000000000000001
    return round((before - after) / before * 100.0, 6)


def _resistance_ok(value: float, area_m2: float, c: Criteria, limit_m2: float) -> bool:
    if area_m2 <= c.small_area_m2:
        return value / area_m2 >= c.small_module_mohm if area_m2 > 0 else False
    return value >= limit_m2


def sample_verdict(
    criteria: Criteria, kind: str, measurements: list[Measurement], area_m2: float, serial: str = ""
) -> SampleVerdict:
    """Judge one sample's measurements (stage 0 initial, then after each step) against an
    edition's criteria. Pure: no database."""
    rows = sorted(measurements, key=lambda m: m.stage)
    if not rows or rows[0].stage != 0 or len(rows) < 2:
        return SampleVerdict(
            serial, Verdict.INCOMPLETE, [_("needs an initial and a final measurement")]
        )
    reasons: list[str] = []
    missing: list[str] = []
    initial, final = rows[0], rows[-1]
    loss = None
    pmax_gate = kind not in criteria.pmax_exempt and (
        criteria.pmax_step_loss_pct is not None or criteria.pmax_sequence_loss_pct is not None
    )
    if pmax_gate:
        if initial.pmax_w is None or final.pmax_w is None:
            missing.append(_("Pmax before and after"))
        else:
            loss = _loss(initial.pmax_w, final.pmax_w)
            limit = criteria.pmax_sequence_loss_pct
            if limit is not None and loss > limit:
                reasons.append(
                    _("Pmax loss %(loss).2f %% over the sequence exceeds %(limit)s %%")
                    % {"loss": loss, "limit": limit}
                )
            step_limit = criteria.pmax_step_loss_pct
            if step_limit is not None:
                with_pmax = [m for m in rows if m.pmax_w is not None]
                for before, after in itertools.pairwise(with_pmax):
                    step = _loss(before.pmax_w, after.pmax_w)  # type: ignore[arg-type]
                    if step > step_limit:
                        reasons.append(
                            _(
                                "Pmax loss %(loss).2f %% at stage %(stage)d exceeds "
                                "%(limit)s %% per test"
                            )
                            % {"loss": step, "stage": after.stage, "limit": step_limit}
                        )
    elif initial.pmax_w and final.pmax_w is not None:
        loss = _loss(initial.pmax_w, final.pmax_w)
    if criteria.no_major_visual_defect:
        for m in rows[1:]:
            if m.major_visual_defect:
                reasons.append(_("major visual defect at stage %(stage)d") % {"stage": m.stage})
    for name, limit, label in (
        ("insulation_mohm_m2", criteria.insulation_mohm_m2, _("insulation")),
        ("wet_leakage_mohm_m2", criteria.wet_leakage_mohm_m2, _("wet leakage")),
    ):
        if getattr(final, name) is None:
            missing.append(label)
        for m in rows:
            value = getattr(m, name)
            if value is not None and not _resistance_ok(value, area_m2, criteria, limit):
                reasons.append(
                    _("%(test)s %(value)s MΩ·m² at stage %(stage)d is below the limit")
                    % {"test": label, "value": value, "stage": m.stage}
                )
    if reasons:
        return SampleVerdict(serial, Verdict.FAIL, reasons, loss)
    if missing:
        text = _("not measured at the end: %(what)s") % {"what": ", ".join(missing)}
        return SampleVerdict(serial, Verdict.INCOMPLETE, [text], loss)
    return SampleVerdict(serial, Verdict.PASS, [], loss)


def sequence_verdict(criteria: Criteria, samples: list[SampleVerdict]) -> str:
    """Incomplete while any sample is; else 0 failed → pass, 1 → retest (when the edition
    allows it), 2 or more → fail."""
    if not samples or any(s.verdict == Verdict.INCOMPLETE for s in samples):
        return Verdict.INCOMPLETE
    failed = sum(s.verdict == Verdict.FAIL for s in samples)
    if failed == 0:
        return Verdict.PASS
    if failed == 1 and criteria.retest_on_single_failure:
        return Verdict.RETEST
    return Verdict.FAIL


def combine(verdicts: list[str]) -> str:
    if not verdicts or Verdict.INCOMPLETE in verdicts:
        return Verdict.INCOMPLETE
    for worst in (Verdict.FAIL, Verdict.RETEST):
        if worst in verdicts:
            return worst
    return Verdict.PASS


# --- verdicts of stored programmes ---------------------------------------------------------


@dataclass
class SequenceResult:
    sequence: QualificationSequence
    verdict: str
    in_edition: bool
    samples: list[SampleVerdict]


@dataclass
class ProgrammeVerdict:
    verdict: str
    sequences: list[SequenceResult]

    def incomplete_serials(self) -> list[str]:
        return [
            s.serial
            for seq in self.sequences
            for s in seq.samples
            if s.verdict == Verdict.INCOMPLETE
        ] + [str(seq.sequence) for seq in self.sequences if not seq.samples]


def module_area_m2(module_model: Any) -> float:
    return module_model.length_mm * module_model.width_mm / 1e6


def programme_verdict(
    programme: QualificationProgramme, standard: str | None = None
) -> ProgrammeVerdict:
    """The verdict of a stored programme under its own edition (or ``standard``)."""
    criteria = criteria_for(standard or programme.standard)
    area = module_area_m2(programme.module_model)
    out = []
    for sequence in programme.sequences.prefetch_related("samples__results").order_by(
        "position", "pk"
    ):
        judged = [
            sample_verdict(
                criteria,
                sequence.kind,
                [
                    Measurement(
                        r.stage,
                        r.pmax_w,
                        r.major_visual_defect,
                        r.insulation_mohm_m2,
                        r.wet_leakage_mohm_m2,
                    )
                    for r in sample.results.all()
                ],
                area,
                sample.serial,
            )
            for sample in sequence.samples.all()
        ]
        out.append(
            SequenceResult(
                sequence,
                sequence_verdict(criteria, judged),
                sequence.kind in criteria.sequences,
                judged,
            )
        )
    return ProgrammeVerdict(combine([s.verdict for s in out]), out)


# --- writes --------------------------------------------------------------------------------


def _check_open(programme: QualificationProgramme) -> None:
    status = QualificationProgramme.objects.values_list("status", flat=True).get(pk=programme.pk)
    programme.status = status
    if programme.is_locked:
        raise programme.locked_error()


def create_programme(*, actor: Any, materials: Any = None, **fields: Any) -> QualificationProgramme:
    """A planned programme numbered ``QP-<site or GRP>-<year>-<seq>``; the qualified BOM
    defaults to the module model's current bill of materials."""
    with transaction.atomic():
        programme = QualificationProgramme(created_by=actor, **fields)
        site = programme.site
        programme.number = next_number(PROGRAMME_PREFIX, site.code if site else GROUP_CODE)
        programme.full_clean(exclude=["created_by", "number"])
        programme.save()
        if not materials:
            materials = Material.objects.filter(
                pk__in=BomLine.objects.filter(module_model=programme.module_model).values(
                    "material_id"
                )
            )
        programme.materials.set(materials)
        record_event(
            programme,
            "created",
            actor=actor,
            message=_("Created %(number)s (%(standard)s, %(bom)s)")
            % {
                "number": programme.number,
                "standard": programme.get_standard_display(),
                "bom": programme.bom_variant,
            },
        )
    return programme


def update_programme(
    programme: QualificationProgramme, *, actor: Any, materials: Any = None, **fields: Any
) -> QualificationProgramme:
    with transaction.atomic():
        _check_open(programme)
        for name, value in fields.items():
            setattr(programme, name, value)
        programme.full_clean(exclude=["created_by", "number"])
        programme.save()
        if materials is not None:
            programme.materials.set(materials)
    return programme


def save_sequence(sequence: QualificationSequence, *, actor: Any) -> QualificationSequence:
    with transaction.atomic():
        _check_open(sequence.programme)
        sequence.full_clean()
        sequence.save()
    return sequence


def save_sample(sample: QualificationSample, *, actor: Any) -> QualificationSample:
    with transaction.atomic():
        _check_open(sample.sequence.programme)
        sample.programme = sample.sequence.programme
        taken = QualificationSample.objects.filter(
            programme=sample.programme, serial=sample.serial
        ).exclude(pk=sample.pk)
        if taken.exists():
            raise ValidationError(
                {
                    "serial": _("Serial %(serial)s is already a sample of %(number)s.")
                    % {"serial": sample.serial, "number": sample.programme.number}
                },
                code="duplicate_serial",
            )
        sample.full_clean(exclude=["programme"])
        sample.save()
    return sample


def save_result(result: QualificationResult, *, actor: Any) -> QualificationResult:
    with transaction.atomic():
        _check_open(result.sample.programme)
        taken = QualificationResult.objects.filter(
            sample=result.sample, stage=result.stage
        ).exclude(pk=result.pk)
        if taken.exists():
            raise ValidationError(
                {
                    "stage": _("Sample %(serial)s already has a result at stage %(stage)d.")
                    % {"serial": result.sample.serial, "stage": result.stage}
                },
                code="duplicate_stage",
            )
        result.full_clean()
        result.save()
    return result


def save_certificate(
    certificate: Certificate,
    *,
    actor: Any,
    module_models: Any = None,
    programmes: Any = None,
) -> Certificate:
    """Create or change a certificate; ``module_models`` defaults to its programmes' models."""
    with transaction.atomic():
        created = certificate.pk is None
        certificate.full_clean(exclude=["module_models", "programmes"])
        certificate.save()
        if programmes is not None:
            certificate.programmes.set(programmes)
        if module_models:
            certificate.module_models.set(module_models)
        elif created and programmes:
            certificate.module_models.set({p.module_model for p in programmes})
        if not certificate.module_models.exists():
            raise ValidationError(
                {"module_models": _("A certificate must cover at least one module model.")},
                code="no_module_model",
            )
        if created:
            record_event(
                certificate,
                "created",
                actor=actor,
                message=_("Certificate %(number)s of %(body)s recorded")
                % {"number": certificate.number, "body": certificate.body},
            )
    return certificate


# --- certificates: expiry, and what a BOM change invalidates -------------------------------

#: default horizon of the expiring-certificates view (days)
EXPIRY_HORIZON_DAYS = 90


def certificate_state(
    cert: Certificate, today: datetime.date | None = None, within: int = EXPIRY_HORIZON_DAYS
) -> str:
    today = today or timezone.localdate()
    if cert.withdrawn:
        return "withdrawn"
    if cert.expiry_date is None:
        return "valid"
    if cert.expiry_date < today:
        return "expired"
    if cert.expiry_date <= today + datetime.timedelta(days=within):
        return "expiring"
    return "valid"


def expiring_certificates(
    user: Any, within: int = EXPIRY_HORIZON_DAYS, today: datetime.date | None = None
) -> list[tuple[Certificate, str, int]]:
    """Certificates the user may see that expire within ``within`` days or have expired:
    (certificate, state, days left — negative once expired), soonest first."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=within)
    rows = (
        Certificate.objects.for_user(user, "view")
        .filter(withdrawn=False, expiry_date__isnull=False, expiry_date__lte=horizon)
        .prefetch_related("module_models")
        .order_by("expiry_date", "number")
    )
    return [(c, certificate_state(c, today, within), (c.expiry_date - today).days) for c in rows]


#: sequences to repeat when a material of a category changes. Not the IEC TS 62915 retest
#: matrix (pv-reference.md does not give it): the rule is "category changed → repeat the
#: sequences listed for it" ([K] engineering judgement, verify with the certification body).
RETEST_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "CELL": (K.TC200, K.DH1000, K.UV, K.HOT_SPOT, K.PID, K.LETID, K.BYPASS_DIODE),
    "GLASS": (K.UV, K.TC200, K.DH1000, K.SML, K.DML, K.HAIL, K.HOT_SPOT),
    "ENCAP": (K.UV, K.TC200, K.DH1000, K.HF10, K.PID, K.HOT_SPOT, K.WET_LEAKAGE, K.INSULATION),
    "BACKSHEET": (K.UV, K.TC200, K.DH1000, K.HF10, K.SML, K.HOT_SPOT, K.WET_LEAKAGE, K.INSULATION),
    "FRAME": (K.SML, K.DML, K.HAIL),
    "JBOX": (K.TC200, K.DH1000, K.HF10, K.BYPASS_DIODE, K.WET_LEAKAGE, K.INSULATION),
    "RIBBON": (K.TC200, K.DH1000, K.HF10, K.DML, K.HOT_SPOT),
    "PASTE": (K.TC200, K.DH1000, K.HOT_SPOT),
    "SEALANT": (K.DH1000, K.HF10, K.SML, K.WET_LEAKAGE),
}


def qualified_bom(programme: QualificationProgramme) -> list[Material]:
    """The programme's qualified materials, or the model's current BOM when none are named."""
    materials = list(programme.materials.select_related("category"))
    if materials:
        return materials
    lines = BomLine.objects.filter(module_model=programme.module_model).select_related(
        "material__category"
    )
    return [line.material for line in lines]


@dataclass
class Invalidation:
    obj: Any  # a QualificationProgramme or a Certificate
    materials: list[Material]
    retest: list[str]


@dataclass
class InvalidationReport:
    programmes: list[Invalidation]
    certificates: list[Invalidation]


def _retest(category_code: str, programme: QualificationProgramme | None) -> list[str]:
    listed = RETEST_BY_CATEGORY.get(category_code)
    if listed is None and programme is not None:
        listed = tuple(programme.sequences.values_list("kind", flat=True).distinct())
    return sorted(set(listed or ()))


def invalidated_by(
    *,
    material: Material | None = None,
    category: Any = None,
    module_models: Any = None,
    user: Any = None,
    today: datetime.date | None = None,
) -> InvalidationReport:
    """Programmes and live certificates whose qualified BOM contains the changed ``material``
    (or any material of ``category``), optionally only for ``module_models`` and only those
    ``user`` may see; with the sequences to repeat for the category."""
    if material is None and category is None:
        raise ValidationError(
            _("Name the changed material or material category."), code="nothing_changed"
        )
    category = category or material.category  # type: ignore[union-attr]
    today = today or timezone.localdate()
    programmes = QualificationProgramme.objects.select_related("module_model")
    certificates = Certificate.objects.filter(withdrawn=False)
    if user is not None:
        programmes = QualificationProgramme.objects.for_user(user, "view").select_related(
            "module_model"
        )
        certificates = Certificate.objects.for_user(user, "view").filter(withdrawn=False)
    if module_models is not None:
        ids = [getattr(m, "pk", m) for m in module_models]
        programmes = programmes.filter(module_model_id__in=ids)
        certificates = certificates.filter(module_models__in=ids).distinct()

    def hits(materials: list[Material]) -> list[Material]:
        if material is not None:
            return [m for m in materials if m.pk == material.pk]
        return [m for m in materials if m.category_id == category.pk]

    by_programme: dict[int, Invalidation] = {}
    for programme in programmes.order_by("number"):
        found = hits(qualified_bom(programme))
        if found:
            by_programme[programme.pk] = Invalidation(
                programme, found, _retest(category.code, programme)
            )
    out_certs = []
    live = certificates.exclude(expiry_date__lt=today).prefetch_related(
        "programmes", "module_models"
    )
    for cert in live.order_by("number"):
        linked = list(cert.programmes.all())
        if linked:
            found = [
                m for p in linked if p.pk in by_programme for m in by_programme[p.pk].materials
            ]
            if not found and user is not None:  # programmes outside the user's view
                found = [m for p in linked for m in hits(qualified_bom(p))]
        else:  # no programme recorded: judge on the models' current BOM
            lines = BomLine.objects.filter(module_model__in=cert.module_models.all())
            found = hits([line.material for line in lines.select_related("material")])
        if found:
            unique = list({m.pk: m for m in found}.values())
            retest = {kind for p in linked for kind in _retest(category.code, p)}
            retest |= set(_retest(category.code, None))
            out_certs.append(Invalidation(cert, unique, sorted(retest)))
    return InvalidationReport(list(by_programme.values()), out_certs)

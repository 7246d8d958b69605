"""APQP / new product introduction (AIAG APQP 2nd ed.): a project with its five phase gates,
the deliverables each gate expects and the signed gate reviews.

An ``ApqpProject`` (one module model or product family, optionally for one customer, at one
site) gets the five ``ApqpGate`` rows when it is created, and each gate the deliverables of
``DELIVERABLE_PLAN`` (configured data, copied so a project may add or drop its own). A
deliverable points at the real record that fulfils it — an FMEA, a control plan, an MSA
study, a capability study read live from a manufacturing SPC chart (or a typed figure when no
chart is linked), a qualification programme or certificate — or, for documents kept elsewhere
(PPAP submission, an external qualification report), a reference plus an attachment; its
status is *computed* from that record, never typed in. A ``GateReview`` records a decision
(pass / conditional / fail) with its electronic signature; the service refuses a pass while a
required deliverable is not done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow

#: number prefix of every APQP project: APQP-JX1-2026-00001
APQP_PREFIX = "APQP"


class ApqpPhase(models.TextChoices):
    PLAN = "plan", _("Plan and define the programme")
    PRODUCT = "product_design", _("Product design and development")
    PROCESS = "process_design", _("Process design and development")
    VALIDATION = "validation", _("Product and process validation")
    LAUNCH = "launch", _("Launch, feedback and corrective action")


#: gate order (AIAG APQP phases 1–5)
PHASE_ORDER = [p.value for p in ApqpPhase]


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LAUNCHED = "launched", _("Launched")
    CANCELLED = "cancelled", _("Cancelled")


class GateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PASSED = "passed", _("Passed")
    CONDITIONAL = "conditional", _("Passed with conditions")
    FAILED = "failed", _("Failed")


#: gate states after which the next gate may be reviewed
GATE_CLEARED = (GateStatus.PASSED, GateStatus.CONDITIONAL)


class GateDecision(models.TextChoices):
    PASS = "pass", _("Pass")
    CONDITIONAL = "conditional", _("Conditional pass")
    FAIL = "fail", _("Fail")


class DeliverableKind(models.TextChoices):
    DFMEA = "dfmea", _("Design FMEA")
    PFMEA = "pfmea", _("Process FMEA")
    CONTROL_PLAN = "control_plan", _("Control plan")
    MSA = "msa", _("Measurement system analysis")
    CAPABILITY = "capability", _("Process capability study")
    QUALIFICATION = "qualification", _("Qualification report")
    PPAP = "ppap", _("PPAP-like submission")
    DOCUMENT = "document", _("Other document")


class DeliverableState(models.TextChoices):
    MISSING = "missing", _("Missing")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


#: AIAG MSA 4th ed. (p. 78): %GRR up to 30 % may be acceptable, ndc at least 5
MSA_MAX_PCT_GRR = 30.0
MSA_MIN_NDC = 5
#: AIAG PPAP 4th ed. §2.2.11.3: preliminary studies need Ppk ≥ 1.67; ongoing Cpk ≥ 1.33
DEFAULT_CPK_TARGET = 1.67

#: AIAG PPAP 4th ed. §2.2.11.1: an initial process study has at least 100 readings
MIN_CAPABILITY_N = 100

#: which link fields each kind uses
LINK_FIELDS: dict[str, tuple[str, ...]] = {
    DeliverableKind.DFMEA: ("fmea",),
    DeliverableKind.PFMEA: ("fmea",),
    DeliverableKind.CONTROL_PLAN: ("control_plan",),
    DeliverableKind.MSA: ("msa_study",),
    DeliverableKind.CAPABILITY: ("characteristic", "spc_chart"),
    DeliverableKind.QUALIFICATION: ("programme", "certificate"),
}
LINKS = ("fmea", "control_plan", "msa_study", "characteristic", "spc_chart", "programme",
         "certificate")  # fmt: skip


PROJECT_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "cancel",
            _("Cancel the project"),
            (ProjectStatus.ACTIVE,),
            ProjectStatus.CANCELLED,
            style="danger",
        ),
        Transition(
            "reopen", _("Reopen"), (ProjectStatus.CANCELLED,), ProjectStatus.ACTIVE, style="warning"
        ),
    ],
)


class ApqpProject(models.Model):
    """One new product introduction (APQP) of a module model or product family at a site."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    product = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("module model"),
    )
    family = models.ForeignKey(
        "data.ProductFamily",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product family"),
    )
    customer = models.ForeignKey(
        "core.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
        help_text=_("Empty for a product developed for the market."),
    )
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project leader"),
    )
    team = models.TextField(
        _("team"), blank=True, help_text=_("One member per line: name, function.")
    )
    start_date = models.DateField(_("start date"))
    launch_date = models.DateField(_("planned start of production"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.ACTIVE,
        editable=False,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    scope = Scope(site="site")
    workflow = PROJECT_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("APQP project")
        verbose_name_plural = _("APQP projects")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("design:apqpproject_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not self.product_id and not self.family_id:
            errors["product"] = _("Name the module model or the product family.")
        if self.family_id and self.product is not None and self.product.family_id != self.family_id:
            errors["family"] = _("The module model belongs to another product family.")
        if self.start_date and self.launch_date and self.launch_date < self.start_date:
            errors["launch_date"] = _("The start of production cannot be before the start.")
        if errors:
            raise ValidationError(errors)

    @property
    def current_gate(self) -> ApqpGate | None:
        """The first gate not yet passed (None when all are)."""
        for gate in self.gates.all():
            if gate.status not in GATE_CLEARED:
                return gate
        return None


class ApqpGate(models.Model):
    """One phase gate of a project; its status changes only through a signed review."""

    project = models.ForeignKey(
        ApqpProject, on_delete=models.CASCADE, related_name="gates", verbose_name=_("project")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=ApqpPhase.choices)
    sequence = models.PositiveSmallIntegerField(_("gate"), editable=False)
    planned_date = models.DateField(_("planned review date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=GateStatus.choices,
        default=GateStatus.OPEN,
        editable=False,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)

    scope = Scope(site="project__site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("APQP gate")
        verbose_name_plural = _("APQP gates")
        ordering = ["project", "sequence"]
        constraints = [models.UniqueConstraint(fields=["project", "phase"], name="apqp_gate_once")]

    def __str__(self) -> str:
        return f"{self.project.number} G{self.sequence} {self.get_phase_display()}"

    def get_absolute_url(self) -> str:
        return reverse("design:apqpgate_detail", args=[self.pk])

    @property
    def css(self) -> str:
        colours: dict[str, str] = {
            GateStatus.PASSED: "bg-green text-green-fg",
            GateStatus.CONDITIONAL: "bg-yellow text-yellow-fg",
            GateStatus.FAILED: "bg-red text-red-fg",
        }
        return colours.get(self.status, "bg-secondary text-secondary-fg")


@dataclass(frozen=True)
class Evaluation:
    """A deliverable's state computed from its record, and why."""

    state: str
    reason: str

    @property
    def css(self) -> str:
        colours: dict[str, str] = {
            DeliverableState.DONE: "bg-green text-green-fg",
            DeliverableState.IN_PROGRESS: "bg-yellow text-yellow-fg",
        }
        return colours.get(self.state, "bg-red text-red-fg")

    @property
    def label(self) -> str:
        return str(DeliverableState(self.state).label)


def _product(project: ApqpProject) -> str:
    if project.product is not None:
        return project.product.code
    return str(project.family)


def covers_product(project: ApqpProject, module_model: Any) -> bool:
    """``module_model`` is the project's product (or, for a family project, of its family)."""
    if project.product_id:
        return module_model.pk == project.product_id
    return module_model.family_id == project.family_id


def _same_product(project: ApqpProject, module_model: Any) -> bool:
    """``module_model`` is the project's product or of its product family (a programme of a
    sibling model qualifies the family's shared design by similarity)."""
    product = project.product
    family_id = project.family_id or (product.family_id if product is not None else None)
    return module_model.pk == project.product_id or module_model.family_id == family_id


class ApqpDeliverable(models.Model):
    """One deliverable of a gate, linked to the record that fulfils it."""

    gate = models.ForeignKey(
        ApqpGate, on_delete=models.CASCADE, related_name="deliverables", verbose_name=_("gate")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DeliverableKind.choices)
    title = models.CharField(_("title"), max_length=200)
    required = models.BooleanField(
        _("required"), default=True, help_text=_("A required deliverable must be done to pass.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    fmea = models.ForeignKey(
        "design.Fmea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="apqp_deliverables",
        verbose_name=_("FMEA"),
    )
    control_plan = models.ForeignKey(
        "design.ControlPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="apqp_deliverables",
        verbose_name=_("control plan"),
    )
    msa_study = models.ForeignKey(
        "design.MsaStudy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="apqp_deliverables",
        verbose_name=_("MSA study"),
    )
    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("characteristic"),
        help_text=_("Capability studies: the characteristic studied."),
    )
    spc_chart = models.ForeignKey(
        "manufacturing.SpcChartConfig",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("SPC chart"),
        help_text=_("Capability studies: the chart whose live Cpk and Ppk are read."),
    )
    cpk = models.FloatField(
        _("Cpk / Ppk found"),
        null=True,
        blank=True,
        help_text=_("Typed figure, only when no SPC chart is linked."),
    )
    cpk_target = models.FloatField(_("Cpk / Ppk required"), default=DEFAULT_CPK_TARGET)
    programme = models.ForeignKey(
        "design.QualificationProgramme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="apqp_deliverables",
        verbose_name=_("qualification programme"),
    )
    certificate = models.ForeignKey(
        "design.Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="apqp_deliverables",
        verbose_name=_("certificate"),
    )
    reference = models.CharField(
        _("reference"),
        max_length=200,
        blank=True,
        help_text=_("Report, certificate or submission number; attach the document."),
    )
    accepted_on = models.DateField(
        _("customer approval date"),
        null=True,
        blank=True,
        help_text=_("PPAP-like submissions: the date the customer approved it."),
    )
    remarks = models.TextField(_("remarks"), blank=True)

    scope = Scope(site="gate__project__site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("APQP deliverable")
        verbose_name_plural = _("APQP deliverables")
        ordering = ["gate", "pk"]

    def __str__(self) -> str:
        return f"{self.gate} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("design:apqpdeliverable_detail", args=[self.pk])

    def clean(self) -> None:
        """Only the links of the deliverable's kind may be set, and they must fit the kind,
        the project's site and module model; the error names the field."""
        errors: dict[str, Any] = {}
        wanted = LINK_FIELDS.get(self.kind, ())
        for name in LINKS:
            if name not in wanted and getattr(self, f"{name}_id"):
                errors[name] = _("A %(kind)s deliverable does not link a %(field)s.") % {
                    "kind": self.get_kind_display(),
                    "field": self._field_label(name),
                }
        site_id = self.gate.project.site_id if self.gate_id else None
        fmea = self.fmea if "fmea" in wanted else None
        if fmea is not None:
            if fmea.kind != self.kind:
                errors["fmea"] = _("%(fmea)s is not a %(kind)s.") % {
                    "fmea": fmea.number,
                    "kind": self.get_kind_display(),
                }
            elif fmea.site_id not in (None, site_id):
                errors["fmea"] = _("The FMEA belongs to another site.")
        for name in ("control_plan", "msa_study"):
            linked = getattr(self, name) if getattr(self, f"{name}_id") else None
            if linked is not None and name in wanted and linked.site_id != site_id:
                errors[name] = _("The %(field)s belongs to another site.") % {
                    "field": self._field_label(name)
                }
        if self.kind == DeliverableKind.CAPABILITY:
            self._clean_chart(errors, site_id)
        if self.kind == DeliverableKind.QUALIFICATION and self.gate_id:
            self._clean_qualification(errors, site_id)
        if self.gate_id and self.gate.status == GateStatus.PASSED and not self.pk:
            errors["gate"] = _("The gate has passed: add the deliverable to an open gate.")
        if self.cpk_target is not None and self.cpk_target <= 0:
            errors["cpk_target"] = _("The required Cpk must be positive.")
        if errors:
            raise ValidationError(errors)

    def _clean_chart(self, errors: dict[str, Any], site_id: int | None) -> None:
        """A linked chart is a variables chart of the project's site; it fixes the
        characteristic, and its live figures replace a typed one."""
        chart = self.spc_chart
        if chart is None:
            return
        if chart.site_id != site_id:
            errors["spc_chart"] = _("The SPC chart %(chart)s belongs to another site.") % {
                "chart": chart.name
            }
        elif self.characteristic_id != chart.characteristic_id and self.characteristic is not None:
            errors["spc_chart"] = _("The SPC chart %(chart)s charts %(charted)s, not %(code)s.") % {
                "chart": chart.name,
                "charted": chart.characteristic.code,
                "code": self.characteristic.code,
            }
        else:
            self.characteristic_id = chart.characteristic_id
        if self.cpk is not None:
            errors["cpk"] = _(
                "A capability study linked to an SPC chart reads its Cpk from the chart: "
                "leave the typed figure empty."
            )

    def _clean_qualification(self, errors: dict[str, Any], site_id: int | None) -> None:
        """The programme and certificate must be of the project's site (or group-wide) and
        qualify the project's module model (or a model of its product family)."""
        project = self.gate.project
        programme = self.programme
        if programme is not None:
            model = programme.module_model
            if programme.site_id not in (None, site_id):
                errors["programme"] = _("%(number)s belongs to another site.") % {
                    "number": programme.number
                }
            elif not _same_product(project, model):
                errors["programme"] = _(
                    "%(number)s qualifies %(model)s, which is not %(product)s or of its "
                    "product family."
                ) % {"number": programme.number, "model": model.code, "product": _product(project)}
        cert = self.certificate
        if cert is not None:
            if cert.site_id not in (None, site_id):
                errors["certificate"] = _("%(number)s belongs to another site.") % {
                    "number": cert.number
                }
            elif not any(covers_product(project, m) for m in cert.module_models.all()):
                errors["certificate"] = _("Certificate %(number)s does not cover %(product)s.") % {
                    "number": cert.number,
                    "product": _product(project),
                }

    def _field_label(self, name: str) -> Any:
        return cast("models.Field[Any, Any]", self._meta.get_field(name)).verbose_name

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.gate.status == GateStatus.PASSED:
            raise ProtectedError(
                str(_("The gate has passed: its deliverables can no longer be changed.")), {self}
            )
        return super().delete(*args, **kwargs)


class GateReview(models.Model):
    """A signed gate decision and the deliverable states it was taken on."""

    gate = models.ForeignKey(
        ApqpGate, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("gate")
    )
    decision = models.CharField(_("decision"), max_length=20, choices=GateDecision.choices)
    comments = models.TextField(_("comments"), blank=True)
    conditions = models.TextField(
        _("conditions"), blank=True, help_text=_("Conditional pass: what must still be done.")
    )
    conditions_due = models.DateField(_("conditions due"), null=True, blank=True)
    deliverables = models.JSONField(_("deliverables at review"), default=list, editable=False)
    signature = models.ForeignKey(
        "core.ElectronicSignature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("signature"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now, editable=False)

    scope = Scope(site="gate__project__site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("gate review")
        verbose_name_plural = _("gate reviews")
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.gate}: {self.get_decision_display()}"

    def get_absolute_url(self) -> str:
        return reverse("design:gatereview_detail", args=[self.pk])

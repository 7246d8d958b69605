"""Internal audits: an annual programme per site and management system, the audits in it
(planned → in progress → reported → closed), their checklist generated from the clauses
mapped to the audited processes, and the findings — a major or minor finding opens a
system nonconformity (source: internal audit).

Auditors must be independent: nobody on the audit team may own an audited process.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.system.choices import AuditStatus, ChecklistResult, FindingKind

A = AuditStatus


class AuditProgramme(models.Model):
    """The internal audit programme of one site for one management system and year."""

    year = models.PositiveSmallIntegerField(_("year"))
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    system = models.ForeignKey(
        "system.ManagementSystem",
        on_delete=models.PROTECT,
        related_name="audit_programmes",
        verbose_name=_("management system"),
    )
    objectives = models.TextField(_("objectives and criteria"), blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme manager"),
    )

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("audit programme")
        verbose_name_plural = _("audit programmes")
        ordering = ["-year", "site__code", "system__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "site", "system"], name="system_programme_once_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.site.code} {self.system.standard}"

    def get_absolute_url(self) -> str:
        return reverse("system:auditprogramme_detail", args=[self.pk])


def _ready_to_start(obj: Audit, actor: Any) -> Any:
    from qdm.system.services.audits import independence_problems

    if not obj.lead_auditor_id:
        return _("Name the lead auditor first.")
    if not obj.processes.exists():
        return _("Put at least one process in the audit scope first.")
    if not obj.checklist.exists():
        return _("Generate the checklist first.")
    problems = independence_problems(obj, obj.team(), obj.processes.all())
    return " ".join(str(p) for p in problems) or None


def _lead_only(obj: Audit, actor: Any) -> Any:
    if actor is not None and getattr(actor, "is_superuser", False):
        return None
    if obj.lead_auditor_id and getattr(actor, "pk", None) != obj.lead_auditor_id:
        lead = obj.lead_auditor
        assert lead is not None  # lead_auditor_id is set
        name = lead.get_full_name() or lead.username
        return _("Only the lead auditor (%(name)s) may do this.") % {"name": name}
    return None


def _ready_to_report(obj: Audit, actor: Any) -> Any:
    lead = _lead_only(obj, actor)
    if lead:
        return lead
    missing = obj.checklist.filter(result="").count()
    if missing:
        return _("%(count)d checklist item(s) have no result yet.") % {"count": missing}
    if not (obj.summary or "").strip():
        return _("Write the audit summary first.")
    return None


def _ready_to_close(obj: Audit, actor: Any) -> Any:
    from qdm.system.choices import NC_FINDINGS

    lead = _lead_only(obj, actor)
    if lead:
        return lead
    if obj.findings.filter(kind__in=NC_FINDINGS, nonconformity__isnull=True).exists():
        return _("Every nonconformity finding needs its NC before closing.")
    return None


def _stamp(field: str):
    def done(obj: Audit, actor: Any) -> None:
        setattr(obj, field, timezone.now())
        obj.save(update_fields=[field])

    return done


AUDIT_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition("start", _("Start audit"), (A.PLANNED,), A.IN_PROGRESS, guard=_ready_to_start),
        Transition(
            "report",
            _("Issue report"),
            (A.IN_PROGRESS,),
            A.REPORTED,
            guard=_ready_to_report,
            on_done=_stamp("reported_at"),
        ),
        Transition(
            "close",
            _("Close audit"),
            (A.REPORTED,),
            A.CLOSED,
            guard=_ready_to_close,
            signature="approved",
            style="success",
            on_done=_stamp("closed_at"),
        ),
        Transition(
            "cancel",
            _("Cancel"),
            (A.PLANNED,),
            A.CANCELLED,
            style="outline-danger",
        ),
    ],
)


#: points of one answered checklist item for the audit score: a conforming item (or one
#: that only gave an opportunity for improvement) earns all, an observation 0.9, a minor
#: nonconformity 0.5, a major one nothing
RESULT_POINTS = {
    ChecklistResult.CONFORMING: 1.0,
    ChecklistResult.OFI: 1.0,
    ChecklistResult.OBSERVATION: 0.9,
    ChecklistResult.MINOR: 0.5,
    ChecklistResult.MAJOR: 0.0,
}


def audit_score(results: Any) -> float | None:
    """Σ points of the answered items / answered items × 100, rounded to 0.1; None when
    nothing is answered. Unanswered items ("") are not counted."""
    answered = [RESULT_POINTS[r] for r in results if r]
    if not answered:
        return None
    return round(sum(answered) / len(answered) * 100, 1)


class Audit(models.Model):
    """One internal audit: scope (processes, clauses), team, checklist, findings, report."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    programme = models.ForeignKey(
        AuditProgramme,
        on_delete=models.PROTECT,
        related_name="audits",
        verbose_name=_("audit programme"),
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("site"),
    )
    title = models.CharField(_("title"), max_length=200)
    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("audited supplier"),
        help_text=_(
            "For a supplier (second-party) audit: the supplier's users may then view the "
            "audit, its checklist and its findings."
        ),
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    processes = models.ManyToManyField(
        "system.Process", related_name="audits", verbose_name=_("processes audited")
    )
    clauses = models.ManyToManyField(
        "system.Clause",
        blank=True,
        related_name="audits",
        verbose_name=_("clauses audited"),
        help_text=_("Leave empty to audit every clause the processes are mapped to."),
    )
    lead_auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead auditor"),
    )
    auditors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("auditors")
    )
    summary = models.TextField(_("summary and conclusion"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AuditStatus.choices,
        default=AuditStatus.PLANNED,
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
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    scope = Scope(site="site", supplier="supplier")
    workflow = AUDIT_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("internal audit")
        verbose_name_plural = _("internal audits")
        ordering = ["-planned_start", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("system:audit_detail", args=[self.pk])

    def team(self) -> list[Any]:
        """The lead auditor and the auditors."""
        people = list(self.auditors.all())
        lead = self.lead_auditor
        if lead is not None and lead not in people:
            people.insert(0, lead)
        return people

    @property
    def score(self) -> float | None:
        """The audit score 0–100 from the answered checklist items (see
        :data:`RESULT_POINTS`); None while no item is answered."""
        return audit_score(self.checklist.exclude(result="").values_list("result", flat=True))

    @property
    def is_open_for_work(self) -> bool:
        return self.status in (A.PLANNED, A.IN_PROGRESS)


class ChecklistItem(models.Model):
    """One question of an audit checklist: one process against one clause."""

    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("audit")
    )
    process = models.ForeignKey(
        "system.Process", on_delete=models.PROTECT, related_name="+", verbose_name=_("process")
    )
    clause = models.ForeignKey(
        "system.Clause", on_delete=models.PROTECT, related_name="+", verbose_name=_("clause")
    )
    question = models.TextField(_("question"))
    evidence = models.TextField(_("evidence seen"), blank=True)
    result = models.CharField(
        _("result"), max_length=20, choices=ChecklistResult.choices, blank=True
    )

    scope = Scope(site="audit__site", supplier="audit__supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["audit", "process__code", "clause__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "process", "clause"], name="system_checklist_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.audit.number}: {self.process.code} × {self.clause.number}"

    def get_absolute_url(self) -> str:
        return reverse("system:checklistitem_detail", args=[self.pk])


class Finding(models.Model):
    """An audit finding. Major and minor nonconformities open a system NC (source
    internal audit) and, on request, a CAPA."""

    audit = models.ForeignKey(
        Audit, on_delete=models.PROTECT, related_name="findings", verbose_name=_("audit")
    )
    reference = models.CharField(_("reference"), max_length=50, editable=False)
    checklist_item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("checklist item"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FindingKind.choices)
    process = models.ForeignKey(
        "system.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("process"),
    )
    clause = models.ForeignKey(
        "system.Clause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clause"),
    )
    statement = models.TextField(_("finding"))
    evidence = models.TextField(_("objective evidence"), blank=True)
    nonconformity = models.ForeignKey(
        "system.Nonconformity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="audit_findings",
        verbose_name=_("nonconformity"),
    )
    capa = models.ForeignKey(
        "system.EightD",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="audit_findings",
        verbose_name=_("CAPA / 8D"),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now, editable=False)

    scope = Scope(site="audit__site", supplier="audit__supplier")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        ordering = ["audit", "reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("system:finding_detail", args=[self.pk])

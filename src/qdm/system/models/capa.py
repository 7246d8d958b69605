"""CAPA and 8D: one engine for internal CAPA, supplier SCAR and customer 8D.

``EightD`` is the aggregate (D0 symptom, D2 problem description with 5W2H and is/is-not,
D8 closure); the other disciplines are child records: the team (D1), actions (D3
containment, D5/D6 permanent corrective actions, D7 prevention of recurrence, each with an
owner and a due date, escalated when overdue), root causes (D4, 5-Why chain and 6M
category, occurrence or escape) and verifications of effectiveness (with evidence as
attachments). States follow the kernel workflow with guards; a closed or cancelled record
and its children can no longer be changed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.system.choices import (
    ActionStatus,
    CapaKind,
    CapaStatus,
    CauseType,
    Discipline,
    PreventionTarget,
    SixM,
    TeamRole,
)

S = CapaStatus
LOCKED_STATES = (CapaStatus.CLOSED, CapaStatus.CANCELLED)


def _ready_to_contain(obj: EightD, actor: Any) -> Any:
    if not obj.champion_id:
        return _("Name the champion (D1) first.")
    if not obj.team.exists():
        return _("Add at least one team member (D1) first.")
    if not (obj.problem_what or "").strip():
        return _("Describe the problem (D2, what) first.")
    if not obj.actions.filter(discipline=Discipline.CONTAINMENT).exists():
        return _("Record at least one containment action (D3) first.")
    return None


def _ready_for_d5(obj: EightD, actor: Any) -> Any:
    if not obj.root_causes.filter(cause_type=CauseType.OCCURRENCE).exists():
        return _("D5 cannot be approved without a root cause (D4).")
    if not obj.actions.filter(discipline=Discipline.CORRECTIVE).exists():
        return _("Plan at least one permanent corrective action (D5) first.")
    return None


def _ready_to_implement(obj: EightD, actor: Any) -> Any:
    corrective = obj.actions.filter(discipline=Discipline.CORRECTIVE)
    still_open = corrective.filter(status=ActionStatus.OPEN).count()
    if still_open:
        return _("%(count)d permanent corrective action(s) are not done yet (D6).") % {
            "count": still_open
        }
    if not corrective.filter(status=ActionStatus.DONE).exists():
        return _("At least one permanent corrective action must be done (D6).")
    return None


def _ready_to_close(obj: EightD, actor: Any) -> Any:
    from qdm.core.services.attachments import attachments_for

    if actor is not None and actor.pk == obj.champion_id:
        return _("The champion may not sign the closure: someone else must.")
    effective = [v for v in obj.verifications.filter(effective=True) if attachments_for(v).exists()]
    if not effective:
        return _(
            "Closure needs a verification of effectiveness marked effective, with evidence "
            "attached."
        )
    return None


def _closed(obj: EightD, actor: Any) -> None:
    obj.closed_at = timezone.now()
    obj.save(update_fields=["closed_at"])


EIGHTD_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition(
            "contain",
            _("Confirm containment (D3)"),
            (S.OPEN,),
            S.CONTAINED,
            guard=_ready_to_contain,
        ),
        Transition(
            "approve_d5",
            _("Approve root cause and actions (D5)"),
            (S.CONTAINED,),
            S.APPROVED,
            guard=_ready_for_d5,
            signature="approved",
        ),
        Transition(
            "implement",
            _("Confirm implementation (D6)"),
            (S.APPROVED,),
            S.IMPLEMENTED,
            guard=_ready_to_implement,
        ),
        Transition(
            "close",
            _("Close (D8)"),
            (S.IMPLEMENTED,),
            S.CLOSED,
            guard=_ready_to_close,
            signature="approved",
            style="success",
            on_done=_closed,
        ),
        Transition(
            "cancel",
            _("Cancel"),
            (S.OPEN, S.CONTAINED, S.APPROVED, S.IMPLEMENTED),
            S.CANCELLED,
            signature="rejected",
            style="outline-danger",
        ),
    ],
)


def _user_fk(verbose: Any, *, null: bool = False, related: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related,
        verbose_name=verbose,
    )


def _text(verbose: Any) -> models.TextField:
    return models.TextField(verbose, blank=True)


class EightD(models.Model):
    """A CAPA / SCAR / customer 8D: the problem, its team, causes, actions and closure."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=CapaKind.choices)
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    supplier = models.ForeignKey(
        "core.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier"),
    )
    customer = models.ForeignKey(
        "core.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    title = models.CharField(_("title"), max_length=200)
    nonconformities = models.ManyToManyField(
        "system.Nonconformity",
        blank=True,
        related_name="capas",
        verbose_name=_("nonconformities"),
    )
    champion = _user_fk(_("champion"), null=True)
    due_date = models.DateField(_("target closure date"), null=True, blank=True)
    # D0
    symptom = _text(_("D0 symptom and emergency response"))
    # D2: 5W2H
    problem_what = _text(_("what (D2)"))
    problem_where = _text(_("where"))
    problem_when = _text(_("when"))
    problem_who = _text(_("who"))
    problem_why = _text(_("why it is a problem"))
    problem_how = _text(_("how it was detected"))
    problem_how_many = _text(_("how many"))
    # D2: is / is not
    is_what = _text(_("is: what"))
    is_not_what = _text(_("is not: what"))
    is_where = _text(_("is: where"))
    is_not_where = _text(_("is not: where"))
    is_when = _text(_("is: when"))
    is_not_when = _text(_("is not: when"))
    is_extent = _text(_("is: extent"))
    is_not_extent = _text(_("is not: extent"))
    # D8
    closure_summary = _text(_("D8 closure summary and team recognition"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CapaStatus.choices,
        default=CapaStatus.OPEN,
        editable=False,
        db_index=True,
    )
    opened_by = _user_fk(_("opened by"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    scope = Scope(site="site", supplier="supplier", customer="customer")
    workflow = EIGHTD_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("CAPA / 8D")
        verbose_name_plural = _("CAPAs and 8Ds")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("system:eightd_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """Closed and cancelled records are frozen; changes need a new CAPA."""
        return self.status in LOCKED_STATES

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_locked:
            raise ProtectedError(str(_("A closed CAPA cannot be deleted.")), {self})
        return super().delete(*args, **kwargs)


class CapaPart(models.Model):
    """Base of the D1–D7 child records: they live and die with their CAPA."""

    capa = models.ForeignKey(
        EightD, on_delete=models.CASCADE, related_name="+", verbose_name=_("CAPA / 8D")
    )

    scope = Scope(site="capa__site", supplier="capa__supplier", customer="capa__customer")
    objects = ScopedManager()

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        opts = self._meta
        return reverse(f"{opts.app_label}:{opts.model_name}_detail", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.capa.is_locked:
            raise ProtectedError(str(_("A closed CAPA cannot be changed.")), {self.capa})
        return super().delete(*args, **kwargs)


class TeamMember(CapaPart):
    """D1: a member of the 8D team (the champion is named on the CAPA itself)."""

    capa = models.ForeignKey(
        EightD, on_delete=models.CASCADE, related_name="team", verbose_name=_("CAPA / 8D")
    )
    user = _user_fk(_("person"))
    role = models.CharField(
        _("role"), max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    department = models.CharField(_("department"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("8D team member")
        verbose_name_plural = _("8D team members")
        ordering = ["capa", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["capa", "user"], name="system_team_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.capa.number}: {self.user}"


class RootCause(CapaPart):
    """D4: a root cause with its 5-Why chain and Ishikawa (6M) category."""

    capa = models.ForeignKey(
        EightD, on_delete=models.CASCADE, related_name="root_causes", verbose_name=_("CAPA / 8D")
    )
    cause_type = models.CharField(
        _("cause type"), max_length=20, choices=CauseType.choices, default=CauseType.OCCURRENCE
    )
    category = models.CharField(_("6M category"), max_length=20, choices=SixM.choices)
    statement = models.TextField(_("root cause"))
    why_1 = models.CharField(_("why 1"), max_length=300, blank=True)
    why_2 = models.CharField(_("why 2"), max_length=300, blank=True)
    why_3 = models.CharField(_("why 3"), max_length=300, blank=True)
    why_4 = models.CharField(_("why 4"), max_length=300, blank=True)
    why_5 = models.CharField(_("why 5"), max_length=300, blank=True)
    verified = models.BooleanField(_("verified by reproduction or data"), default=False)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["capa", "cause_type", "pk"]

    def __str__(self) -> str:
        return f"{self.capa.number}: {self.statement[:80]}"

    @property
    def whys(self) -> list[str]:
        return [w for w in (self.why_1, self.why_2, self.why_3, self.why_4, self.why_5) if w]


class CapaAction(CapaPart):
    """D3 containment, D5/D6 permanent corrective or D7 preventive action, with an owner
    and a due date; overdue open actions escalate to the owner, then to the manager."""

    capa = models.ForeignKey(
        EightD, on_delete=models.CASCADE, related_name="actions", verbose_name=_("CAPA / 8D")
    )
    discipline = models.CharField(_("discipline"), max_length=5, choices=Discipline.choices)
    description = models.TextField(_("action"))
    root_cause = models.ForeignKey(
        RootCause,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("root cause addressed"),
    )
    prevention_target = models.CharField(
        _("what to update"), max_length=20, choices=PreventionTarget.choices, blank=True
    )
    reference = models.CharField(
        _("reference (FMEA, control plan, document number)"), max_length=120, blank=True
    )
    target_site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other site to update"),
    )
    owner = _user_fk(_("owner"))
    manager = _user_fk(_("owner's manager (escalation)"), null=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), default=0, editable=False
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("CAPA action")
        verbose_name_plural = _("CAPA actions")
        ordering = ["capa", "discipline", "due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.capa.number} {self.get_discipline_display()}: {self.description[:60]}"


class Verification(CapaPart):
    """D6/D7: a verification of effectiveness; its evidence is attached to it."""

    capa = models.ForeignKey(
        EightD, on_delete=models.CASCADE, related_name="verifications", verbose_name=_("CAPA / 8D")
    )
    method = models.TextField(_("verification method"))
    result = models.TextField(_("result"))
    effective = models.BooleanField(_("effective"), default=False)
    verified_by = _user_fk(_("verified by"))
    verified_on = models.DateField(_("verified on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("effectiveness verification")
        verbose_name_plural = _("effectiveness verifications")
        ordering = ["capa", "-verified_on", "pk"]

    def __str__(self) -> str:
        return f"{self.capa.number}: {self.method[:60]}"

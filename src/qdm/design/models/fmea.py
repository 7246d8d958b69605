"""AIAG-VDA FMEA (DFMEA and PFMEA): the planning record (``Fmea``) and its failure chains
(``FmeaItem``), one worksheet row each.

Structure is kept flat, the way the AIAG-VDA form lays it out: every row names its next
higher level, its focus element and its next lower level (with the 4M type for a PFMEA
work element). Rows sharing a focus element form the tree; there is no parent link.

An FMEA goes draft → in review → released (e-signed "approved"); a released FMEA is frozen
and changed only through a new revision, which supersedes it when released.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.core.workflow import Transition, Workflow
from qdm.data.choices import SpecialClass
from qdm.design.choices import (
    LOCKED_STATES,
    ActionPriority,
    FmeaKind,
    FmeaStatus,
    FourM,
    OptimisationStatus,
)
from qdm.design.ratings import help_text
from qdm.quality.fmea import FmeaRatingError, action_priority, check_rating, rpn

S = FmeaStatus
lazy_help = lazy(help_text, str)

RATINGS = ("severity", "occurrence", "detection")
RATINGS_AFTER = ("severity_after", "occurrence_after", "detection_after")


def rating_message(label: Any, value: Any) -> str:
    return str(
        _("%(field)s must be a whole number from 1 to 10 (got %(value)s).")
        % {"field": capfirst(str(label)), "value": value}
    )


def _has_items(obj: Fmea, actor: Any) -> Any:
    return None if obj.items.exists() else _("Add at least one failure chain first.")


def _released(obj: Fmea, actor: Any) -> None:
    from qdm.core.services.audit import record_event

    obj.released_at = timezone.now()
    obj.save(update_fields=["released_at"])
    for older in Fmea.objects.filter(number=obj.number, status=S.RELEASED).exclude(pk=obj.pk):
        older.status = S.SUPERSEDED
        older.save(update_fields=["status"])
        record_event(
            older,
            "superseded",
            actor=actor,
            message=str(_("Superseded by revision %(revision)d") % {"revision": obj.revision}),
            data={"by": obj.pk},
        )


FMEA_WORKFLOW = Workflow(
    field="status",
    transitions=[
        Transition("submit", _("Submit for review"), (S.DRAFT,), S.REVIEW, guard=_has_items),
        Transition("rework", _("Return to draft"), (S.REVIEW,), S.DRAFT, style="warning"),
        Transition(
            "release",
            _("Release"),
            (S.REVIEW,),
            S.RELEASED,
            signature="approved",
            style="success",
            on_done=_released,
        ),
    ],
)


class Fmea(models.Model):
    """One FMEA (design or process), one revision: planning (AIAG-VDA step 1) and the
    header of the worksheet whose rows are ``FmeaItem``."""

    number = models.CharField(_("number"), max_length=40, editable=False, db_index=True)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=FmeaKind.choices)
    title = models.CharField(_("title"), max_length=200)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Empty for a group-wide FMEA."),
    )
    product = models.ForeignKey(
        "data.ModuleModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    planning_scope = models.TextField(
        _("scope"), blank=True, help_text=_("What the analysis includes and excludes.")
    )
    team = models.TextField(
        _("team"), blank=True, help_text=_("One member per line: name, function.")
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("target completion date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=FmeaStatus.choices,
        default=FmeaStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    revised_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="revisions",
        verbose_name=_("revised from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True, editable=False)

    scope = Scope(site="site", group_rows_when_site_empty=True)
    workflow = FMEA_WORKFLOW
    objects = ScopedManager()

    class Meta:
        verbose_name = _("FMEA")
        verbose_name_plural = _("FMEAs")
        ordering = ["-created_at", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="fmea_number_revision")
        ]

    def __str__(self) -> str:
        return f"{self.number} rev {self.revision} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("design:fmea_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATES

    def locked_error(self) -> ValidationError:
        return ValidationError(
            _("%(fmea)s is %(status)s and can no longer be changed: start a new revision."),
            code="fmea_locked",
            params={
                "fmea": f"{self.number} rev {self.revision}",
                "status": self.get_status_display(),
            },
        )

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status != S.DRAFT:
            raise ProtectedError(str(_("Only a draft FMEA can be deleted.")), {self})
        from django.db import transaction

        with transaction.atomic():
            # rows first: they hold the failure net's elements (protected foreign keys)
            self.items.all().delete()
            return super().delete(*args, **kwargs)


class FmeaItem(models.Model):
    """One failure chain of an FMEA worksheet (AIAG-VDA steps 2–6): structure, function,
    failure effect → mode → cause, current controls with S/O/D and the computed action
    priority, and the optimisation action with its re-rating."""

    fmea = models.ForeignKey(
        Fmea, on_delete=models.CASCADE, related_name="items", verbose_name=_("FMEA")
    )
    position = models.PositiveIntegerField(_("row"), default=0)
    # step 2: structure
    higher_level = models.CharField(
        _("next higher level"),
        max_length=200,
        blank=True,
        help_text=_("System (DFMEA) or process item (PFMEA)."),
    )
    focus_element = models.CharField(
        _("focus element"),
        max_length=200,
        help_text=_("System element or component (DFMEA); process step (PFMEA)."),
    )
    lower_level = models.CharField(
        _("next lower level"),
        max_length=200,
        blank=True,
        help_text=_("Component or characteristic (DFMEA); work element (PFMEA)."),
    )
    four_m = models.CharField(
        _("4M type"),
        max_length=20,
        choices=FourM.choices,
        blank=True,
        help_text=_("PFMEA work elements only."),
    )
    # step 3: functions and requirements
    higher_function = models.TextField(_("next higher level function"), blank=True)
    focus_function = models.TextField(_("focus element function and requirement"), blank=True)
    lower_function = models.TextField(_("next lower level function or characteristic"), blank=True)
    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalog characteristic"),
    )
    # step 4: failure chain
    failure_effect = models.TextField(_("failure effect (FE)"))
    severity = models.PositiveSmallIntegerField(_("severity (S)"), help_text=lazy_help("severity"))
    failure_mode = models.TextField(_("failure mode (FM)"))
    failure_cause = models.TextField(_("failure cause (FC)"))
    # step 5: risk analysis
    prevention_controls = models.TextField(_("current prevention controls (PC)"), blank=True)
    occurrence = models.PositiveSmallIntegerField(
        _("occurrence (O)"), help_text=lazy_help("occurrence")
    )
    detection_controls = models.TextField(_("current detection controls (DC)"), blank=True)
    detection = models.PositiveSmallIntegerField(
        _("detection (D)"), help_text=lazy_help("detection")
    )
    action_priority = models.CharField(
        _("action priority (AP)"), max_length=1, choices=ActionPriority.choices, editable=False
    )
    rpn = models.PositiveSmallIntegerField(_("RPN"), editable=False)
    special_class = models.CharField(
        _("special characteristic"),
        max_length=2,
        blank=True,
        choices=SpecialClass.choices,
        default=SpecialClass.NONE,
    )
    # step 6: optimisation
    preventive_action = models.TextField(_("preventive action"), blank=True)
    detection_action = models.TextField(_("detection action"), blank=True)
    action_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    action_due = models.DateField(_("target completion date"), null=True, blank=True)
    action_status = models.CharField(
        _("action status"), max_length=20, choices=OptimisationStatus.choices, blank=True
    )
    action_taken = models.TextField(_("action taken and evidence"), blank=True)
    action_completed = models.DateField(_("completion date"), null=True, blank=True)
    severity_after = models.PositiveSmallIntegerField(
        _("severity after (S)"), null=True, blank=True
    )
    occurrence_after = models.PositiveSmallIntegerField(
        _("occurrence after (O)"), null=True, blank=True
    )
    detection_after = models.PositiveSmallIntegerField(
        _("detection after (D)"), null=True, blank=True
    )
    action_priority_after = models.CharField(
        _("action priority after"),
        max_length=1,
        choices=ActionPriority.choices,
        blank=True,
        editable=False,
    )
    rpn_after = models.PositiveSmallIntegerField(
        _("RPN after"), null=True, blank=True, editable=False
    )
    remarks = models.TextField(_("remarks"), blank=True)
    # the failure net (structure tree): the elements this chain links, when built there
    net_effect = models.ForeignKey(
        "design.FailureElement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chains_as_effect",
        verbose_name=_("failure effect in the net"),
    )
    net_mode = models.ForeignKey(
        "design.FailureElement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chains_as_mode",
        verbose_name=_("failure mode in the net"),
    )
    net_cause = models.ForeignKey(
        "design.FailureElement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chains_as_cause",
        verbose_name=_("failure cause in the net"),
    )

    scope = Scope(site="fmea__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("FMEA item")
        verbose_name_plural = _("FMEA items")
        ordering = ["fmea", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.fmea.number} #{self.position}: {self.failure_mode[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("design:fmeaitem_detail", args=[self.pk])

    def _label(self, name: str) -> Any:
        return cast("models.Field[Any, Any]", self._meta.get_field(name)).verbose_name

    def clean(self) -> None:
        """Ratings must be whole numbers 1–10 (the error names the field); re-ratings come
        all three or none. Fills in AP and RPN from ``qdm.quality.fmea``."""
        errors: dict[str, Any] = {}
        for name in (*RATINGS, *RATINGS_AFTER):
            value = getattr(self, name)
            if value is None and name in RATINGS_AFTER:
                continue
            try:
                check_rating(name, value)
            except FmeaRatingError:
                errors[name] = ValidationError(
                    rating_message(self._label(name), value), code="bad_rating"
                )
        after = [getattr(self, name) for name in RATINGS_AFTER]
        if any(v is not None for v in after) and not all(v is not None for v in after):
            for name in RATINGS_AFTER:
                if getattr(self, name) is None:
                    errors.setdefault(
                        name,
                        ValidationError(
                            _("Re-rate severity, occurrence and detection together."),
                            code="partial_rerating",
                        ),
                    )
        if errors:
            raise ValidationError(errors)
        self.compute()

    def compute(self) -> None:
        """AP and RPN from the library, with the FMEA's kind (raises on bad ratings)."""
        kind = self.fmea.kind
        self.action_priority = action_priority(self.severity, self.occurrence, self.detection, kind)
        self.rpn = rpn(self.severity, self.occurrence, self.detection)
        severity, occurrence, detection = (
            self.severity_after,
            self.occurrence_after,
            self.detection_after,
        )
        if severity is not None and occurrence is not None and detection is not None:
            self.action_priority_after = action_priority(severity, occurrence, detection, kind)
            self.rpn_after = rpn(severity, occurrence, detection)
        else:
            self.action_priority_after, self.rpn_after = "", None

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.compute()  # never store an AP or RPN that disagrees with the ratings
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.fmea.is_locked:
            raise ProtectedError(str(self.fmea.locked_error().messages[0]), {self.fmea})
        return super().delete(*args, **kwargs)

    @property
    def ap_css(self) -> str:
        return {"H": "bg-red text-red-fg", "M": "bg-yellow text-yellow-fg"}.get(
            self.action_priority, "bg-green text-green-fg"
        )

    @property
    def ap_after_css(self) -> str:
        return {
            "H": "bg-red text-red-fg",
            "M": "bg-yellow text-yellow-fg",
            "L": "bg-green text-green-fg",
        }.get(self.action_priority_after, "")


# --- AIAG-VDA steps 2–4 as a net: structure tree, functions, failures ------------------------


class StructureKind(models.TextChoices):
    SYSTEM = "system", _("System")
    ELEMENT = "element", _("System element")
    COMPONENT = "component", _("Component")
    PROCESS_ITEM = "process_item", _("Process item")
    PROCESS_STEP = "process_step", _("Process step")
    WORK_ELEMENT = "work_element", _("Process work element")


K = StructureKind
#: the root kind of each FMEA kind, and the kinds a node may hold (AIAG-VDA 2019, step 2)
ROOT_KIND = {"dfmea": K.SYSTEM, "pfmea": K.PROCESS_ITEM}
CHILD_KINDS = {
    K.SYSTEM: (K.ELEMENT, K.COMPONENT),
    K.ELEMENT: (K.ELEMENT, K.COMPONENT),
    K.COMPONENT: (K.COMPONENT,),
    K.PROCESS_ITEM: (K.PROCESS_STEP,),
    K.PROCESS_STEP: (K.WORK_ELEMENT,),
    K.WORK_ELEMENT: (),
}
KINDS_OF = {
    "dfmea": (K.SYSTEM, K.ELEMENT, K.COMPONENT),
    "pfmea": (K.PROCESS_ITEM, K.PROCESS_STEP, K.WORK_ELEMENT),
}


class StructureNode(models.Model):
    """One element of an FMEA's structure tree: system → element → component (DFMEA) or
    process item → process step → work element with its 4M type (PFMEA)."""

    fmea = models.ForeignKey(
        Fmea, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("FMEA")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    kind = models.CharField(_("level"), max_length=20, choices=StructureKind.choices)
    name = models.CharField(_("name"), max_length=200)
    four_m = models.CharField(
        _("4M type"), max_length=20, choices=FourM.choices, blank=True,
        help_text=_("Process work elements only."),
    )  # fmt: skip
    position = models.PositiveIntegerField(_("position"), default=0)

    scope = Scope(site="fmea__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("structure element")
        verbose_name_plural = _("structure elements")
        ordering = ["fmea", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("design:fmea_structure", args=[self.fmea_id]) + f"#node-{self.pk}"

    def ancestors(self) -> list[StructureNode]:
        out, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            out.append(node)
            seen.add(node.pk)
            node = node.parent
        return out

    def clean(self) -> None:
        """The level must fit the FMEA's kind and the parent's level; 4M on work elements
        only (and required there); no cycles. Errors name the field."""
        errors: dict[str, Any] = {}
        kind = self.fmea.kind if self.fmea_id else None
        if kind and self.kind not in KINDS_OF[kind]:
            errors["kind"] = _("A %(fmea_kind)s has no %(level)s level.") % {
                "fmea_kind": self.fmea.get_kind_display(),
                "level": self.get_kind_display(),
            }
        elif self.parent_id is None:
            if kind and self.kind != ROOT_KIND[kind]:
                errors["parent"] = _("A %(level)s needs a parent; only a %(root)s is a root.") % {
                    "level": self.get_kind_display(),
                    "root": StructureKind(ROOT_KIND[kind]).label,
                }
        else:
            parent = self.parent
            assert parent is not None  # parent_id is set
            if parent.fmea_id != self.fmea_id:
                errors["parent"] = _("The parent belongs to another FMEA.")
            elif self.pk and (parent.pk == self.pk or self in parent.ancestors()):
                errors["parent"] = _("An element cannot be moved under itself.")
            elif self.kind not in CHILD_KINDS[StructureKind(parent.kind)]:
                errors["parent"] = _("A %(parent)s cannot hold a %(level)s.") % {
                    "parent": parent.get_kind_display(),
                    "level": self.get_kind_display(),
                }
        if self.kind == K.WORK_ELEMENT and not self.four_m:
            errors["four_m"] = _("Choose the 4M type of the work element.")
        if self.kind != K.WORK_ELEMENT and self.four_m:
            errors["four_m"] = _("Only a process work element has a 4M type.")
        if errors:
            raise ValidationError(errors)


class FmeaFunction(models.Model):
    """A function (and its requirement) of a structure element (AIAG-VDA step 3), linked to
    the catalog characteristic that measures it."""

    node = models.ForeignKey(
        StructureNode,
        on_delete=models.CASCADE,
        related_name="functions",
        verbose_name=_("structure element"),
    )
    description = models.CharField(_("function"), max_length=300)
    requirement = models.CharField(_("requirement"), max_length=300, blank=True)
    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalog characteristic"),
    )

    scope = Scope(site="node__fmea__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("FMEA function")
        verbose_name_plural = _("FMEA functions")
        ordering = ["node", "pk"]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return self.node.get_absolute_url()


class FailureKind(models.TextChoices):
    EFFECT = "effect", _("Failure effect (FE)")
    MODE = "mode", _("Failure mode (FM)")
    CAUSE = "cause", _("Failure cause (FC)")


class FailureElement(models.Model):
    """A failure of a function (AIAG-VDA step 4): the effect at the next higher level, the
    mode at the focus element, the cause at the next lower level (work element)."""

    function = models.ForeignKey(
        FmeaFunction, on_delete=models.CASCADE, related_name="failures", verbose_name=_("function")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FailureKind.choices)
    description = models.CharField(_("description"), max_length=300)

    scope = Scope(site="function__node__fmea__site", group_rows_when_site_empty=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("failure")
        verbose_name_plural = _("failures")
        ordering = ["function", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"

    def get_absolute_url(self) -> str:
        return self.function.node.get_absolute_url()

"""The workflow engine: one transition table per stateful model, one ``transition()``.

A model declares ``workflow = Workflow(field="status", transitions=[...])``. Each
``Transition`` names its source states, target, the permission it needs (checked against
the user's grants *and* the object's scope), an optional guard (returns an error message
or None) and, when it matters, the meaning of the electronic signature it requires.

The same table drives the buttons on the detail page and the API's ``/transition/``
action, so the UI never offers what the API would refuse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from qdm.core.services.audit import record_event
from qdm.core.signatures import SignatureError, sign

Guard = Callable[[Any, Any], Any]  # (obj, actor) -> error message or None


class TransitionError(Exception):
    """A transition was refused. ``code`` is stable for the API."""

    status = 400

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any
    sources: tuple[str, ...]
    target: str
    permission: str | None = None  # "app.codename"; default: change permission on the model
    guard: Guard | None = None
    signature: str | None = None  # meaning required, e.g. "approved"
    style: str = "primary"
    on_done: Callable[[Any, Any], None] | None = None  # side effects inside the transaction


@dataclass(frozen=True)
class Workflow:
    field: str
    transitions: list[Transition] = dataclasses.field(default_factory=list)

    def get(self, action: str) -> Transition:
        for item in self.transitions:
            if item.action == action:
                return item
        raise TransitionError("unknown_transition", _("Unknown action: %s") % action)


def _workflow(obj: models.Model) -> Workflow:
    workflow = getattr(type(obj), "workflow", None)
    if not isinstance(workflow, Workflow):
        raise TypeError(f"{type(obj).__name__} has no workflow")
    return workflow


def _permission(obj: models.Model, item: Transition) -> str:
    opts = obj._meta
    return item.permission or f"{opts.app_label}.change_{opts.model_name}"


def refusal(obj: models.Model, item: Transition, user: Any) -> TransitionError | None:
    """Why ``user`` may not take ``item`` on ``obj`` now, or None."""
    state = getattr(obj, _workflow(obj).field)
    if state not in item.sources:
        return TransitionError(
            "transition_not_allowed",
            _("“%(action)s” is not possible from state “%(state)s”.")
            % {"action": item.label, "state": state},
        )
    if not user.has_perm(_permission(obj, item), obj):
        return TransitionError("permission_denied", _("You may not do this."))
    if item.guard is not None:
        problem = item.guard(obj, user)
        if problem:
            return TransitionError("guard_failed", problem)
    return None


def available_transitions(obj: models.Model, user: Any) -> list[Transition]:
    """Transitions the user may take now (for the buttons)."""
    workflow = getattr(type(obj), "workflow", None)
    if not isinstance(workflow, Workflow):
        return []
    return [t for t in workflow.transitions if refusal(obj, t, user) is None]


def transition(
    obj: models.Model,
    action: str,
    *,
    actor: Any,
    comment: str = "",
    password: str | None = None,
    meaning: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> models.Model:
    """Move ``obj`` along ``action``: lock, check, sign if required, save, write the event.

    Raises TransitionError (nothing saved) when the state, permission, guard or signature
    does not allow it.
    """
    workflow = _workflow(obj)
    item = workflow.get(action)
    with transaction.atomic():
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        problem = refusal(locked, item, actor)
        if problem:
            raise problem
        signature = None
        if item.signature:
            try:
                signature = sign(
                    locked,
                    user=actor,
                    password=password or "",
                    meaning=meaning or item.signature,
                    reason=reason,
                    action=action,
                )
            except SignatureError as exc:
                raise TransitionError(exc.code, exc.message) from exc
        source = getattr(locked, workflow.field)
        setattr(locked, workflow.field, item.target)
        locked.save()
        if item.on_done is not None:
            item.on_done(locked, actor)
        record_event(
            locked,
            f"transition:{action}",
            actor=actor,
            message=str(
                _("%(action)s: %(source)s → %(target)s")
                % {"action": item.label, "source": source, "target": item.target}
            ),
            data={
                "from": source,
                "to": item.target,
                "comment": comment,
                "signature": signature.pk if signature else None,
                **(data or {}),
            },
        )
    setattr(obj, workflow.field, item.target)
    return locked

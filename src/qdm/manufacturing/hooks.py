"""Hooks of the inspection engine for the platforms beside it (DESIGN §3).

Manufacturing never imports its sibling platforms; they register here in their
``AppConfig.ready`` (through :mod:`qdm.manufacturing.selectors`, the one module they may
import):

* **lot-judged listeners** — ``listener(lot)`` runs after the transaction that judged an
  inspection lot commits (supplier quality updates the ISO 2859-1 switching state of that
  supplier × material). Listeners must not raise; a failure is logged and never undoes
  the verdict.
* **severity providers** — ``provider(lot) -> "normal" | "tightened" | "reduced" | None``
  says under which ISO 2859-1 severity an IQC lot is sampled (the supplier platform keeps
  the switching state); the first provider that answers wins, default normal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

LotListener = Callable[[Any], Any]
SeverityProvider = Callable[[Any], "str | None"]
_judged: list[LotListener] = []
_severity: list[SeverityProvider] = []


def on_lot_judged(listener: LotListener) -> LotListener:
    """Register ``listener(lot)``, called after a lot's verdict commits."""
    if listener not in _judged:
        _judged.append(listener)
    return listener


def provide_severity(provider: SeverityProvider) -> SeverityProvider:
    """Register ``provider(lot)`` returning the ISO 2859-1 severity of a lot, or None."""
    if provider not in _severity:
        _severity.append(provider)
    return provider


def sampling_severity(lot: Any) -> str:
    """The severity under which ``lot`` is sampled (``normal`` unless a provider says)."""
    if lot is None or getattr(lot, "pk", None) is None:
        return "normal"
    cached = getattr(lot, "_qdm_sampling_severity", None)
    if cached is not None:  # asked once per row while results are recorded
        return str(cached)
    severity = "normal"
    for provider in list(_severity):
        answer = provider(lot)
        if answer:
            severity = str(answer)
            break
    lot._qdm_sampling_severity = severity
    return severity


def lot_judged(lot: Any) -> None:
    """Schedule the listeners for after the surrounding transaction commits."""
    lot_id = lot.pk

    def run() -> None:
        from qdm.manufacturing.models import InspectionLot

        fresh = InspectionLot.objects.filter(pk=lot_id).first()
        if fresh is None:
            return
        for listener in list(_judged):
            try:
                listener(fresh)
            except Exception:  # a listener's failure must never undo the verdict
                logger.exception("lot listener %r failed for lot %s", listener, lot_id)

    transaction.on_commit(run)

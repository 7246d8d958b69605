"""Listeners for stored batches. Platforms above ``data`` (manufacturing's SPC evaluation)
register here in their ``AppConfig.ready``; the data platform never imports them, which
keeps the layering of DESIGN §3. Listeners run after commit and must not raise."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

BatchListener = Callable[[Any], Any]
_listeners: list[BatchListener] = []


def on_batch_stored(listener: BatchListener) -> BatchListener:
    """Register ``listener(batch)``, called after a batch with stored rows commits."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def batch_stored(batch: Any) -> None:
    """Schedule the listeners for after the surrounding transaction commits."""

    def run() -> None:
        for listener in list(_listeners):
            try:
                listener(batch)
            except Exception:  # a listener's failure must never fail the ingestion
                logger.exception("batch listener %r failed for batch %s", listener, batch.pk)

    transaction.on_commit(run)

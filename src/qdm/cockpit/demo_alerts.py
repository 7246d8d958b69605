"""Demo step of the alerts centre: the default alert rules (every kind, every site) and a
first scan, so the alerts centre lists the demo's open alerts."""

from __future__ import annotations

from typing import Any

from qdm.cockpit.alerts import ensure_default_rules, scan


def build_alerts(ctx: Any) -> None:
    """Silent when there is nothing to alert (an empty database)."""
    created = ensure_default_rules()
    result = scan()
    if result.raised or result.closed:
        ctx.log.append(
            f"Cockpit alerts: {created} default rules, {len(result.raised)} alerts raised, "
            f"{result.closed} closed."
        )

"""Background tasks of the cockpit (django-tasks; ``qdm db_worker`` runs them)."""

from __future__ import annotations

from datetime import date

from django_tasks import task


@task()
def compute_kpis_task(date_to: str | None = None, days: int = 1, site: str | None = None) -> str:
    """Recompute the KPI values of ``days`` days ending ``date_to`` (ISO date; default
    yesterday); idempotent."""
    from qdm.cockpit.services import compute_kpis

    result = compute_kpis(date.fromisoformat(date_to) if date_to else None, days, site)
    return (
        f"{result.day_rows} day values, {result.week_rows} week values, "
        f"{result.month_rows} month values"
    )

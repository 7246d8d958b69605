"""Background tasks of the kernel (django-tasks; ``qdm db_worker`` runs them)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notification(delivery_id: int) -> str:
    """Deliver one notification; idempotent, takes a primary key."""
    from qdm.core.services.notifications import deliver

    return deliver(delivery_id).status

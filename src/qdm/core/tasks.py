"""Background tasks of the kernel (django-tasks; ``qdm db_worker`` runs them)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notification(delivery_id: int) -> str:
    """Deliver one notification; idempotent, takes a primary key. Channel errors are
    recorded on the delivery (and retried), never raised, so the task itself succeeds."""
    from qdm.core.models.notifications import NotificationDelivery
    from qdm.core.services.notifications import deliver

    try:
        return deliver(delivery_id).status
    except NotificationDelivery.DoesNotExist:
        return "missing"  # deleted (with its channel) before the task ran


@task()
def run_scheduled_job(run_id: int) -> str:
    """Run one queued daily-job run; its outcome is recorded on the run."""
    from qdm.core.services.schedule import execute

    return execute(run_id).status

"""Notifications: the inbox and the channels (e-mail, WeCom, DingTalk, Feishu robots).

``notify()`` writes inbox rows and one delivery per channel inside the caller's
transaction, and enqueues the deliveries *after commit*, so a rolled-back change never
notifies anyone. A delivery that fails is retried with back-off up to
``QDM_NOTIFY_MAX_ATTEMPTS`` and then stays visible as failed, with its last error.

How a delivery moves:

* ``deliver()`` first *claims* the delivery in a short transaction (one more attempt, and
  ``next_attempt_at`` set to a lease so a duplicate task or ``retry_due_deliveries`` does
  not send it twice), then talks to the channel **outside** any transaction (an SQLite
  write lock or a row lock must not be held for a webhook timeout), then records the
  outcome.
* On failure the delivery is ``RETRYING`` with ``next_attempt_at`` after an exponential
  back-off. A task backend that can defer (the database backend) gets the retry task
  scheduled for then; one that cannot (the immediate backend) leaves it to
  ``retry_due_deliveries()`` — ``qdm notifications retry``, run from cron.
* ``retry_due_deliveries()`` also picks up deliveries whose claim lease expired (the
  worker died mid-send) and ``PENDING`` deliveries whose enqueue was lost, so nothing is
  ever silently dropped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qdm.core.choices import ChannelKind, DeliveryStatus
from qdm.core.models.notifications import Notification, NotificationChannel, NotificationDelivery

logger = logging.getLogger(__name__)

#: A duplicate task may arrive this early for a scheduled retry and still be allowed.
EARLY_TOLERANCE = timedelta(seconds=5)
#: A PENDING delivery never claimed after this long lost its task; the retry command sends it.
STALE_PENDING_AFTER = timedelta(minutes=10)
#: Longest wait between two attempts.
MAX_BACKOFF = timedelta(hours=6)
#: Largest message body each robot accepts (UTF-8 bytes; WeCom markdown is 4096 at most).
WEBHOOK_TEXT_LIMITS = {
    ChannelKind.WECOM: 4000,
    ChannelKind.DINGTALK: 18000,
    ChannelKind.FEISHU: 18000,
}


class DeliveryError(Exception):
    """The channel refused or could not be reached; the message says why."""


# --- Writing --------------------------------------------------------------------------


def notify(
    recipients: Iterable[Any],
    title: str,
    body: str = "",
    link: str = "",
    *,
    site: Any = None,
    email: bool = True,
    channels: bool = True,
) -> list[Notification]:
    """Put a message in each recipient's inbox and send it through the channels.

    Everything is written in the caller's transaction; the sending is enqueued only when
    it commits, so a rollback sends nothing.
    """
    unique: dict[Any, Any] = {}
    for user in recipients:
        if user is not None and user.is_active:
            unique.setdefault(user.pk, user)
    users = list(unique.values())
    title = str(title)[:200]
    body = str(body)
    link = str(link)[:300]
    now = timezone.now()
    with transaction.atomic():
        inbox = Notification.objects.bulk_create(
            [
                Notification(recipient=u, title=title, body=body, link=link, created=now)
                for u in users
            ]
        )
        deliveries: list[NotificationDelivery] = []
        if email:
            deliveries += [
                NotificationDelivery(recipient=u, site=site, title=title, body=body, link=link)
                for u in users
                if u.email
            ]
        if channels:
            site_q = Q(site__isnull=True) | (Q(site=site) if site is not None else Q(pk__in=[]))
            deliveries += [
                NotificationDelivery(channel=c, site=site, title=title, body=body, link=link)
                for c in NotificationChannel.objects.filter(site_q, active=True)
            ]
        for delivery in deliveries:
            delivery.save()
        ids = [d.pk for d in deliveries]
        if ids:
            # robust: a broken queue must not fail the caller's already committed request;
            # the deliveries stay PENDING and ``retry_due_deliveries`` picks them up.
            transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return inbox


def enqueue_deliveries(ids: list[int], run_after: datetime | None = None) -> int:
    """Enqueue one task per delivery; returns how many were enqueued.

    With ``run_after`` on a backend that cannot defer nothing is enqueued: running the
    retry now would skip the back-off, so ``retry_due_deliveries`` sends it when due.
    """
    from qdm.core.tasks import deliver_notification

    task = deliver_notification
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return 0
        task = task.using(run_after=run_after)
    enqueued = 0
    for pk in ids:
        try:
            task.enqueue(pk)
        except Exception:
            logger.exception("could not enqueue delivery %s; the retry command will send it", pk)
        else:
            enqueued += 1
    return enqueued


def absolute_link(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return getattr(settings, "QDM_BASE_URL", "http://127.0.0.1:8000").rstrip("/") + link


# --- Delivering -----------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: base, 2×base, 4×base… (capped)."""
    base = max(0, int(settings.QDM_NOTIFY_RETRY_SECONDS))
    exponent = min(max(attempts - 1, 0), 30)
    return min(timedelta(seconds=base * 2**exponent), MAX_BACKOFF)


def _lease() -> timedelta:
    """How long a claimed delivery is left alone: the webhook timeout and some margin."""
    return timedelta(seconds=float(settings.QDM_WEBHOOK_TIMEOUT_SECONDS) + 60)


def _claim(delivery_id: int, now: datetime) -> tuple[NotificationDelivery, bool]:
    """Take the delivery for one attempt, or say why not (already done, or not due)."""
    with transaction.atomic():
        delivery = (
            NotificationDelivery.objects.select_for_update(of=("self",))
            .select_related("channel", "recipient")
            .get(pk=delivery_id)
        )
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
            return delivery, False  # idempotent: a duplicate task does nothing
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > (
            now + EARLY_TOLERANCE
        ):
            return delivery, False  # being sent right now, or backing off
        if delivery.channel is not None and not delivery.channel.active:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "the channel is inactive"
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
            return delivery, False
        delivery.attempts += 1
        delivery.next_attempt_at = now + _lease()
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery, True


def deliver(delivery_id: int, *, now: datetime | None = None) -> NotificationDelivery:
    """Attempt one delivery now and record the outcome. Never raises for channel errors.

    Idempotent: a delivery already sent or failed, or one another worker is sending, is
    returned unchanged.
    """
    return _attempt(delivery_id, now or timezone.now())[0]


def _attempt(delivery_id: int, now: datetime) -> tuple[NotificationDelivery, bool]:
    """``deliver()``, also saying whether an attempt was made."""
    delivery, claimed = _claim(delivery_id, now)
    if not claimed:
        return delivery, False
    try:
        send(delivery)
    except Exception as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= settings.QDM_NOTIFY_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            logger.warning(
                "delivery %s failed for good after %s attempts: %s",
                delivery.pk,
                delivery.attempts,
                delivery.last_error,
            )
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            logger.info(
                "delivery %s attempt %s failed, retrying at %s: %s",
                delivery.pk,
                delivery.attempts,
                delivery.next_attempt_at,
                delivery.last_error,
            )
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.last_error = ""
    with transaction.atomic():
        delivery.save(update_fields=["status", "last_error", "next_attempt_at", "sent_at"])
        if delivery.status == DeliveryStatus.RETRYING:
            pk, when = delivery.pk, delivery.next_attempt_at
            transaction.on_commit(lambda: enqueue_deliveries([pk], run_after=when), robust=True)
    return delivery, True


def due_deliveries(now: datetime | None = None) -> list[int]:
    """Deliveries that should have been attempted by ``now`` and were not."""
    now = now or timezone.now()
    due = Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
    lease_expired = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    lost = Q(
        status=DeliveryStatus.PENDING,
        next_attempt_at__isnull=True,
        created__lte=now - STALE_PENDING_AFTER,
    )
    return list(
        NotificationDelivery.objects.filter(due | lease_expired | lost)
        .order_by("created", "pk")
        .values_list("pk", flat=True)
    )


def retry_due_deliveries(now: datetime | None = None) -> int:
    """Deliver every delivery whose time has come; returns how many were attempted.

    ``qdm notifications retry`` runs it, for task backends that cannot schedule and to
    pick up deliveries whose task was lost.
    """
    now = now or timezone.now()
    attempted = 0
    for pk in due_deliveries(now):
        try:
            attempted += _attempt(pk, now)[1]
        except NotificationDelivery.DoesNotExist:
            continue  # deleted meanwhile
    return attempted


def retry_delivery(delivery: NotificationDelivery) -> bool:
    """Send a failed or retrying delivery again now, with a fresh set of attempts (button
    on the deliveries page). A delivery already sent is left alone; returns whether it
    was queued."""
    updated = NotificationDelivery.objects.filter(
        pk=delivery.pk,
        status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING, DeliveryStatus.PENDING],
    ).update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None)
    if updated:
        pk = delivery.pk
        transaction.on_commit(lambda: enqueue_deliveries([pk]), robust=True)
    return bool(updated)


# --- Channels -------------------------------------------------------------------------


def _subject(title: str) -> str:
    """An e-mail subject: one line (a newline would make Django refuse the header)."""
    return " ".join(str(title).split())


def _mail(delivery: NotificationDelivery, addresses: list[str], link: str) -> None:
    if not addresses:
        raise DeliveryError("no e-mail address to send to")
    sent = send_mail(
        _subject(delivery.title),
        f"{delivery.body}\n\n{link}".strip(),
        settings.DEFAULT_FROM_EMAIL,
        addresses,
    )
    if not sent:
        raise DeliveryError("the mail server accepted no message")


def send(delivery: NotificationDelivery) -> None:
    """Send now through the delivery's channel (or e-mail its recipient); raises on error."""
    link = absolute_link(delivery.link)
    if delivery.channel is None:
        if delivery.recipient is None or not delivery.recipient.email:
            raise DeliveryError("recipient has no e-mail address")
        _mail(delivery, [delivery.recipient.email], link)
        return
    channel = delivery.channel
    if channel.kind == ChannelKind.EMAIL:
        _mail(delivery, [a.strip() for a in channel.email_to.split(",") if a.strip()], link)
        return
    url, payload = webhook_request(channel, delivery.title, delivery.body, link)
    post_json(url, payload, channel.kind)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, on a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore") + "…"


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk custom robot: HMAC-SHA256 keyed with the secret over ``timestamp\\nsecret``,
    base64, then URL-encoded (``timestamp`` in milliseconds)."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(secret: str, timestamp: str) -> str:
    """Feishu/Lark custom bot: ``timestamp\\nsecret`` is the HMAC-SHA256 *key* over an empty
    message, base64 (``timestamp`` in seconds)."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_request(
    channel: NotificationChannel, title: str, body: str, link: str, now: float | None = None
) -> tuple[str, dict[str, Any]]:
    """URL and JSON body for a group robot, signed when the channel has a secret."""
    now = time.time() if now is None else now
    url = channel.webhook_url
    secret = channel.secret.strip()
    if channel.kind in (ChannelKind.WECOM, ChannelKind.DINGTALK):
        tail = f"\n\n[{link}]({link})" if link else ""
        limit = WEBHOOK_TEXT_LIMITS[ChannelKind(channel.kind)] - len(tail.encode("utf-8"))
        text = _clip(f"**{title}**\n\n{body}".rstrip(), max(limit, 0)) + tail
        if channel.kind == ChannelKind.WECOM:
            return url, {"msgtype": "markdown", "markdown": {"content": text}}
        if secret:
            timestamp = str(int(now * 1000))
            sign = dingtalk_sign(secret, timestamp)
            url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if channel.kind == ChannelKind.FEISHU:
        tail = f"\n{link}" if link else ""
        limit = WEBHOOK_TEXT_LIMITS[ChannelKind.FEISHU] - len(tail.encode("utf-8"))
        plain = _clip(f"{title}\n{body}".rstrip(), max(limit, 0)) + tail
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": plain}}
        if secret:
            timestamp = str(int(now))
            payload = {"timestamp": timestamp, "sign": feishu_sign(secret, timestamp), **payload}
        return url, payload
    raise DeliveryError(f"unknown channel kind {channel.kind!r}")


def _answer_error(answer: Any, kind: str) -> str | None:
    """Why the robot's JSON answer is a refusal, or ``None`` if it accepted the message.

    WeCom and DingTalk answer ``{"errcode": 0, "errmsg": "ok"}``; Feishu answers
    ``{"code": 0, "msg": "success", ...}`` (older versions ``{"StatusCode": 0, ...}``).
    """
    if not isinstance(answer, dict):
        return "the robot's answer is not a JSON object"
    if kind == ChannelKind.FEISHU:
        code = answer.get("code", answer.get("StatusCode"))
        message = answer.get("msg") or answer.get("StatusMessage") or ""
    else:
        code = answer.get("errcode")
        message = answer.get("errmsg") or ""
    if code is None:
        return f"the robot's answer has no status code: {json.dumps(answer)[:200]}"
    if code in (0, "0"):
        return None
    return f"the robot refused the message ({code}: {message})"


def post_json(url: str, payload: dict[str, Any], kind: str) -> None:
    """POST and check the robot's answer: WeCom/DingTalk ``errcode``, Feishu ``code``."""
    if not url.startswith(("http://", "https://")):
        raise DeliveryError("webhook URL must be http or https")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.QDM_WEBHOOK_TIMEOUT_SECONDS
        ) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        # Never put the URL in the error: it carries the robot's access token.
        detail = ""
        try:
            answer = json.loads(exc.read(4096) or b"null")
        except (ValueError, OSError):
            answer = None
        if isinstance(answer, dict):
            detail = _answer_error(answer, kind) or ""
        raise DeliveryError(
            f"HTTP {exc.code} from the robot" + (f": {detail}" if detail else "")
        ) from exc
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"could not reach the robot: {reason}") from exc
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise DeliveryError("the robot answered with something that is not JSON") from exc
    error = _answer_error(answer, kind)
    if error:
        raise DeliveryError(error)


# --- Inbox ----------------------------------------------------------------------------


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())

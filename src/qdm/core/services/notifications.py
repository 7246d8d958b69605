"""Notifications: the inbox and the channels (e-mail, WeCom, DingTalk, Feishu robots).

``notify()`` writes inbox rows and one delivery per channel inside the caller's
transaction, and enqueues the deliveries *after commit*, so a rolled-back change never
notifies anyone. A delivery that fails is retried with back-off up to
``QDM_NOTIFY_MAX_ATTEMPTS`` and then stays visible as failed, with its last error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qdm.core.choices import ChannelKind, DeliveryStatus
from qdm.core.models.notifications import Notification, NotificationChannel, NotificationDelivery

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The channel refused or could not be reached; the message says why."""


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
    """Put a message in each recipient's inbox and send it through the channels."""
    recipients = [u for u in recipients if u is not None and u.is_active]
    title = str(title)[:200]
    now = timezone.now()
    inbox = Notification.objects.bulk_create(
        [
            Notification(recipient=u, title=title, body=str(body), link=link, created=now)
            for u in recipients
        ]
    )
    deliveries: list[NotificationDelivery] = []
    if email:
        deliveries += [
            NotificationDelivery(recipient=u, site=site, title=title, body=str(body), link=link)
            for u in recipients
            if u.email
        ]
    if channels:
        site_q = Q(site__isnull=True) | (Q(site=site) if site is not None else Q(pk__in=[]))
        for channel in NotificationChannel.objects.filter(site_q, active=True):
            deliveries.append(
                NotificationDelivery(
                    channel=channel, site=site, title=title, body=str(body), link=link
                )
            )
    for delivery in deliveries:
        delivery.save()
    ids = [d.pk for d in deliveries]
    if ids:
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return inbox


def enqueue_deliveries(ids: list[int], run_after: Any = None) -> None:
    from qdm.core.tasks import deliver_notification

    for pk in ids:
        task = deliver_notification
        if run_after is not None and task.get_backend().supports_defer:
            task = task.using(run_after=run_after)
        task.enqueue(pk)


def absolute_link(link: str) -> str:
    if not link or link.startswith("http"):
        return link
    return getattr(settings, "QDM_BASE_URL", "http://127.0.0.1:8000").rstrip("/") + link


def deliver(delivery_id: int) -> NotificationDelivery:
    """Attempt one delivery now and record the outcome. Never raises for channel errors."""
    with transaction.atomic():
        delivery = (
            NotificationDelivery.objects.select_for_update()
            .select_related("channel", "recipient")
            .get(pk=delivery_id)
        )
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
            return delivery  # idempotent: a duplicate task does nothing
        delivery.attempts += 1
        try:
            send(delivery)
        except Exception as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= settings.QDM_NOTIFY_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
                logger.warning("delivery %s failed for good: %s", delivery.pk, exc)
            else:
                delivery.status = DeliveryStatus.RETRYING
                backoff = settings.QDM_NOTIFY_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
                delivery.next_attempt_at = timezone.now() + timedelta(seconds=backoff)
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.last_error = ""
        delivery.save()
    if delivery.status == DeliveryStatus.RETRYING:
        transaction.on_commit(
            lambda: enqueue_deliveries([delivery.pk], run_after=delivery.next_attempt_at)
        )
    return delivery


def retry_due_deliveries(now: Any = None) -> int:
    """Deliver every retrying delivery whose time has come (``qdm notifications retry``,
    for task backends that cannot schedule)."""
    now = now or timezone.now()
    due = list(
        NotificationDelivery.objects.filter(
            status=DeliveryStatus.RETRYING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )
    for pk in due:
        deliver(pk)
    return len(due)


def retry_delivery(delivery: NotificationDelivery) -> None:
    """Send a failed delivery again (button on the deliveries page)."""
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None
    )
    transaction.on_commit(lambda: enqueue_deliveries([delivery.pk]))


def send(delivery: NotificationDelivery) -> None:
    link = absolute_link(delivery.link)
    if delivery.channel is None:
        if delivery.recipient is None or not delivery.recipient.email:
            raise DeliveryError("recipient has no e-mail address")
        send_mail(
            delivery.title,
            f"{delivery.body}\n\n{link}".strip(),
            settings.DEFAULT_FROM_EMAIL,
            [delivery.recipient.email],
        )
        return
    channel = delivery.channel
    if channel.kind == ChannelKind.EMAIL:
        addresses = [a.strip() for a in channel.email_to.split(",") if a.strip()]
        send_mail(
            delivery.title,
            f"{delivery.body}\n\n{link}".strip(),
            settings.DEFAULT_FROM_EMAIL,
            addresses,
        )
        return
    url, payload = webhook_request(channel, delivery.title, delivery.body, link)
    post_json(url, payload, channel.kind)


def webhook_request(
    channel: NotificationChannel, title: str, body: str, link: str, now: float | None = None
) -> tuple[str, dict[str, Any]]:
    """URL and JSON body for a group robot, signed when the channel has a secret."""
    now = time.time() if now is None else now
    text = f"**{title}**\n\n{body}" + (f"\n\n[{link}]({link})" if link else "")
    url = channel.webhook_url
    if channel.kind == ChannelKind.WECOM:
        return url, {"msgtype": "markdown", "markdown": {"content": text}}
    if channel.kind == ChannelKind.DINGTALK:
        if channel.secret:
            timestamp = str(int(now * 1000))
            digest = hmac.new(
                channel.secret.encode(), f"{timestamp}\n{channel.secret}".encode(), hashlib.sha256
            ).digest()
            sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
            url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if channel.kind == ChannelKind.FEISHU:
        plain = f"{title}\n{body}" + (f"\n{link}" if link else "")
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": plain}}
        if channel.secret:
            timestamp = str(int(now))
            digest = hmac.new(
                f"{timestamp}\n{channel.secret}".encode(), b"", hashlib.sha256
            ).digest()
            payload |= {"timestamp": timestamp, "sign": base64.b64encode(digest).decode()}
        return url, payload
    raise DeliveryError(f"unknown channel kind {channel.kind!r}")


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
        raise DeliveryError(f"HTTP {exc.code} from the robot") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"could not reach the robot: {exc}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise DeliveryError("the robot answered with something that is not JSON") from exc
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        raise DeliveryError(f"the robot refused the message ({code}: {message})")


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())

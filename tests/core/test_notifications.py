"""Notifications: inbox, e-mail and the WeCom / DingTalk / Feishu group robots.

The robots are a real HTTP server on 127.0.0.1 started by the tests; deliveries run through
django-tasks' immediate backend after the (captured) commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from qdm.core.choices import ChannelKind, DeliveryStatus
from qdm.core.models import Notification, NotificationChannel, NotificationDelivery
from qdm.core.services.notifications import (
    backoff,
    deliver,
    enqueue_deliveries,
    notify,
    retry_due_deliveries,
)
from tests.personas import World, make_user

OK = {"errcode": 0, "errmsg": "ok"}
FEISHU_OK = {"code": 0, "msg": "success", "data": {}}


# --- A local robot ----------------------------------------------------------------------


class Robot:
    """Records every POST and answers with ``status`` and ``answer`` (JSON)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.answer: Any = OK
        self.lock = threading.Lock()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                split = urllib.parse.urlsplit(self.path)
                with robot.lock:
                    robot.requests.append(
                        {
                            "path": split.path,
                            "raw_query": split.query,
                            "query": urllib.parse.parse_qs(split.query),
                            "headers": dict(self.headers),
                            "json": json.loads(raw.decode("utf-8")),
                        }
                    )
                    status, answer = robot.status, robot.answer
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def respond(self, answer: Any, status: int = 200) -> None:
        with self.lock:
            self.answer, self.status = answer, status


@pytest.fixture
def robot(monkeypatch: pytest.MonkeyPatch) -> Iterator[Robot]:
    # A proxy from the environment must not intercept requests to the local robot.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = Robot()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(timeout=5)


@pytest.fixture
def unreachable_url() -> str:
    """A URL on a local port nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture(autouse=True)
def notify_settings(settings: Any) -> Any:
    settings.QDM_BASE_URL = "https://qdm.example.com"
    settings.QDM_NOTIFY_MAX_ATTEMPTS = 3
    settings.QDM_NOTIFY_RETRY_SECONDS = 0
    settings.QDM_WEBHOOK_TIMEOUT_SECONDS = 5
    return settings


def channel(kind: str, site: Any = None, **fields: Any) -> NotificationChannel:
    return NotificationChannel.objects.create(name=f"{kind} robot", kind=kind, site=site, **fields)


def only_delivery(**filters: Any) -> NotificationDelivery:
    return NotificationDelivery.objects.get(**filters)


@pytest.fixture
def send_now(django_capture_on_commit_callbacks: Any):
    """Call ``notify`` and run what it queued for after commit (the immediate backend
    then delivers synchronously)."""

    def run(*args: Any, **kwargs: Any) -> list[Notification]:
        with django_capture_on_commit_callbacks(execute=True):
            return notify(*args, **kwargs)

    return run


# --- Group robots -------------------------------------------------------------------------


def test_wecom_robot_gets_markdown(world: World, robot: Robot, send_now: Any) -> None:
    wecom = channel(ChannelKind.WECOM, world.site_a, webhook_url=robot.url("/send?key=K1"))

    send_now(
        [world.user("eng_a")],
        "NCR-SA-1 raised",
        "EL crack on string 3",
        "/system/ncr/1/",
        site=world.site_a,
        email=False,
    )

    assert len(robot.requests) == 1
    request = robot.requests[0]
    assert request["path"] == "/send"
    assert request["query"] == {"key": ["K1"]}
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["json"]["msgtype"] == "markdown"
    content = request["json"]["markdown"]["content"]
    assert "**NCR-SA-1 raised**" in content
    assert "EL crack on string 3" in content
    assert "https://qdm.example.com/system/ncr/1/" in content
    delivery = only_delivery(channel=wecom)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at is not None
    assert delivery.last_error == ""


def test_dingtalk_robot_signed_request(world: World, robot: Robot, send_now: Any) -> None:
    secret = "SEC0123456789abcdef+/="
    channel(
        ChannelKind.DINGTALK,
        world.site_a,
        webhook_url=robot.url("/robot/send?access_token=T1"),
        secret=secret,
    )
    before_ms = int(time.time() * 1000)

    send_now([], "Hold lot L-7", "Peel test below spec", site=world.site_a)

    after_ms = int(time.time() * 1000)
    assert len(robot.requests) == 1
    request = robot.requests[0]
    assert request["query"]["access_token"] == ["T1"]
    timestamp = request["query"]["timestamp"][0]
    assert before_ms <= int(timestamp) <= after_ms  # milliseconds
    # The published algorithm: HMAC-SHA256 keyed with the secret over "timestamp\nsecret",
    # base64, URL-encoded into the query string.
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    assert request["query"]["sign"] == [expected]
    assert f"sign={urllib.parse.quote_plus(expected)}" in request["raw_query"]
    assert request["json"]["msgtype"] == "markdown"
    assert request["json"]["markdown"]["title"] == "Hold lot L-7"
    assert "Peel test below spec" in request["json"]["markdown"]["text"]
    assert only_delivery(channel__kind=ChannelKind.DINGTALK).status == DeliveryStatus.SENT


def test_feishu_robot_signed_body(world: World, robot: Robot, send_now: Any) -> None:
    robot.respond(FEISHU_OK)
    secret = "feishu-secret"
    channel(
        ChannelKind.FEISHU,
        world.site_a,
        webhook_url=robot.url("/open-apis/bot/v2/hook/H"),
        secret=secret,
    )
    before = int(time.time())

    send_now([], "Audit tomorrow", "Line A1", site=world.site_a)

    after = int(time.time())
    assert len(robot.requests) == 1
    request = robot.requests[0]
    assert request["path"] == "/open-apis/bot/v2/hook/H"
    body = request["json"]
    assert body["msg_type"] == "text"
    assert body["content"]["text"].startswith("Audit tomorrow\nLine A1")
    assert isinstance(body["timestamp"], str)
    assert before <= int(body["timestamp"]) <= after  # seconds
    # The published algorithm: "timestamp\nsecret" is the HMAC-SHA256 key, the message is
    # empty, the digest is base64-encoded.
    key = f"{body['timestamp']}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert only_delivery(channel__kind=ChannelKind.FEISHU).status == DeliveryStatus.SENT


@pytest.mark.parametrize(
    ("kind", "answer"), [(ChannelKind.DINGTALK, OK), (ChannelKind.FEISHU, FEISHU_OK)]
)
def test_robot_without_secret_is_not_signed(
    world: World, robot: Robot, send_now: Any, kind: str, answer: dict[str, Any]
) -> None:
    robot.respond(answer)
    channel(kind, None, webhook_url=robot.url("/hook?access_token=T"))

    send_now([], "Unsigned", site=world.site_a)

    assert len(robot.requests) == 1
    assert "sign" not in robot.requests[0]["query"]
    assert "sign" not in robot.requests[0]["json"]
    assert "timestamp" not in robot.requests[0]["json"]
    assert only_delivery().status == DeliveryStatus.SENT


def test_wecom_long_message_is_clipped_to_the_robot_limit(
    world: World, robot: Robot, send_now: Any
) -> None:
    channel(ChannelKind.WECOM, None, webhook_url=robot.url())

    send_now([], "Long", "缺陷" * 3000, "/x/", site=world.site_a)

    content = robot.requests[0]["json"]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert content.endswith("(https://qdm.example.com/x/)")  # the link survives clipping


def test_channels_of_other_sites_and_inactive_channels_are_not_used(
    world: World, robot: Robot, send_now: Any
) -> None:
    group = channel(ChannelKind.WECOM, None, webhook_url=robot.url("/group"))
    own = channel(ChannelKind.WECOM, world.site_a, webhook_url=robot.url("/a"))
    channel(ChannelKind.WECOM, world.site_b, webhook_url=robot.url("/b"))
    channel(ChannelKind.WECOM, world.site_a, webhook_url=robot.url("/off"), active=False)

    send_now([], "Site A only", site=world.site_a)

    assert sorted(r["path"] for r in robot.requests) == ["/a", "/group"]
    assert {d.channel for d in NotificationDelivery.objects.all()} == {group, own}
    assert set(NotificationDelivery.objects.values_list("site", flat=True)) == {world.site_a.pk}


# --- E-mail and inbox ---------------------------------------------------------------------


def test_email_to_users_and_inbox_rows(world: World, send_now: Any) -> None:
    eng_a, eng_b = world.user("eng_a"), world.user("eng_b")
    no_mail = make_user("no_mail")
    no_mail.email = ""
    no_mail.save()
    gone = make_user("gone")
    gone.is_active = False
    gone.save()

    inbox = send_now(
        [eng_a, eng_b, eng_a, no_mail, gone, None],
        "Line\nstop",
        "Body text",
        "/system/ncr/9/",
        site=world.site_a,
    )

    assert sorted(n.recipient.username for n in inbox) == ["eng_a", "eng_b", "no_mail"]
    assert Notification.objects.filter(recipient=eng_a).count() == 1  # duplicates merged
    assert not Notification.objects.filter(recipient=gone).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["eng_a@example.com", "eng_b@example.com"]
    message = mail.outbox[0]
    assert message.subject == "Line stop"  # a newline would make Django refuse the header
    assert message.body == "Body text\n\nhttps://qdm.example.com/system/ncr/9/"
    assert NotificationDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_email_channel_sends_to_its_addresses(world: World, send_now: Any) -> None:
    mailbox = channel(ChannelKind.EMAIL, world.site_a, email_to="qa@example.com, plant@example.com")

    send_now([], "Weekly quality report", "See attachment", site=world.site_a, email=False)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["qa@example.com", "plant@example.com"]
    assert mail.outbox[0].subject == "Weekly quality report"
    assert only_delivery(channel=mailbox).status == DeliveryStatus.SENT


def test_email_channel_without_addresses_fails_visibly(world: World, send_now: Any) -> None:
    channel(ChannelKind.EMAIL, None, email_to=" , ")

    send_now([], "Nobody", site=world.site_a)

    delivery = only_delivery()
    assert mail.outbox == []
    assert delivery.status == DeliveryStatus.RETRYING
    assert "no e-mail address" in delivery.last_error


# --- Transactions ---------------------------------------------------------------------------


def test_rolled_back_transaction_sends_nothing(
    world: World, robot: Robot, django_capture_on_commit_callbacks: Any
) -> None:
    channel(ChannelKind.WECOM, None, webhook_url=robot.url())
    eng_a = world.user("eng_a")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify([eng_a], "Rolled back", site=world.site_a)
        raise RuntimeError("the caller's change failed")

    assert callbacks == []
    assert robot.requests == []
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not NotificationDelivery.objects.exists()

    # The same call in a transaction that commits does send (the server works).
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify([eng_a], "Committed", site=world.site_a)
        assert robot.requests == []  # nothing leaves before the commit
        assert mail.outbox == []
    assert len(robot.requests) == 1
    assert len(mail.outbox) == 1


# --- Failures, retries, back-off -------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "expected_error", "expected_requests"),
    [
        ("errcode", "refused the message (93000: invalid webhook url)", 3),
        ("http500", "HTTP 500 from the robot", 3),
        ("no_errcode", "has no status code", 3),
        ("unreachable", "could not reach the robot", 0),
    ],
)
def test_failing_robot_retries_then_fails_and_keeps_the_error(
    world: World,
    robot: Robot,
    unreachable_url: str,
    send_now: Any,
    failure: str,
    expected_error: str,
    expected_requests: int,
) -> None:
    if failure == "errcode":
        robot.respond({"errcode": 93000, "errmsg": "invalid webhook url"})
    elif failure == "http500":
        robot.respond({"error": "boom"}, status=500)
    elif failure == "no_errcode":
        robot.respond({"hello": "proxy login page"})
    url = unreachable_url if failure == "unreachable" else robot.url()
    channel(ChannelKind.WECOM, world.site_a, webhook_url=url)

    send_now([], "Will fail", site=world.site_a)

    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempts == 1
    assert expected_error in delivery.last_error
    assert delivery.next_attempt_at is not None

    assert retry_due_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempts == 2

    assert retry_due_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED  # QDM_NOTIFY_MAX_ATTEMPTS = 3
    assert delivery.attempts == 3
    assert expected_error in delivery.last_error
    assert delivery.next_attempt_at is None
    assert delivery.sent_at is None

    # Failed for good: kept, not retried by the command, not re-sent by a duplicate task.
    assert retry_due_deliveries() == 0
    assert deliver(delivery.pk).attempts == 3
    assert NotificationDelivery.objects.filter(pk=delivery.pk).exists()
    assert len(robot.requests) == expected_requests


def test_retries_wait_for_the_back_off(
    world: World, robot: Robot, send_now: Any, settings: Any
) -> None:
    settings.QDM_NOTIFY_RETRY_SECONDS = 60
    settings.QDM_NOTIFY_MAX_ATTEMPTS = 5
    robot.respond({"errcode": 45009, "errmsg": "api freq out of limit"})
    channel(ChannelKind.WECOM, None, webhook_url=robot.url())

    send_now([], "Rate limited", site=world.site_a)

    delivery = only_delivery()
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=55) < first_wait <= timedelta(seconds=60)
    assert retry_due_deliveries() == 0  # not due yet
    assert len(robot.requests) == 1

    later = timezone.now() + timedelta(seconds=61)
    assert retry_due_deliveries(now=later) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    second_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=115) < second_wait <= timedelta(seconds=120)  # doubled
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert backoff(60) == timedelta(hours=6)  # capped


def test_immediate_backend_does_not_retry_at_once(
    world: World, robot: Robot, send_now: Any
) -> None:
    """The immediate backend cannot defer: a failed attempt must wait for the retry command
    instead of burning every attempt at once without back-off."""
    robot.respond({"errcode": 1, "errmsg": "no"})
    channel(ChannelKind.WECOM, None, webhook_url=robot.url())

    send_now([], "Once", site=world.site_a)

    assert len(robot.requests) == 1
    assert only_delivery().attempts == 1


def test_database_backend_schedules_the_retry(
    world: World,
    robot: Robot,
    send_now: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.QDM_NOTIFY_RETRY_SECONDS = 60
    robot.respond({"errcode": 1, "errmsg": "no"})
    channel(ChannelKind.WECOM, None, webhook_url=robot.url())

    send_now([], "Queued", site=world.site_a)  # enqueued on commit, not run
    assert robot.requests == []
    delivery = only_delivery()
    first = DBTaskResult.objects.get()
    assert first.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
    assert first.task.run_after is None  # runs as soon as a worker is free

    with django_capture_on_commit_callbacks(execute=True):
        deliver(delivery.pk)  # what the worker does; its retry is scheduled for later
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    retry = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert retry.task.run_after == delivery.next_attempt_at
    assert len(robot.requests) == 1


def test_deliver_is_idempotent(world: World, robot: Robot, send_now: Any) -> None:
    channel(ChannelKind.WECOM, None, webhook_url=robot.url())
    send_now([], "Once only", site=world.site_a)
    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.SENT

    again = deliver(delivery.pk)

    assert again.attempts == 1
    assert len(robot.requests) == 1


def test_delivery_being_sent_elsewhere_is_not_sent_twice(world: World, robot: Robot) -> None:
    wecom = channel(ChannelKind.WECOM, None, webhook_url=robot.url())
    delivery = NotificationDelivery.objects.create(
        channel=wecom, title="Claimed", next_attempt_at=timezone.now() + timedelta(minutes=1)
    )

    assert deliver(delivery.pk).status == DeliveryStatus.PENDING
    assert robot.requests == []
    assert retry_due_deliveries() == 0
    # The claim expired (the worker died mid-send): the retry command sends it.
    assert retry_due_deliveries(now=timezone.now() + timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(robot.requests) == 1


def test_lost_pending_delivery_is_picked_up(world: World, robot: Robot) -> None:
    wecom = channel(ChannelKind.WECOM, None, webhook_url=robot.url())
    lost = NotificationDelivery.objects.create(
        channel=wecom, title="Lost", created=timezone.now() - timedelta(hours=1)
    )
    fresh = NotificationDelivery.objects.create(channel=wecom, title="Fresh")

    assert retry_due_deliveries() == 1

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == DeliveryStatus.SENT
    assert fresh.status == DeliveryStatus.PENDING  # its task may still be in the queue
    assert len(robot.requests) == 1


def test_delivery_through_deactivated_channel_fails_visibly(world: World, robot: Robot) -> None:
    wecom = channel(ChannelKind.WECOM, None, webhook_url=robot.url(), active=False)
    delivery = NotificationDelivery.objects.create(channel=wecom, title="Too late")

    deliver(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "the channel is inactive"
    assert robot.requests == []


def test_enqueue_without_defer_support_leaves_retry_to_the_command(world: World) -> None:
    assert enqueue_deliveries([1], run_after=timezone.now()) == 0


# --- Pages -----------------------------------------------------------------------------------


@pytest.fixture
def failed_delivery(world: World, unreachable_url: str, send_now: Any) -> NotificationDelivery:
    channel(ChannelKind.DINGTALK, world.site_a, webhook_url=unreachable_url)
    send_now([], "Failed on site A", site=world.site_a)
    retry_due_deliveries()
    retry_due_deliveries()
    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.FAILED
    return delivery


def test_failed_delivery_listed_with_its_error_in_scope_only(
    world: World, client_for: Any, failed_delivery: NotificationDelivery
) -> None:
    list_url = reverse("core:notificationdelivery_list")
    detail_url = reverse("core:notificationdelivery_detail", args=[failed_delivery.pk])
    manager_a = make_user("sqm_a", "site_quality_manager", site=world.site_a)

    for browser in (client_for("eng_a"), _login(client_for, manager_a)):
        page = browser.get(list_url).content.decode()
        assert "Failed on site A" in page
        assert "could not reach the robot" in page
        assert "Failed" in page
        detail = browser.get(detail_url)
        assert detail.status_code == 200
        assert "could not reach the robot" in detail.content.decode()

    eng_b = client_for("eng_b")
    listing = eng_b.get(list_url)
    assert listing.status_code == 200
    assert "Failed on site A" not in listing.content.decode()
    assert eng_b.get(detail_url).status_code == 404


def _login(client_for: Any, user: Any) -> Any:
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    return browser


def test_retry_button_resends_and_delivery_becomes_sent(
    world: World,
    robot: Robot,
    client_for: Any,
    send_now: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    robot.respond({}, status=500)
    channel(ChannelKind.WECOM, world.site_a, webhook_url=robot.url())
    send_now([], "Retry me", site=world.site_a)
    retry_due_deliveries()
    retry_due_deliveries()
    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.FAILED
    retry_url = reverse("core:delivery_retry", args=[delivery.pk])

    # Another site's engineer (and an engineer without the change permission) get 404.
    for persona in ("eng_b", "eng_a"):
        with django_capture_on_commit_callbacks(execute=True):
            assert client_for(persona).post(retry_url).status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert len(robot.requests) == 3

    robot.respond(OK)
    admin_a = make_user("admin_a", "administrator", site=world.site_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = _login(client_for, admin_a).post(retry_url)
    assert response.status_code == 302
    assert response["Location"] == delivery.get_absolute_url()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.last_error == ""
    assert delivery.attempts == 1
    assert len(robot.requests) == 4

    # Retrying a sent delivery does not send it again.
    with django_capture_on_commit_callbacks(execute=True):
        _login(client_for, admin_a).post(retry_url)
    assert len(robot.requests) == 4


def test_site_quality_manager_may_retry_own_site_delivery(
    world: World, client_for: Any, failed_delivery: NotificationDelivery
) -> None:
    manager_a = make_user("sqm_a", "site_quality_manager", site=world.site_a)
    retry_url = reverse("core:delivery_retry", args=[failed_delivery.pk])
    assert _login(client_for, manager_a).post(retry_url).status_code == 302


def test_inbox_lists_own_notifications_and_marks_read(
    world: World, client_for: Any, send_now: Any
) -> None:
    eng_a, eng_b = world.user("eng_a"), world.user("eng_b")
    first, second = (
        send_now([eng_a], title, email=False, channels=False)[0] for title in ("First", "Second")
    )
    send_now([eng_b], "For B only", email=False, channels=False)
    browser = client_for("eng_a")

    page = browser.get(reverse("core:inbox")).content.decode()
    assert "First" in page
    assert "Second" in page
    assert "For B only" not in page

    other = Notification.objects.get(recipient=eng_b)
    response = browser.post(reverse("core:inbox"), {"id": [str(first.pk), str(other.pk)]})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    other.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert other.read_at is None  # another user's notification is not touched

    browser.post(reverse("core:inbox"))  # "mark all as read"
    second.refresh_from_db()
    other.refresh_from_db()
    assert second.read_at is not None
    assert other.read_at is None


# --- Commands -------------------------------------------------------------------------------


def test_retry_command_prints_how_many(
    world: World, robot: Robot, send_now: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    robot.respond({"errcode": 1, "errmsg": "busy"})
    channel(ChannelKind.WECOM, None, webhook_url=robot.url("/one"))
    channel(ChannelKind.WECOM, None, webhook_url=robot.url("/two"))
    send_now([], "Twice", site=world.site_a)
    robot.respond(OK)

    call_command("notifications", "retry")

    assert "2 due deliveries retried" in capsys.readouterr().out
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {"sent"}
    call_command("notifications", "retry")
    assert "0 due deliveries retried" in capsys.readouterr().out


def test_test_command_sends_through_one_channel(
    world: World, robot: Robot, capsys: pytest.CaptureFixture[str]
) -> None:
    robot.respond(FEISHU_OK)
    feishu = channel(ChannelKind.FEISHU, world.site_a, webhook_url=robot.url(), secret="s")
    mailbox = channel(ChannelKind.EMAIL, None, email_to="qa@example.com")

    call_command("notifications", "test", "--channel", str(feishu.pk))

    assert "sent" in capsys.readouterr().out
    assert len(robot.requests) == 1
    assert robot.requests[0]["json"]["content"]["text"].startswith("QDM test message")
    assert "sign" in robot.requests[0]["json"]
    assert mail.outbox == []
    assert not NotificationDelivery.objects.exists()

    call_command("notifications", "test", "--channel", str(mailbox.pk))
    assert [m.to for m in mail.outbox] == [["qa@example.com"]]


def test_test_command_reports_a_failing_channel(world: World, robot: Robot) -> None:
    robot.respond({"errcode": 310000, "errmsg": "sign not match"})
    dingtalk = channel(ChannelKind.DINGTALK, None, webhook_url=robot.url(), secret="SECx")

    with pytest.raises(CommandError, match=r"FAILED.*310000: sign not match") as failure:
        call_command("notifications", "test", "--channel", str(dingtalk.pk))
    assert failure.value.returncode == 1


def test_test_command_unknown_channel_exits_non_zero(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CommandError, match="no notification channel with id 999999"):
        call_command("notifications", "test", "--channel", "999999")

    # From the console script: a clear message on stderr and a non-zero exit status.
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["qdm", "notifications", "test", "--channel", "999999"])
    assert exit_info.value.code == 2
    assert "no notification channel with id 999999" in capsys.readouterr().err

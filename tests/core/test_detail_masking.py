"""The generic Details tab never names a related record the viewer may not see: a foreign
key into another site's records reads "(a record you cannot see)", as in the history."""

from __future__ import annotations

import html
import re

import pytest

from qdm.core.models import NotificationChannel, NotificationDelivery
from tests.personas import World

pytestmark = pytest.mark.django_db


def row(body: str, label: str) -> str:
    """The value of one row of the Details list."""
    match = re.search(rf'<dt class="col-sm-4">{label}</dt>\s*<dd class="col-sm-8">(.*?)</dd>', body)
    assert match, label
    return html.unescape(match.group(1)).strip()


def test_a_foreign_key_out_of_scope_is_masked_on_the_details_tab(world: World, client_for) -> None:
    channel_b = NotificationChannel.objects.create(
        name="Robot of site B 越南", kind="email", email_to="b@example.com", site=world.site_b
    )
    delivery = NotificationDelivery.objects.create(
        channel=channel_b, site=world.site_a, title="SPC alert on line A1"
    )
    url = delivery.get_absolute_url()

    engineer_a = client_for("eng_a").get(url)
    assert engineer_a.status_code == 200
    body = engineer_a.content.decode()
    assert "SPC alert on line A1" in body
    assert row(body, "Channel") == "(a record you cannot see)"
    assert row(body, "Site") == str(world.site_a)

    chief = client_for("cqo").get(url).content.decode()
    assert row(chief, "Channel") == str(channel_b)

"""The alerts centre page, the acknowledgement (UI and API) and the alert rules' pages and
API: scoped (a site-B user gets 404 on a site-A alert, nothing changed), refused without
the right (403, nothing changed), audited; bad rule input names the field."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from qdm.cockpit.alerts import save_rule, scan
from qdm.cockpit.models import AlertRule, CockpitAlert
from qdm.core.models import DomainEvent
from qdm.manufacturing.models import SpcViolation
from tests.manufacturing.builders import make_chart
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 15)


@pytest.fixture
def alert_a(world: World) -> CockpitAlert:
    save_rule(None, actor=None, kind="spc", roles=["site_quality_manager"])
    now = timezone.now()
    SpcViolation.objects.create(
        config=make_chart(world, "A"), part="primary", rule=1, point_time=now,
        value=151.0, detected_at=now,
    )  # fmt: skip
    scan(TODAY)
    return CockpitAlert.objects.get()


def ack_url(alert: CockpitAlert) -> str:
    return reverse("cockpit:alert_acknowledge", args=[alert.pk])


def test_the_page_lists_the_alert_with_owner_link_and_buttons(alert_a, client_for) -> None:
    body = client_for("eng_a").get(reverse("cockpit:alerts")).content.decode()
    assert alert_a.title in body and alert_a.link in body and "eng_a" in body
    assert ack_url(alert_a) in body  # the cockpit acknowledgement
    violation = SpcViolation.objects.get()
    assert reverse("manufacturing:spcviolation_acknowledge", args=[violation.pk]) in body


def test_site_b_sees_nothing_of_site_a(alert_a, client_for) -> None:
    body = client_for("eng_b").get(reverse("cockpit:alerts")).content.decode()
    assert alert_a.title not in body and "/acknowledge/" not in body


def test_filters(alert_a, client_for) -> None:
    client = client_for("cqo")
    url = reverse("cockpit:alerts")
    assert alert_a.title in client.get(url, {"site": "SA", "kind": "spc"}).content.decode()
    assert alert_a.title not in client.get(url, {"site": "SB"}).content.decode()
    assert alert_a.title not in client.get(url, {"acknowledged": "yes"}).content.decode()
    assert alert_a.title not in client.get(url, {"state": "closed"}).content.decode()
    assert alert_a.title in client.get(url, {"acknowledged": "no"}).content.decode()
    bad = client.get(url, {"kind": "weather"}).content.decode()
    assert "Unknown alert kind weather." in bad


def test_acknowledge_in_scope(alert_a, client_for) -> None:
    response = client_for("eng_a").post(ack_url(alert_a), {"note": "Laminator checked"})
    assert response.status_code == 302
    alert_a.refresh_from_db()
    assert alert_a.acknowledged_by.username == "eng_a"
    assert alert_a.acknowledgement == "Laminator checked" and alert_a.closed_at is None
    assert DomainEvent.objects.filter(verb="alert_acknowledged").count() == 1
    # only the cockpit alert: the violation keeps its own acknowledgement (manufacturing)
    assert SpcViolation.objects.get().acknowledged_at is None
    body = client_for("eng_a").get(reverse("cockpit:alerts")).content.decode()
    assert ack_url(alert_a) not in body and "Acknowledged by" in body


def test_acknowledge_twice_is_refused(alert_a, client_for) -> None:
    client = client_for("eng_a")
    client.post(ack_url(alert_a))
    first = CockpitAlert.objects.get().acknowledged_at
    response = client.post(ack_url(alert_a), follow=True)
    assert "already acknowledged" in response.content.decode()
    assert CockpitAlert.objects.get().acknowledged_at == first


def test_site_b_user_gets_404_and_nothing_changes(alert_a, client_for, api_for) -> None:
    assert client_for("eng_b").post(ack_url(alert_a)).status_code == 404
    api = api_for("eng_b")
    assert api.post(f"/api/v1/cockpit/alerts/{alert_a.pk}/acknowledge/").status_code == 404
    assert api.get(f"/api/v1/cockpit/alerts/{alert_a.pk}/").status_code == 404
    alert_a.refresh_from_db()
    assert alert_a.acknowledged_at is None and alert_a.acknowledged_by is None
    assert not DomainEvent.objects.filter(verb="alert_acknowledged").exists()


def test_viewer_in_scope_is_refused(alert_a, world) -> None:
    from django.test import Client

    client = Client()
    client.force_login(make_user("view_a", "viewer", site=world.site_a))
    assert client.post(ack_url(alert_a)).status_code == 403
    assert CockpitAlert.objects.get().acknowledged_at is None


def test_api_acknowledge_and_list(alert_a, api_for) -> None:
    api = api_for("eng_a")
    rows = api.get("/api/v1/cockpit/alerts/", {"kind": "spc", "open": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [alert_a.pk] and rows[0]["site"] == "SA"
    response = api.post(f"/api/v1/cockpit/alerts/{alert_a.pk}/acknowledge/", {"note": "ok"})
    assert response.status_code == 200, response.content
    assert response.json()["acknowledgement"] == "ok"
    again = api.post(f"/api/v1/cockpit/alerts/{alert_a.pk}/acknowledge/")
    assert again.status_code == 400 and "already acknowledged" in again.json()["error"]["message"]
    assert api_for("eng_b").get("/api/v1/cockpit/alerts/").json()["results"] == []
    assert api_for("cqo").post("/api/v1/cockpit/alerts/", {}).status_code in (403, 405)


# --- alert rules ----------------------------------------------------------------------------


def test_rule_api_bad_input_names_the_field(world, api_for) -> None:
    api = api_for("cqo")
    url = "/api/v1/cockpit/alert-rules/"
    bad_role = api.post(url, {"kind": "spc", "roles": ["nobody"]}, format="json")
    assert bad_role.status_code == 400 and "roles" in bad_role.json()["error"]["fields"]
    assert "nobody" in bad_role.json()["error"]["fields"]["roles"][0]
    bad_days = api.post(
        url, {"kind": "certificate_expiring", "parameters": {"days": 0}}, format="json"
    )
    assert bad_days.status_code == 400 and "parameters" in bad_days.json()["error"]["fields"]
    assert "days" in bad_days.json()["error"]["fields"]["parameters"][0]
    unknown = api.post(url, {"kind": "spc", "parameters": {"days": 5}}, format="json")
    assert "parameters" in unknown.json()["error"]["fields"]
    bad_status = api.post(
        url, {"kind": "kpi_goal_breach", "parameters": {"status": "blue"}}, format="json"
    )
    assert "parameters" in bad_status.json()["error"]["fields"]
    sited = api.post(url, {"kind": "complaint_sla", "site": world.site_a.pk}, format="json")
    assert sited.status_code == 400 and "site" in sited.json()["error"]["fields"]
    assert not AlertRule.objects.exists()
    good = api.post(
        url,
        {"kind": "certificate_expiring", "site": world.site_a.pk,
         "roles": ["site_quality_manager"], "parameters": {"days": 60}},
        format="json",
    )  # fmt: skip
    assert good.status_code == 201, good.content
    assert AlertRule.objects.get().parameters == {"days": 60}


def test_rules_are_scoped_by_site(world, api_for, client_for) -> None:
    mgr_a = make_user("mgr_a", "site_quality_manager", site=world.site_a)
    rule_b = save_rule(None, actor=None, kind="spc", site=world.site_b, roles=[])
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(mgr_a)
    assert api.get(f"/api/v1/cockpit/alert-rules/{rule_b.pk}/").status_code == 404
    changed = api.patch(
        f"/api/v1/cockpit/alert-rules/{rule_b.pk}/", {"enabled": False}, format="json"
    )
    assert changed.status_code == 404 and AlertRule.objects.get().enabled
    into_b = api.post(
        "/api/v1/cockpit/alert-rules/", {"kind": "spc", "site": world.site_b.pk}, format="json"
    )
    assert into_b.status_code == 400 and AlertRule.objects.count() == 1
    assert client_for("eng_a").get(rule_b.get_absolute_url()).status_code == 404


def test_rule_form_names_the_field(world, client_for) -> None:
    client = client_for("cqo")
    response = client.post(
        reverse("cockpit:alertrule_add"),
        {"kind": "certificate_expiring", "enabled": "on", "parameters": '{"days": 9999}',
         "roles": ["site_quality_manager"]},
    )  # fmt: skip
    assert response.status_code in (200, 400)
    assert "Parameter days must be a whole number from 1 to 730." in response.content.decode()
    assert not AlertRule.objects.exists()
    ok = client.post(
        reverse("cockpit:alertrule_add"),
        {"kind": "certificate_expiring", "enabled": "on", "parameters": '{"days": 30}',
         "roles": ["site_quality_manager"], "notify_email": "on"},
    )  # fmt: skip
    assert ok.status_code == 302
    rule = AlertRule.objects.get()
    assert rule.roles == ["site_quality_manager"] and rule.parameters == {"days": 30}
    assert client.get(reverse("cockpit:alertrule_list")).status_code == 200


def test_rule_list_page_is_scoped_and_blank_parameters_are_empty(world, client_for) -> None:
    from django.test import Client

    save_rule(None, actor=None, kind="certificate_expiring", site=world.site_b,
              parameters={"days": 45})  # fmt: skip
    mgr_a = make_user("mgr_a", "site_quality_manager", site=world.site_a)
    client = Client()
    client.force_login(mgr_a)
    created = client.post(
        reverse("cockpit:alertrule_add"),
        {"kind": "spc", "site": world.site_a.pk, "enabled": "on", "parameters": ""},
    )
    assert created.status_code == 302, created.content.decode()[:1500]
    mine = AlertRule.objects.get(site=world.site_a)
    assert mine.parameters == {} and mine.roles == []
    page = client.get(reverse("cockpit:alertrule_list")).content.decode()
    assert mine.get_absolute_url() in page
    other = AlertRule.objects.get(site=world.site_b)
    assert other.get_absolute_url() not in page
    assert client.get(other.get_absolute_url()).status_code == 404


def test_open_alerts_come_first_and_closed_ones_stay_listed(alert_a, world, client_for) -> None:
    from qdm.cockpit.selectors import materialised_alerts

    closed = CockpitAlert.objects.create(
        kind="spc", key="spcviolation:999", site=world.site_a, title="Old alert",
        closed_at=timezone.now(), raised_at=timezone.now(),
    )  # fmt: skip
    rows = list(materialised_alerts(world.user("eng_a")))
    assert [r.pk for r in rows] == [alert_a.pk, closed.pk]
    assert [r.pk for r in materialised_alerts(world.user("eng_a"), state="open")] == [alert_a.pk]
    body = client_for("eng_a").get(reverse("cockpit:alerts")).content.decode()
    assert body.index(alert_a.title) < body.index("Old alert")
    assert ack_url(closed) not in body  # a closed alert has no button

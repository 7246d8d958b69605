"""The customer's view: their own complaints and the progress of the 8D opened for them
(disciplines done, current state — no internal texts), the final report in their language,
and isolation: another customer's complaint, 8D progress and report answer 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qdm.service.models import CustomerProfile
from qdm.service.services.complaints import open_customer_8d
from qdm.system.models import EightD, RootCause, TeamMember
from tests.personas import make_user
from tests.service.builders import make_complaint, make_plant, with_serials

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(world):
    plant = make_plant(world)
    cqo = world.user("cqo")
    own = make_complaint(world, world.customer_c, title="Own complaint", description="Bubbles")
    other = make_complaint(world, plant.customer_d, title="Other complaint")
    with_serials(world, own, plant.shipped_to(world.customer_c)[:3])
    with_serials(world, other, plant.shipped_to(plant.customer_d)[:2])
    own_8d = open_customer_8d(own, actor=cqo)
    other_8d = open_customer_8d(other, actor=cqo)
    EightD.objects.filter(pk=own_8d.pk).update(symptom="INTERNAL-NOTE: blame the EVA line")
    CustomerProfile.objects.create(customer=world.customer_c, language="zh-hans")
    user = make_user("lucia", "customer_user", customer=world.customer_c)
    own.refresh_from_db()
    other.refresh_from_db()
    return {"own": own, "other": other, "own_8d": own_8d, "other_8d": other_8d, "user": user}


def steps(html: str) -> str:
    """The done flags of D1..D8 as a string of 0/1."""
    return "".join(html[i + 11] for i in range(len(html)) if html.startswith("data-done=", i))


def test_progress_follows_the_8d_without_internal_texts(world, portal, client):
    own, capa = portal["own"], portal["own_8d"]
    client.force_login(portal["user"])
    url = reverse("service:complaint_8d_progress", args=[own.pk])
    html = client.get(url).content.decode()
    # D2 done: the 8D was opened with the complaint's description as "what"
    assert steps(html) == "01000000"
    assert "INTERNAL-NOTE" not in html
    TeamMember.objects.create(capa=capa, user=world.user("cqo"), role="leader")
    RootCause.objects.create(capa=capa, category="material", statement="SECRET-CAUSE")
    EightD.objects.filter(pk=capa.pk).update(status="approved")
    html = client.get(url).content.decode()
    assert steps(html) == "11111000"  # team, problem, containment, root cause, D5
    assert "SECRET-CAUSE" not in html and "INTERNAL-NOTE" not in html
    assert 'data-testid="8d-state">Root cause and actions approved (D5)<' in html
    assert "available once the 8D is closed" in html
    report = reverse("service:complaint_8d_report", args=[own.pk])
    assert client.get(report).status_code == 404  # not final yet
    EightD.objects.filter(pk=capa.pk).update(status="closed")
    assert steps(client.get(url).content.decode()) == "11111111"


def test_final_report_in_the_customer_language(world, portal, client):
    own, capa = portal["own"], portal["own_8d"]
    EightD.objects.filter(pk=capa.pk).update(status="closed")
    client.force_login(portal["user"])
    report = reverse("service:complaint_8d_report", args=[own.pk])
    response = client.get(report)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # the customer profile says zh-hans
    assert response["Content-Disposition"] == f'attachment; filename="{capa.number}-zh-hans.pdf"'
    english = client.get(report + "?lang=en")
    assert english["Content-Disposition"].endswith(f'{capa.number}-en.pdf"')
    bad = client.get(report + "?lang=fr")
    assert bad.status_code == 400 and "Unknown report language 'fr'" in bad.content.decode()


def test_customer_a_gets_404_for_customer_b(world, portal, client):
    other, other_8d = portal["other"], portal["other_8d"]
    EightD.objects.filter(pk__in=[other_8d.pk, portal["own_8d"].pk]).update(status="closed")
    client.force_login(portal["user"])
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("service:complaint_8d_progress", args=[other.pk])).status_code == 404
    assert client.get(reverse("service:complaint_8d_report", args=[other.pk])).status_code == 404
    # the system records themselves are not theirs to open (no right on system CAPAs)
    assert client.get(other_8d.get_absolute_url()).status_code in (403, 404)
    assert client.get(reverse("system:eightd_pdf", args=[other_8d.pk])).status_code in (403, 404)
    # their own complaint page links to the progress, not to the system record
    html = client.get(portal["own"].get_absolute_url()).content.decode()
    assert 'data-testid="8d-progress-link"' in html
    assert portal["own_8d"].get_absolute_url() not in html


def test_staff_see_the_system_record_and_complaint_without_8d_is_404(world, portal, client):
    client.force_login(world.user("cqo"))
    html = client.get(portal["own"].get_absolute_url()).content.decode()
    assert portal["own_8d"].get_absolute_url() in html
    bare = make_complaint(world, world.customer_c, title="No 8D yet")
    assert client.get(reverse("service:complaint_8d_progress", args=[bare.pk])).status_code == 404

"""Complaint ppm per shipped volume (per month of receipt and per cohort) on a hand-built
genealogy, the NPS, the surveys (validation, scoping) and the page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from qdm.core.workflow import transition
from qdm.data.models import Unit
from qdm.service.models import Complaint, SatisfactionSurvey
from qdm.service.services.satisfaction import complaint_ppm, nps
from tests.personas import World, make_user
from tests.scoping import ScopedModelContract
from tests.service.builders import make_complaint, make_plant, with_serials
from tests.service.test_scope import INTERNAL, customer

pytestmark = pytest.mark.django_db


def aware(*args: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args), datetime.UTC)


@pytest.fixture
def ppm_world(world):
    """make_plant: 400 modules, pallets of 36, 3 pallets per shipment, shipments alternate
    C, D, C, D. Shipments 0..3 hold modules 0–107, 108–215, 216–323 and 324–399 (76).
    Shipped 20 and 25 March (C, D) and 5 and 10 April (C, D): March 216, April 184.
    Modules 0–49 were produced in February, the other 350 in March."""
    plant = make_plant(world)
    m = plant.modules
    for shipment, day in zip(plant.shipments, [(3, 20), (3, 25), (4, 5), (4, 10)], strict=True):
        Unit.objects.filter(pk=shipment.pk).update(produced_at=aware(2026, *day, 12))
    Unit.objects.filter(pk__in=[u.pk for u in m[:50]]).update(produced_at=aware(2026, 2, 27, 8))
    cqo = world.user("cqo")

    def complaint(cust, received, indices, status="triaged"):
        c = make_complaint(world, cust, received_on=received)
        with_serials(world, c, [m[i] for i in indices])
        if status != "received":
            transition(c, "triage" if status == "triaged" else "reject", actor=cqo)
        return c

    # validated: C1 (April: 0, 1, 2, 60), C2 of D (May: 110, 330), C5 (May: 0 again, 230)
    complaint(world.customer_c, datetime.date(2026, 4, 2), [0, 1, 2, 60])
    complaint(plant.customer_d, datetime.date(2026, 5, 3), [110, 330])
    complaint(world.customer_c, datetime.date(2026, 5, 10), [0, 230])
    # not validated: still received (220), rejected (221)
    complaint(world.customer_c, datetime.date(2026, 4, 15), [220], status="received")
    complaint(world.customer_c, datetime.date(2026, 4, 16), [221], status="rejected")
    return plant


def table(rows) -> list[tuple[str, int, int, float | None]]:
    return [
        (r.key, r.shipped, r.complained, None if r.ppm is None else round(r.ppm, 3)) for r in rows
    ]


def test_complaint_ppm_by_period_and_cohort(world, ppm_world):
    t = complaint_ppm(world.user("cqo"))
    # per month of receipt: April = C1's 4 modules / 184 shipped in April = 21 739.130 ppm;
    # May = 110, 330, 230 (module 0 counted once, in April) / nothing shipped in May
    assert table(t["period"]) == [
        ("2026-03", 216, 0, 0.0),
        ("2026-04", 184, 4, 21739.13),  # 4 / 184 × 10^6
        ("2026-05", 0, 3, None),
    ]
    # per shipment month: March cohort 0, 1, 2, 60, 110 → 5 / 216 × 10^6 = 23 148.148;
    # April cohort 330, 230 → 2 / 184 × 10^6 = 10 869.565
    assert table(t["shipment"]) == [("2026-03", 216, 5, 23148.148), ("2026-04", 184, 2, 10869.565)]
    # per production month: February 0, 1, 2 → 3 / 50 × 10^6 = 60 000;
    # March 60, 110, 330, 230 → 4 / 350 × 10^6 = 11 428.571
    assert table(t["production"]) == [("2026-02", 50, 3, 60000.0), ("2026-03", 350, 4, 11428.571)]


def test_complaint_ppm_of_one_customer(world, ppm_world):
    t = complaint_ppm(world.user("cqo"), world.customer_c)
    # customer C: shipments 0 (March, 108) and 2 (April, 108); C1 in April (4), C5 in May (230)
    assert table(t["period"]) == [
        ("2026-03", 108, 0, 0.0),
        ("2026-04", 108, 4, 37037.037),  # 4 / 108 × 10^6
        ("2026-05", 0, 1, None),
    ]


def test_nps():
    # 10, 9 promoters; 8, 7 passive; 6, 0 detractors → (2 − 2) / 6 = 0; then (3 − 1) / 4 = 50
    assert nps([10, 9, 8, 7, 6, 0]) == 0
    assert nps([10, 10, 9, 3]) == 50
    assert nps([]) is None


def test_survey_bad_input_changes_nothing(world, client_for):
    client = client_for("cqo")
    url = reverse("service:satisfactionsurvey_add")
    base = {"customer": world.customer_c.pk, "answered_on": "2026-04-02"}
    cases = [
        ({"period": "Q1 2026", "delivery": 4}, "Write the period as 2026-Q1"),
        ({"period": "2026-Q1", "delivery": 6}, "less than or equal to 5"),
        ({"period": "2026-Q1", "nps": 11}, "less than or equal to 10"),
        ({"period": "2026-Q1", "country": "Deutschland", "nps": 8}, "at most 2 characters"),
        ({"period": "2026-Q1"}, "Give at least one score"),
    ]
    for data, message in cases:
        response = client.post(url, base | data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not SatisfactionSurvey.objects.exists()
    ok = client.post(url, base | {"period": "2026-q1", "delivery": 4, "nps": 9})
    assert ok.status_code == 302
    survey = SatisfactionSurvey.objects.get()
    assert (survey.period, survey.country) == ("2026-Q1", "DE")  # country from the customer


class TestSatisfactionSurveyScope(ScopedModelContract):
    model = SatisfactionSurvey
    api_prefix = "service/satisfaction-surveys"
    places = ("C", "D")
    can_view = INTERNAL
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("respondent", "Dr. Anna Weber")

    def existing(self, world: World, place: str) -> Any:
        return SatisfactionSurvey.objects.create(
            customer=customer(world, place), period="2026-Q1", delivery=4
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "customer": customer(world, place).pk,
            "period": "2026-Q2",
            "respondent": code,
            "answered_on": "2026-07-03",
            "product_quality": 5,
            "nps": 9,
        }

    def created(self, code: str) -> Any:
        return SatisfactionSurvey.objects.filter(respondent=code)

    def label(self, obj: Any) -> str:
        return obj.respondent or obj.period


def test_page_shows_ppm_and_surveys_and_customers_only_their_own(world, ppm_world, client):
    d = ppm_world.customer_d
    SatisfactionSurvey.objects.create(
        customer=world.customer_c, period="2026-Q1", region="EU", delivery=4, nps=10
    )
    SatisfactionSurvey.objects.create(
        customer=world.customer_c, period="2026-Q1", region="EU", respondent="B", delivery=3, nps=6
    )
    SatisfactionSurvey.objects.create(customer=d, period="2026-Q1", region="LATAM", nps=2)
    client.force_login(world.user("cqo"))
    page = client.get(reverse("service:satisfaction") + "?basis=production")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="service-ppm-data"' in html and "service-ppm.js" in html
    assert "60000.0" in html  # February production cohort
    assert "EU" in html and "LATAM" in html and ">3.5<" in html  # delivery (4 + 3) / 2
    bad = client.get(reverse("service:satisfaction") + "?basis=weekly")
    assert bad.status_code == 400 and "not one of the available choices" in bad.content.decode()

    lucia = make_user("lucia", "customer_user", customer=world.customer_c)
    client.force_login(lucia)
    html = client.get(reverse("service:satisfaction")).content.decode()
    assert "EU" in html and "LATAM" not in html
    assert 'id="service-ppm-data"' not in html  # no access to the genealogy
    assert Complaint.objects.count() == 5

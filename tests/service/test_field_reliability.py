"""Weibull per production cohort from the returns: failures are the returns decided as
failures, the other shipped modules of the cohort are censored, time in months in service;
the page, its forecast, scoping and bad input."""

from __future__ import annotations

import datetime
import math

import pytest
from django.urls import reverse
from django.utils import timezone

from qdm.core.workflow import transition
from qdm.data.models import Unit
from qdm.quality.reliability import fit_weibull
from qdm.service.models import ReturnedModule
from qdm.service.services.field_reliability import analyse, cohort_data
from tests.personas import make_user
from tests.service.builders import make_complaint, make_plant, with_serials

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2027, 3, 20)
#: days from shipment (20 March 2026) to each complaint of a decided failure
FAILURE_DAYS = [91, 182, 273, 303, 333]


@pytest.fixture
def returns(world):
    """All 400 modules shipped to C on 20 March 2026; modules 300–399 produced in February,
    0–299 in March. Modules 0–4 failed (returns decided replace/repair/refund); module 5's
    claim was rejected and module 6's return is not decided: both still count as running."""
    plant = make_plant(world, alternate=False)
    shipped = timezone.make_aware(datetime.datetime(2026, 3, 20, 12), datetime.UTC)
    Unit.objects.filter(pk__in=[s.pk for s in plant.shipments]).update(produced_at=shipped)
    feb = timezone.make_aware(datetime.datetime(2026, 2, 20, 8), datetime.UTC)
    Unit.objects.filter(pk__in=[m.pk for m in plant.modules[300:]]).update(produced_at=feb)
    decisions = ["replace", "repair", "refund", "replace", "replace", "reject", ""]
    days = [*FAILURE_DAYS, 100, 120]
    for i, (decision, d) in enumerate(zip(decisions, days, strict=True)):
        received = datetime.date(2026, 3, 20) + datetime.timedelta(days=d)
        complaint = make_complaint(world, received_on=received)
        [item] = with_serials(world, complaint, [plant.modules[i]])
        transition(complaint, "triage", actor=world.user("cqo"))
        ReturnedModule.objects.create(
            number=f"RMA-T-{i}",
            item=item,
            status="decided" if decision else "retested",
            decision=decision,
            cost=300 + 50 * i,
        )
    return plant


def test_cohort_life_data_and_fit(world, returns):
    cohorts = cohort_data(world.user("cqo"), AS_OF)
    assert list(cohorts) == ["2026-02", "2026-03"]
    march = cohorts["2026-03"]
    assert (march.n_failures, march.n_censored) == (5, 295)
    failures = sorted(t for t, c in zip(march.times, march.censored, strict=True) if not c)
    assert failures == pytest.approx([d / 30.4375 for d in FAILURE_DAYS])
    running = {round(t, 9) for t, c in zip(march.times, march.censored, strict=True) if c}
    assert running == {round(365 / 30.4375, 9)}  # 20 March 2026 → 20 March 2027
    assert march.unit_cost == pytest.approx((300 + 350 + 400 + 450 + 500) / 5)
    # reference: the same life data typed by hand, fitted directly
    ref = fit_weibull(
        [d / 30.4375 for d in FAILURE_DAYS] + [365 / 30.4375] * 295, [0] * 5 + [1] * 295
    )
    result = analyse(march, detail=True)
    assert result.fit.beta == pytest.approx(ref.beta, rel=1e-9)
    assert result.fit.eta == pytest.approx(ref.eta, rel=1e-9)
    # forecast: 295 units at age a = 365/30.4375 months, P(fail in next 12) = 1 − R(a+12)/R(a)
    a, b, e = 365 / 30.4375, ref.beta, ref.eta
    expected = 295 * (1 - math.exp(-(((a + 12) / e) ** b) + (a / e) ** b))
    assert result.forecast.total == pytest.approx(expected, rel=1e-9)
    assert result.forecast.cost == pytest.approx(expected * 400)
    assert len(result.forecast.expected) == 12
    february = analyse(cohorts["2026-02"])
    assert february.fit is None and february.reason  # 100 running, no failure: no fit


def test_page_and_its_inputs(world, returns, client):
    client.force_login(world.user("cqo"))
    url = reverse("service:field_reliability")
    html = client.get(url + "?cohort=2026-03&as_of=2027-03-20").content.decode()
    ref = fit_weibull(
        [d / 30.4375 for d in FAILURE_DAYS] + [365 / 30.4375] * 295, [0] * 5 + [1] * 295
    )
    assert f"<strong>{ref.beta:.3f}</strong>" in html
    assert f"<strong>{ref.b10:.1f}</strong>" in html
    assert 'id="service-weibull-data"' in html and "service-weibull.js" in html
    assert 'data-testid="weibull-forecast"' in html
    bad = client.get(url + "?cohort=March")
    assert (
        bad.status_code == 400 and "Write the production month as 2026-03." in bad.content.decode()
    )
    assert client.get(url + "?as_of=tomorrow").status_code == 400
    missing = client.get(url + "?cohort=2025-01").content.decode()
    assert "No shipped modules were produced in 2025-01." in missing


def test_page_is_scoped(world, returns, client):
    client.force_login(world.user("eng_b"))  # site B: the genealogy is site A's
    html = client.get(reverse("service:field_reliability")).content.decode()
    assert "No shipments." in html and "2026-03" not in html
    lucia = make_user("lucia", "customer_user", customer=world.customer_c)
    client.force_login(lucia)
    assert client.get(reverse("service:field_reliability")).status_code == 403

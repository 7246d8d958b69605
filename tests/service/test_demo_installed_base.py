"""The service demo's field history before the production history: an installed base of
every module base over two years and its Weibull field failures, so that the warranty
forecast made as of six months ago (the cockpit's backtest) has life data and a figure."""

from __future__ import annotations

import datetime
import math
import random

import pytest
from django.utils import timezone

from qdm.cockpit.copq_forecast import forecast_copq
from qdm.cockpit.demo_copq import build_copq
from qdm.core.demo import build_kernel
from qdm.core.services.maintenance import refresh_planner_statistics
from qdm.data.generator import generate
from qdm.data.models import Unit
from qdm.data.seeds import seed_all
from qdm.service.demo import build
from qdm.service.demo_field import BETA, ETA_MONTHS, FAILED_BY_2Y, LEGACY, _failures
from qdm.service.models import ReturnedModule
from qdm.service.selectors import warranty_returns_forecast
from qdm.utilities.periods import add_months, month_end, month_start

pytestmark = pytest.mark.django_db


def _demo():
    ctx = build_kernel(scale="small", seed=11)
    seed_all(ctx.sites, ctx.customers)
    generate(ctx, days=2, modules_per_day=400)  # a production history of two days
    build(ctx)
    refresh_planner_statistics()  # as `qdm demo` does: fresh tables have no statistics
    return ctx


def test_weibull_scale_gives_the_reference_rate() -> None:
    # F(24 months) = 1 − exp(−(24/η)^β) = 0.05 %/y × 2 y (pv-reference §5.1)
    assert 1 - math.exp(-((24 / ETA_MONTHS) ** BETA)) == pytest.approx(FAILED_BY_2Y)
    assert math.isclose(FAILED_BY_2Y, 0.0005 * 2)


def test_claims_accrue_by_the_weibull_law_and_are_seeded() -> None:
    shipped = datetime.date(2024, 1, 1)
    until = shipped + datetime.timedelta(days=730)  # two years in the field
    modules = [(k, f"S{k:06d}", 1, 1, "P", shipped) for k in range(400_000)]
    claims = _failures(modules, random.Random(5), until)
    # expected 400 000 × F(24 months) = 400 (± 20, Poisson); four standard deviations
    assert abs(len(claims) - 400_000 * FAILED_BY_2Y) < 80
    # wear-in: more claims in the first year than in the second (F(12) / F(24) = 0.5^0.7)
    first_year = sum(1 for c in claims if c[0] < shipped + datetime.timedelta(days=365))
    assert first_year > len(claims) - first_year
    assert claims == _failures(modules, random.Random(5), until)  # deterministic for a seed
    assert claims != _failures(modules, random.Random(6), until)


def test_backtest_six_months_back_has_data_and_a_figure() -> None:
    ctx = _demo()
    bases = sorted(
        set(Unit.objects.filter(kind="module", line__isnull=False).values_list("site", flat=True))
    )
    legacy = Unit.objects.filter(kind="module", code__contains=LEGACY)
    assert legacy.count() == len(bases) * 24 * 720  # a container a month for two years
    failed = ReturnedModule.objects.filter(status="decided", decision="replace")
    assert failed.filter(item__unit__code__contains=LEGACY).count() > 2 * len(bases)
    this_month = month_start(timezone.localdate())
    origin = month_end(add_months(this_month, -6))
    then = warranty_returns_forecast(bases, origin, 6)
    # every base has at least two field failures by then and a fitted forecast
    assert all(f.n_failures >= 2 and f.expected_cost for f in then.values()), {
        s: (f.n_failures, f.reason) for s, f in then.items()
    }
    # the fitted shape is wear-in like the generating law (β = 0.7), within the noise of a
    # handful of failures among thousands of running modules
    assert all(0.2 < f.beta < 2.0 for f in then.values())
    build_copq(ctx)  # costs and the USD rate the forecast converts the RMA costs with
    sites = [s for s in ctx.sites.values() if s.pk in bases]
    fc = forecast_copq(sites, this_month)
    assert fc.warranty.values and fc.warranty.backtest_mae is not None
    assert math.isfinite(fc.warranty.backtest_mae) and fc.warranty.backtest_mae >= 0


def test_field_history_is_built_once() -> None:
    ctx = _demo()
    units = Unit.objects.count()
    returns = ReturnedModule.objects.count()
    build(ctx)
    assert (Unit.objects.count(), ReturnedModule.objects.count()) == (units, returns)

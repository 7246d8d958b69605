"""The service demo's satisfaction surveys: four quarters per customer, scores in range,
idempotent."""

from __future__ import annotations

import pytest

from qdm.core.demo import build_kernel
from qdm.data.seeds import seed_all
from qdm.service.demo import build
from qdm.service.models import SatisfactionSurvey
from qdm.service.models.satisfaction import DIMENSIONS, PERIOD_RE

pytestmark = pytest.mark.django_db


def test_demo_surveys() -> None:
    ctx = build_kernel(scale="small", seed=11)
    seed_all(ctx.sites, ctx.customers)
    build(ctx)
    surveys = list(SatisfactionSurvey.objects.all())
    assert len(surveys) == 4 * len(ctx.customers)
    for s in surveys:
        s.full_clean()  # periods, countries and scores pass the model's own validation
        assert PERIOD_RE.match(s.period)
        assert all(1 <= getattr(s, d) <= 5 for d in DIMENSIONS) and 0 <= s.nps <= 10
    assert len({s.period for s in surveys}) == 4
    build(ctx)
    assert SatisfactionSurvey.objects.count() == len(surveys)

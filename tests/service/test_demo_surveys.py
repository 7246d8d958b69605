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


def test_demo_requirements() -> None:
    from qdm.service.models import CustomerRequirement
    from qdm.service.selectors import requirements_for

    ctx = build_kernel(scale="small", seed=11)
    seed_all(ctx.sites, ctx.customers)
    build(ctx)
    reqs = list(CustomerRequirement.objects.all())
    # two versions for each of two customers, plus one project-specific version each
    assert len(reqs) == 6
    es = ctx.customers["CUS-ES1"]
    current = requirements_for(es)
    assert current.version == 2 and current.project is None and current.max_el_grade == "A"
    assert len(current.allowed_classes) == 5 and current.imp_bin_width_a is not None
    from qdm.service.models import WarrantyContract

    assert WarrantyContract.objects.count() == 3
    de = WarrantyContract.objects.get(customer__code="CUS-DE1").terms()
    assert de.power.guaranteed_pct(25) == pytest.approx(84.8)  # PV reference §4.4 PERC
    build(ctx)
    assert CustomerRequirement.objects.count() == 6
    assert WarrantyContract.objects.count() == 3

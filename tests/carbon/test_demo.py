"""The carbon demo: libraries, a year of energy data per base, a verified low-carbon
polysilicon factor and a footprint per module model and module base; idempotent."""

from __future__ import annotations

import pytest

from qdm.carbon import demo
from qdm.carbon.models import ActivityRecord, FactorLibrary, ProductFootprint, SupplierFactor
from qdm.carbon.services.factors import load_library
from qdm.core.demo import build_kernel
from qdm.data.models import ModuleModel
from qdm.data.seeds import seed_all

pytestmark = pytest.mark.django_db


def test_demo_builds_realistic_carbon_data_and_is_idempotent() -> None:
    ctx = build_kernel(scale="small", seed=7)
    seed_all(ctx.sites, ctx.customers)
    first = demo.build(ctx)
    again = demo.build(ctx)
    assert again["footprints"] == 0  # nothing recomputed the second time
    group = FactorLibrary.objects.get(code="QDM-GROUP")
    view = load_library(group)  # one basis for the whole library, or this raises
    assert str(view.basis) == "CO2e, life-cycle, AR5"
    assert view.electricity("CN") == pytest.approx(0.544)  # pv-reference §6.4
    ecs = load_library(FactorLibrary.objects.get(code="ECS-PPE2"))
    assert ecs.electricity("CN") == pytest.approx(1.024)  # pv-reference §6.2
    # twelve months of grid electricity at every base
    for site in ctx.sites.values():
        months = ActivityRecord.objects.filter(site=site, kind="grid").values("month").distinct()
        assert months.count() == 12
    sf = SupplierFactor.objects.get(supplier__code="SUP-POLY1")
    assert sf.verified and sf.value < view.material(sf.material) / 3
    models = ModuleModel.objects.count()
    module_sites = [s for s in ctx.sites.values() if "module" in s.stages]
    assert first["footprints"] == models * len(module_sites)
    topcon_cn = ProductFootprint.objects.get(module_model__code="SRM-N410-72", site__code="JX1")
    # pv-reference §6.3: Chinese-grid TOPCon ≈350–450 kg CO2e/kWp
    assert 350 <= topcon_cn.per_kwp_kg <= 450
    topcon_vn = ProductFootprint.objects.get(module_model__code="SRM-N410-72", site__code="VN1")
    assert topcon_vn.per_kwp_kg < topcon_cn.per_kwp_kg  # module assembly on a cleaner grid
    # a demo carbon target per module base for this year, once
    assert first["targets"] == len(module_sites) and again["targets"] == 0

"""Master data and catalog seeds: idempotent, module models taken from the CEC database."""

from __future__ import annotations

import pytest

from qdm.data.models import (
    BomLine,
    Characteristic,
    Material,
    MaterialCategory,
    ModuleModel,
    ProductFamily,
    Specification,
)
from qdm.data.seeds import MODULE_SOURCES, cec_modules, seed_all

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (ProductFamily, ModuleModel, MaterialCategory, Material, BomLine,
                  Characteristic, Specification)
    )  # fmt: skip


def test_seeds_are_idempotent() -> None:
    seed_all()
    first = _counts()
    seed_all()
    assert _counts() == first
    assert first[0] == 4 and 4 <= first[1] <= 6 and first[5] >= 25


def test_module_models_come_from_the_cec_database() -> None:
    seed_all()
    db = cec_modules()
    for code, _family, entry, *_rest in MODULE_SOURCES:
        model = ModuleModel.objects.get(code=code)
        cec = db[entry]
        assert entry in model.source
        expected = float(cec["V_mp_ref"]) * float(cec["I_mp_ref"])
        assert abs(model.pmax_w - expected) < 1e-9
        assert model.diode_parameters["I_L_ref"] == float(cec["I_L_ref"])
        assert model.temp_coeff_voc_pct_per_c == pytest.approx(
            float(cec["beta_oc"]) / float(cec["V_oc_ref"]) * 100
        )
        assert model.bom.filter(material__category__code="GLASS").exists()


def test_catalog_has_group_site_and_customer_levels() -> None:
    from qdm.core.demo import build_kernel

    ctx = build_kernel(scale="small", seed=7)
    seed_all(ctx.sites, ctx.customers)
    assert Characteristic.objects.get(code="MOD-PMAX").special_class == "CC"
    assert Characteristic.objects.get(code="MOD-EVA-GEL").special_class == "SC"
    levels = {s.level for s in Specification.objects.all()}
    assert levels == {"group", "site", "customer"}
    site = Specification.objects.get(characteristic__code="MOD-LAM-TEMP", site__code="ZJ1")
    group = Specification.objects.get(characteristic__code="MOD-LAM-TEMP", site=None)
    assert group.lsl < site.lsl < site.usl < group.usl

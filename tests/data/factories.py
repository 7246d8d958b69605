"""Small builders for data-platform tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from qdm.data.models import Characteristic, FlashTest, Specification, Unit
from tests.personas import World


def characteristic(code: str = "MOD-PMAX", **extra: Any) -> Characteristic:
    defaults = {
        "name": "最大功率",
        "name_en": "Maximum power",
        "kind": "product",
        "stage": "module",
        "unit": "W",
        "special_class": "CC",
    }
    return Characteristic.objects.create(code=code, **{**defaults, **extra})


def spec(char: Characteristic, version: int = 1, **extra: Any) -> Specification:
    return Specification.objects.create(characteristic=char, version=version, **extra)


def flash(
    world: World, place: str, serial: str, when: datetime | None = None, pmax: float = 580.0
) -> FlashTest:
    site = world.where(place)
    line = world.line_a if place == "A" else world.line_b
    vmp = 43.5
    return FlashTest.objects.create(
        serial=serial,
        tested_at=when or timezone.now() - timedelta(hours=1),
        site=site,
        line=line,
        irradiance_wm2=1000,
        module_temp_c=25,
        pmax_w=pmax,
        voc_v=52.3,
        isc_a=14.0,
        vmp_v=vmp,
        imp_a=pmax / vmp,
        ff_pct=79.2,
        eff_pct=22.4,
    )


def unit(code: str, kind: str, **extra: Any) -> Unit:
    return Unit.objects.create(code=code, kind=kind, **extra)

"""Measurements that arrive through ingestion are evaluated against the active charts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qdm.data.ingest.service import ingest_file
from qdm.manufacturing.models import SpcViolation
from tests.manufacturing.test_spc_monitoring import frozen_chart
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_an_ingested_point_beyond_the_limits_raises_a_violation(
    world: World, tmp_path, django_capture_on_commit_callbacks
) -> None:
    config = frozen_chart(world, "A")
    assert config.status == "active"
    when = timezone.now() - timedelta(hours=1)
    beyond = config.ucl + 10 * (config.sigma or 1.0)
    csv = tmp_path / "lam.csv"
    csv.write_text(
        "characteristic,subject,measured_at,value,line\n"
        f"{config.characteristic.code},{config.line.code}-LAM-X,{when.isoformat()},"
        f"{beyond},{config.line.code}\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        summary = ingest_file(csv, kind="measurements", site=world.site_a)
    assert summary.accepted == 1
    violation = SpcViolation.objects.get(config=config, rule=1, part="primary")
    # the jump also breaks the moving-range chart
    assert SpcViolation.objects.filter(config=config, part="secondary").exists()
    assert violation.value == pytest.approx(beyond)


def test_a_flash_batch_does_not_touch_the_charts(
    world: World, tmp_path, django_capture_on_commit_callbacks
) -> None:
    frozen_chart(world, "A")
    when = timezone.now() - timedelta(hours=1)
    csv = tmp_path / "flash.csv"
    csv.write_text(
        "serial,tested_at,line,irradiance_wm2,module_temp_c,pmax_w,voc_v,isc_a,vmp_v,imp_a,"
        "ff_pct\n"
        f"SA-1,{when.isoformat()},{world.line_a.code},1000,25,580.0,52.3,14.0,43.5,"
        f"{580 / 43.5},79.2\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        summary = ingest_file(csv, kind="flash", site=world.site_a)
    assert summary.accepted == 1
    assert not SpcViolation.objects.exists()

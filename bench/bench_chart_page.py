"""Chart page timing: an I-MR chart of 10,000 points (prints figures, asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_chart_page.py [--points 10000] [--runs 30]``

A throw-away SQLite database in a temporary folder is migrated; one line gets 10,000
laminator-temperature measurements (one every 4 minutes, ending now, so all inside the
page's default 30-day window, capped at 10,000 points), with a specification; the chart's
limits are frozen from its first 500 points (e-signed) and the rest is evaluated, so the page
has violations to draw. The page view is then timed through Django's test Client (server
time: URL resolution, middleware, scope check, queries, chart computation, capability,
template and the JSON block), after warm-up requests: with the chart's data in the cache
(nothing changed since the last request) and computed afresh (cache cleared before each
request); the API's data endpoint too.

Target (issue 4): opening a chart page with 10,000 points under 300 ms server time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np


def setup_django(folder: Path) -> None:
    os.environ["QDM_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["QDM_VAR_DIR"] = str(folder)
    os.environ["QDM_DEBUG"] = "0"
    os.environ["QDM_TASKS_BACKEND"] = "immediate"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qdm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(points: int) -> tuple[object, object]:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from qdm.core.models import BusinessUnit, Enterprise, Grant, Line, Site, User, Workshop
    from qdm.core.workflow import transition
    from qdm.data.models import Characteristic, Measurement, Specification
    from qdm.manufacturing.services.spc import create_chart_config, evaluate_new_points

    enterprise = Enterprise.objects.create(code="GRP", name="集团", name_en="Group")
    unit = BusinessUnit.objects.create(
        code="BU", name="事业部", name_en="Unit", enterprise=enterprise
    )
    site = Site.objects.create(
        code="JX1", name="上饶", name_en="Shangrao", business_unit=unit, country="CN"
    )
    workshop = Workshop.objects.create(
        code="JX1-M", name="组件", name_en="Modules", site=site, stage="module"
    )
    line = Line.objects.create(code="JX1-M01", name="1线", name_en="Line 1", workshop=workshop)
    user = User.objects.create_user("qe", password="bench-password-1")
    Grant.objects.create(user=user, role=Group.objects.get(name="quality_engineer"), site=site)
    char = Characteristic.objects.create(
        code="MOD-LAM-TEMP", name="层压温度", name_en="Laminator temperature",
        kind="process", stage="module", unit="°C",
    )  # fmt: skip
    now = timezone.now().replace(microsecond=0)
    step = timedelta(minutes=4)
    start = now - step * points
    Specification.objects.create(
        characteristic=char, lsl=145.0, target=150.0, usl=155.0, valid_from=start - step
    )
    rng = np.random.default_rng(2026)
    values = 150.0 + rng.normal(0, 0.8, points) + 0.4 * np.sin(np.arange(points) / 200.0)
    values[points // 2 :: 997] += 3.5  # a few excursions
    Measurement.objects.bulk_create(
        (
            Measurement(
                characteristic=char,
                subject=f"JX1-M01-LAM-{i:06d}",
                measured_at=start + step * i,
                value=float(v),
                site=site,
                line=line,
            )
            for i, v in enumerate(values)
        ),
        batch_size=2000,
    )
    config = create_chart_config(
        actor=user, name="LAM-TEMP JX1-M01 I-MR", characteristic=char, line=line,
        chart_type="imr", subgroup_size=1, rule_set="nelson",
        baseline_from=start, baseline_to=start + step * 499, notify=False,
    )  # fmt: skip
    transition(config, "freeze", actor=user, password="bench-password-1", reason="bench")
    found = evaluate_new_points(config)
    print(f"{points} measurements, {len(found)} violations recorded")
    return config, user


def timed(client: object, url: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{name:<28} p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   "
        f"min {ordered[0]:7.1f} ms   ({len(ordered)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", help="keep the database in this folder")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="qdm-bench-chart-"))
    folder.mkdir(parents=True, exist_ok=True)
    setup_django(folder)
    from django.test import Client

    config, user = build(args.points)
    client = Client()
    client.force_login(user)
    page = config.get_chart_url()  # type: ignore[attr-defined]
    api = f"/api/v1/manufacturing/spc-charts/{config.pk}/data/"  # type: ignore[attr-defined]
    response = client.get(page)
    size = len(response.content)
    for _ in range(3):  # warm caches: templates, grants, SQLite pages
        client.get(page)
        client.get(api)
    print(f"page size {size / 1024:.0f} KiB")
    report("chart page (10k, cached)", timed(client, page, args.runs))
    from django.core.cache import cache

    cold = []
    for _ in range(args.runs):
        cache.clear()
        cold += timed(client, page, 1)
    report("chart page (10k, computed)", cold)
    report("API chart data", timed(client, api, args.runs))
    from qdm.manufacturing.services.charts import chart_data

    samples = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        chart_data(config)  # type: ignore[arg-type]
        samples.append((time.perf_counter() - t0) * 1000)
    report("chart_data() service", samples)
    if not args.keep:
        print(f"(database in {folder}, removed by the OS temp cleaner)")


if __name__ == "__main__":
    main()

"""Query budgets of the cockpit's home tiles and of the document-acknowledgement KPI: the
number of queries does not grow with the months of the trend or with the sites, and the
numbers are those of the per-month / per-site path (worked out by hand in the comments)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qdm.cockpit import kpis_more, widgets
from qdm.cockpit.models import KpiValue
from qdm.cockpit.selectors import group_tiles
from qdm.core.models import Site
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db

#: October 2025 … March 2026, oldest first
MONTHS = [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)] + [
    date(2026, m, 1) for m in (1, 2, 3)
]


def kpi(code: str, site: Site, month: date, value: float, num: float, den: float) -> None:
    KpiValue.objects.create(
        kpi=code, site=site, granularity="month", period_start=month,
        value=value, numerator=num, denominator=den,
    )  # fmt: skip


def six_months(world: World) -> None:
    """FPY: A (960 + i) / 1000, B 980 / 1000 in month i = 0…5; CAPA closure days (a median,
    weighted by its count): A median 4 of 3 CAPAs, B median 10 of 1 CAPA, every month."""
    for i, month in enumerate(MONTHS):
        kpi("fpy", world.site_a, month, (960 + i) / 10, 960 + i, 1000)
        kpi("fpy", world.site_b, month, 98.0, 980, 1000)
        kpi("capa_closure_days", world.site_a, month, 4.0, 4.0, 3.0)
        kpi("capa_closure_days", world.site_b, month, 10.0, 10.0, 1.0)


def count_queries(call) -> int:
    call()  # warm: what a request caches once (the user's grants) is not the point here
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_kpi_tiles_read_the_trend_in_a_fixed_number_of_queries(world: World, monkeypatch) -> None:
    six_months(world)
    cqo = world.user("cqo")
    counts = {}
    for n in (2, 6):
        monkeypatch.setattr(widgets, "TREND_MONTHS", n)
        counts[n] = count_queries(lambda: widgets.kpi_tiles(cqo))
    # before: one latest-month read + two per month + sites + goals (8 for 2 months, 15 for 6)
    assert counts[2] == counts[6]
    assert counts[6] <= 6


def test_kpi_tiles_trend_equals_the_month_by_month_roll_up(world: World) -> None:
    six_months(world)
    for user in (world.user("cqo"), make_user("mgr_b", "site_quality_manager", site=world.site_b)):
        tiles = {t["code"]: t for t in widgets.kpi_tiles(user)["tiles"]}
        for code in ("fpy", "capa_closure_days"):
            per_month = [
                {t["code"]: t["value"] for t in group_tiles(user, m)}[code] for m in MONTHS
            ]
            assert tiles[code]["trend"] == per_month
    group = {t["code"]: t for t in widgets.kpi_tiles(world.user("cqo"))["tiles"]}
    # FPY month i: (960 + i + 980) / 2000 → 97.0, 97.05, …, 97.25 %
    assert group["fpy"]["trend"] == [pytest.approx((1940 + i) / 20) for i in range(6)]
    # closure days: (4 × 3 + 10 × 1) / (3 + 1) = 5.5 days every month
    assert group["capa_closure_days"]["trend"] == [pytest.approx(5.5)] * 6


# --- document acknowledgement -------------------------------------------------------------


def shanghai_site(world: World, code: str) -> Site:
    return Site.objects.create(
        code=code, name=code, name_en=code, business_unit=world.site_a.business_unit,
        country="CN", timezone="Asia/Shanghai", stages=["module"],
    )  # fmt: skip


def documents(world: World, extra: list[Site]) -> None:
    """One procedure at A, B and the extra sites, effective 1 March 00:00 UTC, read by
    eng_a and cqo; eng_a acknowledges 2 March 02:00 UTC (10:00 Shanghai, 09:00 Ho Chi
    Minh), cqo 3 March 20:00 UTC (4 March 04:00 Shanghai, 03:00 Ho Chi Minh)."""
    from qdm.system.models import Acknowledgement, ControlledDocument, DocumentRevision

    eng_a, cqo = world.user("eng_a"), world.user("cqo")
    doc = ControlledDocument.objects.create(
        code="QP-ALL-1", title="IQC", doc_type="procedure", owner=eng_a
    )
    doc.sites.set([world.site_a, world.site_b, *extra])
    doc.distributed_to.set([eng_a, cqo])
    rev = DocumentRevision.objects.create(
        document=doc, revision="A", author=eng_a, status="effective",
        effective_at=datetime(2026, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    Acknowledgement.objects.create(
        revision=rev, user=eng_a, acknowledged_at=datetime(2026, 3, 2, 2, tzinfo=UTC)
    )
    Acknowledgement.objects.create(
        revision=rev, user=cqo, acknowledged_at=datetime(2026, 3, 3, 20, tzinfo=UTC)
    )


def test_document_acknowledgement_queries_do_not_grow_with_sites_or_days(world: World) -> None:
    extra = [shanghai_site(world, "SC"), shanghai_site(world, "SD")]
    documents(world, extra)
    first, last = date(2026, 3, 1), date(2026, 3, 4)
    one = count_queries(lambda: kpis_more.document_acknowledgement([world.site_a], first, last))
    three = count_queries(
        lambda: kpis_more.document_acknowledgement([world.site_a, *extra], first, last)
    )
    # before: five queries per site and day (20 for one site, 60 for three)
    assert one == three
    month = count_queries(
        lambda: kpis_more.document_acknowledgement([world.site_a, *extra], first, date(2026, 3, 31))
    )
    assert month == one


def test_document_acknowledgement_values_are_those_of_each_site_alone(world: World) -> None:
    extra = [shanghai_site(world, "SC"), shanghai_site(world, "SD")]
    documents(world, extra)
    sites = [world.site_a, world.site_b, *extra]
    first, last = date(2026, 3, 1), date(2026, 3, 4)
    together = kpis_more.document_acknowledgement(sites, first, last)
    alone: dict = {}
    for site in sites:
        alone.update(kpis_more.document_acknowledgement([site], first, last))
    assert together == alone
    # 2 duties per site and day (one revision × two readers), end of the site-local day:
    # 1 March none, 2 March eng_a, 3 March eng_a (cqo's 20:00 UTC is the 4th locally), 4th both
    for site in sites:
        assert [together[(site.pk, date(2026, 3, d))] for d in (1, 2, 3, 4)] == [
            (0.0, 2.0), (1.0, 2.0), (1.0, 2.0), (2.0, 2.0),
        ]  # fmt: skip

"""KPI formulas on hand-built data (every expected number worked out in the comments),
materialisation (day and month rows) and incremental = full recomputation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from qdm.cockpit.kpis import REGISTRY
from qdm.cockpit.models import KpiValue
from qdm.cockpit.services import KpiError, compute_kpis
from qdm.manufacturing.models import InspectionLot, SpcViolation
from qdm.system.models import Finding
from tests.manufacturing.builders import make_chart
from tests.manufacturing.test_inspection_builders import glass_lot, glass_plan
from tests.manufacturing.test_yield_builders import EXPECTED_DAYS, build_production
from tests.personas import World
from tests.system.builders import action, make_capa
from tests.system.builders_ims import started_audit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _management_systems(db) -> None:
    """The standards registry (seeded by a data migration) for runs without migrations."""
    from qdm.system.ims_catalog import load_catalog
    from qdm.system.models import Clause, ManagementSystem

    if not ManagementSystem.objects.filter(code="ISO9001").exists():
        load_catalog(ManagementSystem, Clause)


SH = timedelta(hours=8)  # Asia/Shanghai, the time zone of site A


def values(kpi: str, site, granularity: str = "day") -> dict[date, tuple]:
    rows = KpiValue.objects.filter(kpi=kpi, site=site, granularity=granularity)
    return {r.period_start: (r.value, r.numerator, r.denominator) for r in rows}


def table() -> list[tuple]:
    return sorted(
        KpiValue.objects.values_list(
            "kpi", "site__code", "granularity", "period_start", "value", "numerator", "denominator"
        )
    )


def test_yield_kpis_reuse_the_yield_report(world: World) -> None:
    build_production(world)
    compute_kpis(date(2026, 3, 4), 3)
    fpy = values("fpy", world.site_a)
    # EXPECTED_DAYS (test_yield_builders): 2nd 5 started 1 FP, 3rd 5/1, 4th 2/2
    assert {d.isoformat(): (v[2], v[1]) for d, v in fpy.items()} == {
        k: (float(s), float(f)) for k, (s, f) in EXPECTED_DAYS.items()
    }
    assert fpy[date(2026, 3, 2)][0] == pytest.approx(20.0)  # 1 / 5
    month = values("fpy", world.site_a, "month")[date(2026, 3, 1)]
    assert month == (pytest.approx(100 * 4 / 12), 4.0, 12.0)  # totals: 12 started, 4 FP
    # totals of site A: 1 scrapped, 2 downgraded of 12 started
    assert values("scrap_rate", world.site_a, "month")[date(2026, 3, 1)][1:] == (1.0, 12.0)
    assert values("downgrade_rate", world.site_a, "month")[date(2026, 3, 1)][1:] == (2.0, 12.0)


def test_iqc_lot_acceptance_by_site_local_day(world: World) -> None:
    plan = glass_plan(world, "A")
    at = datetime(2026, 3, 1, 20, tzinfo=UTC)  # 04:00 on the 2nd in Shanghai
    for i, (verdict, status) in enumerate(
        [("pass", "completed"), ("pass", "completed"), ("fail", "completed"),
         ("pending", "open"), ("pass", "cancelled")]
    ):  # fmt: skip
        InspectionLot.objects.create(
            number=f"IQC-T-{i}", plan=plan, site=world.site_a, unit=glass_lot(world, "A"),
            quantity=1000, inspected_at=at, verdict=verdict, status=status,
            inspector=world.user("eng_a"),
        )  # fmt: skip
    compute_kpis(date(2026, 3, 2), 2)
    # 2 passed of 3 completed with a verdict (open and cancelled lots do not count), on the
    # 2nd (local) and not the 1st (UTC)
    assert values("iqc_acceptance", world.site_a) == {
        date(2026, 3, 2): (pytest.approx(100 * 2 / 3), 2.0, 3.0)
    }


def test_open_spc_alerts_at_the_end_of_each_day(world: World) -> None:
    config = make_chart(world, "A")
    d1 = datetime(2026, 3, 2, 2, tzinfo=UTC)  # 10:00 on the 2nd, Shanghai

    def violation(detected: datetime, acked: datetime | None) -> None:
        SpcViolation.objects.create(
            config=config, part="primary", rule=SpcViolation.objects.count() + 1,
            point_time=detected, value=151.0,
            detected_at=detected, acknowledged_at=acked,
        )  # fmt: skip

    violation(d1 - timedelta(days=5), None)  # before the range, still open
    violation(d1 - timedelta(days=5), d1 - timedelta(days=4))  # closed before the range
    violation(d1, d1 + timedelta(hours=1))  # opened and closed on the 2nd
    violation(d1, d1 + timedelta(days=1))  # opened the 2nd, closed the 3rd
    violation(d1 + timedelta(days=1), None)  # opened the 3rd
    compute_kpis(date(2026, 3, 4), 3)
    opened = values("open_spc_alerts", world.site_a)
    # end of 2nd: old open one + the 4th = 2; 3rd: 4th closed, 5th opened = 2; 4th: 2
    assert {d: v[0] for d, v in opened.items()} == {
        date(2026, 3, 2): 2.0, date(2026, 3, 3): 2.0, date(2026, 3, 4): 2.0,
    }  # fmt: skip
    assert values("open_spc_alerts", world.site_b) == {
        date(2026, 3, d): (0.0, 0.0, None) for d in (2, 3, 4)
    }
    # the month shows its last computed day
    assert values("open_spc_alerts", world.site_a, "month")[date(2026, 3, 1)][0] == 2.0


def test_capa_on_time_closure(world: World) -> None:
    capa = make_capa(world, "A")
    owner = capa.champion
    due = date(2026, 3, 3)
    on_time = action(capa, "d3", owner, due_date=due)
    late = action(capa, "d5", owner, due_date=due)
    action(capa, "d5", owner, due_date=due)  # still open: not on time
    cancelled = action(capa, "d7", owner, due_date=due)
    # done 23:00 on the 3rd in Shanghai (15:00 UTC): on time; done on the 4th: late
    type(on_time).objects.filter(pk=on_time.pk).update(
        status="done", completed_at=datetime(2026, 3, 3, 15, tzinfo=UTC)
    )
    type(late).objects.filter(pk=late.pk).update(
        status="done", completed_at=datetime(2026, 3, 3, 17, tzinfo=UTC)
    )
    type(cancelled).objects.filter(pk=cancelled.pk).update(status="cancelled")
    compute_kpis(date(2026, 3, 4), 3)
    # due on the 3rd: D3, D5, D6 (D7 cancelled) = 3; on time D3 only = 1 → 33.3 %
    assert values("capa_on_time", world.site_a) == {due: (pytest.approx(100 / 3), 1.0, 3.0)}


def test_open_audit_findings(world: World) -> None:
    audit = started_audit(world, "A")
    raised = timezone.now() - timedelta(days=3)
    kinds = ["major", "minor", "observation"]
    for i, kind in enumerate(kinds):
        Finding.objects.create(
            audit=audit, reference=f"F-{i}", kind=kind, statement="Torque not recorded",
            raised_by=world.user("cqo"), raised_at=raised,
        )  # fmt: skip
    today = timezone.localdate()
    compute_kpis(today, 5)
    found = values("open_findings", world.site_a)
    # 2 nonconformity findings (the observation does not count) from the day they were raised
    assert found[today][0] == 2.0
    assert found[today - timedelta(days=4)][0] == 0.0


def test_complaint_count_by_site_of_the_modules(world: World) -> None:
    from qdm.data.models import Unit
    from qdm.service.models import ComplaintItem
    from tests.service.builders import make_complaint

    def with_serials(_world: World, complaint, modules) -> None:
        for m in modules:
            ComplaintItem.objects.create(
                complaint=complaint, serial=m.code, unit=m, symptom="DELAM"
            )

    units = [
        Unit.objects.create(code=f"SA-MOD-{i}", kind="module", site=world.site_a) for i in range(2)
    ]
    b_unit = Unit.objects.create(code="SB-MOD-1", kind="module", site=world.site_b)
    day = date(2026, 3, 3)
    one = make_complaint(world, received_on=day)
    with_serials(world, one, units)  # two modules of A: one complaint at A
    two = make_complaint(world, received_on=day)
    with_serials(world, two, [units[0], b_unit])  # one at A, one at B
    compute_kpis(day, 1)
    assert values("complaints", world.site_a) == {day: (2.0, 2.0, None)}
    assert values("complaints", world.site_b) == {day: (1.0, 1.0, None)}


def test_incremental_equals_full_recomputation(world: World) -> None:
    build_production(world)
    config = make_chart(world, "A")
    SpcViolation.objects.create(
        config=config, part="primary", rule=1, point_time=timezone.now(), value=1.0,
        detected_at=datetime(2026, 3, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    compute_kpis(date(2026, 3, 31), 31)
    full = table()
    KpiValue.objects.all().delete()
    for day in range(1, 32):  # day by day, some twice, in no particular order
        compute_kpis(date(2026, 3, 32 - day), 1)
    compute_kpis(date(2026, 3, 3), 2)
    assert table() == full
    assert len(full) > 0


def test_bad_arguments_are_refused(world: World) -> None:
    with pytest.raises(KpiError, match="Unknown site XX"):
        compute_kpis(date(2026, 3, 1), 1, "XX")
    with pytest.raises(KpiError, match="between 1 and"):
        compute_kpis(date(2026, 3, 1), 0)
    with pytest.raises(CommandError, match="not a date"):
        call_command("kpis", "compute", "--date", "2026-13-01")
    assert not KpiValue.objects.exists()


def test_the_command_and_every_kpi_is_registered(world: World) -> None:
    call_command("kpis", "compute", "--date", "2026-03-04", "--days", "3", "--site", "SA")
    assert set(KpiValue.objects.values_list("kpi", flat=True)) <= set(REGISTRY)
    assert set(KpiValue.objects.values_list("site__code", flat=True)) == {"SA"}
    assert {"fpy", "scrap_rate", "downgrade_rate", "iqc_acceptance", "open_spc_alerts",
            "capa_on_time", "open_findings", "complaints"} <= set(REGISTRY)  # fmt: skip


def test_the_background_task_computes_like_the_command(world: World) -> None:
    from qdm.cockpit.tasks import compute_kpis_task

    build_production(world)
    assert compute_kpis_task.call("2026-03-04", 3, "SA").endswith("month values")
    by_task = table()
    KpiValue.objects.all().delete()
    call_command("kpis", "compute", "--date", "2026-03-04", "--days", "3", "--site", "SA")
    assert table() == by_task
    # A alone: FPY of March from the yield report's site-A totals, 4 of 12
    assert values("fpy", world.site_a, "month")[date(2026, 3, 1)][1:] == (4.0, 12.0)

"""Inspection frequency scheduling with a frozen clock: per lot, per shift and every N hours,
per site and line; the page, the ``qdm inspections due`` command and scoping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qdm.core.workflow import transition
from qdm.data.models import Characteristic, Unit
from qdm.manufacturing.models import InspectionLot, InspectionPlan, InspectionRecord
from qdm.manufacturing.services.inspection import create_plan, save_plan_line
from qdm.manufacturing.services.schedule import due_inspections, shift_start
from tests.manufacturing.test_inspection_builders import glass_lot, glass_plan, module_model
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

#: the frozen clock: 10:30 UTC is 18:30 at site A (Asia/Shanghai, UTC+8), so the current
#: shift started at 08:00 local = 00:00 UTC
NOW = datetime(2026, 6, 10, 10, 30, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


def char(code: str) -> Characteristic:
    return Characteristic.objects.get_or_create(
        code=code,
        defaults={"name": code, "name_en": code, "kind": "process", "stage": "module"},
    )[0]


def lot(world: World, plan: InspectionPlan, unit: Unit, at: datetime, chars, status="open"):
    """An inspection lot at ``at`` with one result per characteristic in ``chars``."""
    inspection = InspectionLot.objects.create(
        number=f"INS-T-{InspectionLot.objects.count() + 1}",
        plan=plan,
        site=plan.site,
        unit=unit,
        quantity=Decimal(1),
        inspected_at=at,
        inspector=world.user("eng_a"),
        status=status,
    )
    for plan_line in plan.lines.filter(characteristic__code__in=chars):
        InspectionRecord.objects.create(
            lot=inspection, line=plan_line, sample=1, value=1.0, conforming=True
        )
    return inspection


def scenario(world: World) -> dict[str, object]:
    # IQC of glass, per lot (both lines of the plan are per lot)
    glass = glass_plan(world, "A")
    # IPQA of the TC-580 module: gel content per shift, laminator temperature every 4 hours
    ipqa = create_plan(
        actor=world.user("cqo"),
        code="IPQA-LAM-A",
        name="Lamination check",
        stage="ipqa",
        site=world.site_a,
        module_model=module_model(),
    )
    for seq, code, frequency, hours in (
        (10, "MOD-EVA-GEL", "per_shift", None),
        (20, "MOD-LAM-TEMP", "hours", 4),
    ):
        save_plan_line(
            actor=world.user("cqo"),
            plan=ipqa,
            sequence=seq,
            characteristic=char(code),
            sampling="fixed",
            sample_size=1,
            frequency=frequency,
            frequency_hours=hours,
        )
    transition(ipqa, "release", actor=world.user("cqo"), password=PASSWORD, reason="ok")
    InspectionPlan.objects.update(released_at=NOW - 72 * H)
    glass.refresh_from_db()
    ipqa.refresh_from_db()
    # glass lots: overdue (30 h), due (2 h), inspected, too old, not received yet
    lots = {}
    for code, age in (("G-LATE", 30), ("G-NEW", 2), ("G-DONE", 1), ("G-OLD", 240), ("G-FUT", -1)):
        lots[code] = glass_lot(world, "A", code)
        Unit.objects.filter(pk=lots[code].pk).update(produced_at=NOW - age * H)
    lot(world, glass, lots["G-DONE"], NOW - 0.5 * H, [], status="completed")
    # G-NEW: thickness measured already (open lot), appearance still to do
    lot(world, glass, lots["G-NEW"], NOW - 0.5 * H, ["IQC-GLS-THK"])
    # line A runs TC-580 (a module 2 h ago); line B does not
    module = Unit.objects.create(
        code="M-A-1",
        kind="module",
        site=world.site_a,
        line=world.line_a,
        module_model=module_model(),
        produced_at=NOW - 2 * H,
    )
    # gel content last checked 12 h ago (the previous shift), temperature 4.5 h ago
    lot(world, ipqa, module, NOW - 12 * H, ["MOD-EVA-GEL", "MOD-LAM-TEMP"], status="completed")
    lot(world, ipqa, module, NOW - 4.5 * H, ["MOD-LAM-TEMP"])
    return {"glass": glass, "ipqa": ipqa}


def summary(items) -> list[tuple]:
    return [
        (
            i.status,
            i.line.code if i.line else None,
            i.plan_line.characteristic.code,
            i.unit.code if i.unit else None,
            i.due_at,
        )
        for i in items
    ]


EXPECTED = [
    # overdue first: per shift — due since the shift start 00:00 UTC, 10.5 h > 4 h grace
    ("overdue", None, "IQC-GLS-THK", "G-LATE", NOW - 30 * H),
    ("overdue", None, "IQC-GLS-VIS", "G-LATE", NOW - 30 * H),
    ("overdue", "SA-M01", "MOD-EVA-GEL", None, datetime(2026, 6, 10, 0, 0, tzinfo=UTC)),
    # due: G-NEW's appearance (its thickness is in an open lot); temperature 4 h after the
    # last check at NOW - 4.5 h, i.e. 0.5 h ago (< 1 h grace)
    ("due", None, "IQC-GLS-VIS", "G-NEW", NOW - 2 * H),
    ("due", "SA-M01", "MOD-LAM-TEMP", None, NOW - 0.5 * H),
]


def test_due_and_overdue_per_frequency(world: World) -> None:
    scenario(world)
    assert summary(due_inspections(None, now=NOW)) == EXPECTED
    # an hour later the temperature check is overdue too (1.5 h past due)
    later = {(s, c): s for s, _l, c, _u, _d in summary(due_inspections(None, now=NOW + H))}
    assert ("overdue", "MOD-LAM-TEMP") in later


def test_an_inspection_in_the_current_shift_clears_the_shift_line(world: World) -> None:
    plans = scenario(world)
    lot(world, plans["ipqa"], Unit.objects.get(code="M-A-1"), NOW - H, ["MOD-EVA-GEL"])
    chars = [c for _s, _l, c, _u, _d in summary(due_inspections(None, now=NOW))]
    assert "MOD-EVA-GEL" not in chars


def test_shift_start_in_the_site_time_zone() -> None:
    # 07:00 in Shanghai (23:00 UTC the day before) belongs to the night shift from 20:00
    assert shift_start(datetime(2026, 6, 9, 23, 0, tzinfo=UTC), "Asia/Shanghai") == datetime(
        2026, 6, 9, 12, 0, tzinfo=UTC
    )
    assert shift_start(datetime(2026, 6, 10, 0, 0, tzinfo=UTC), "Asia/Shanghai") == datetime(
        2026, 6, 10, 0, 0, tzinfo=UTC
    )


def test_scoped_to_the_users_sites(world: World) -> None:
    scenario(world)
    assert summary(due_inspections(world.user("eng_a"), now=NOW)) == EXPECTED
    assert due_inspections(world.user("eng_b"), now=NOW) == []
    assert due_inspections(world.user("supplier_x"), now=NOW) == []
    assert due_inspections(world.user("cqo"), site=world.site_b, now=NOW) == []


def test_the_command_with_a_frozen_clock(world: World, frozen) -> None:
    scenario(world)
    out = StringIO()
    call_command("inspections", "due", "--site", "SA", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [(r["status"], r["line"], r["characteristic"], r["unit"]) for r in rows] == [
        (s, ln, c, u) for s, ln, c, u, _d in EXPECTED
    ]
    assert rows[2]["due_at"] == "2026-06-10T00:00:00+00:00"
    assert rows[2]["late_hours"] == 10.5
    assert rows[4]["last_inspected_at"] == (NOW - 4.5 * H).isoformat()
    table = StringIO()
    call_command("inspections", "due", stdout=table)
    text = table.getvalue()
    assert "OVERDUE  SA    SA-M01  IPQA-LAM-A v1  MOD-EVA-GEL" in text
    assert text.strip().endswith("5 due, 3 overdue")
    with pytest.raises(CommandError, match="no site with code 'XX'"):
        call_command("inspections", "due", "--site", "XX")


def test_the_page(world: World, client_for, frozen) -> None:
    scenario(world)
    page = client_for("eng_a").get("/manufacturing/inspections/due/?site=SA")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="due-row"') == 5
    assert html.count('data-status="overdue"') == 3
    assert "5 inspections to do, 3 overdue." in html
    other = client_for("eng_b").get("/manufacturing/inspections/due/").content.decode()
    assert 'data-testid="nothing-due"' in other
    assert client_for("supplier_x").get("/manufacturing/inspections/due/").status_code == 403

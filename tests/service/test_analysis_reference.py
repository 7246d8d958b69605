"""The bulk, integer-coded analysis of a complaint equals the definition written plainly.

``analyse_complaint`` reads the genealogy as integer ids, production times as epoch seconds
computed by the database and builds every dimension with numpy. The reference below walks
the same genealogy one ORM object at a time (parents of each module, ancestors of each cell
lot, site-local time with ``zoneinfo``) and ranks the resulting labels with
``qdm.quality.commonality.rank_levels``; both must give the same rows, in the same order."""

from __future__ import annotations

import datetime
import math
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from qdm.data.models import Unit, UnitLink
from qdm.quality import commonality
from qdm.service.services import trace
from qdm.service.services.analysis import DIMENSIONS, SHIFTS, analyse_complaint
from tests.service.builders import make_complaint, make_plant, with_serials

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def plant_across_dst(world):
    """The service test plant on a site in Berlin, its first 200 modules moved to the night of
    the switch to summer time (2026-03-29 01:00 UTC), cell lots made from wafer lots of two
    suppliers, the wafer lots from one polysilicon lot."""
    world.site_a.timezone = "Europe/Berlin"
    world.site_a.save(update_fields=["timezone"])
    plant = make_plant(world, alternate=False)  # all shipped to customer C
    night = datetime.datetime(2026, 3, 28, 21, 0, tzinfo=datetime.UTC)
    for i, m in enumerate(plant.modules[:200]):
        m.produced_at = night + datetime.timedelta(minutes=3 * i, seconds=7, microseconds=250)
    Unit.objects.bulk_update(plant.modules[:200], ["produced_at"])
    poly = Unit.objects.create(code="PL-0001", kind="poly_lot", supplier=world.supplier_y)
    wafers = [
        Unit.objects.create(
            code=f"WL-{k:03d}",
            kind="wafer_lot",
            supplier=world.supplier_x if k % 3 else world.supplier_y,
        )
        for k in range(7)
    ]
    UnitLink.objects.bulk_create(
        [UnitLink(parent=poly, child=w) for w in wafers]
        + [UnitLink(parent=wafers[k % 7], child=c) for k, c in enumerate(plant.cell_lots)]
        # a cell lot from two wafer lots
        + [UnitLink(parent=wafers[3], child=plant.cell_lots[0])]
    )
    return plant


def ancestors_of(unit: Unit) -> list[Unit]:
    seen: dict[int, Unit] = {}
    todo = [unit]
    while todo:
        for link in UnitLink.objects.filter(child=todo.pop()).select_related("parent"):
            if link.parent_id not in seen:
                seen[link.parent_id] = link.parent
                todo.append(link.parent)
    return list(seen.values())


def reference_sides(complaint):
    failing = [item.unit for item in complaint.items.select_related("unit")]
    start = min(u.produced_at for u in failing) - trace.WINDOW_MARGIN
    end = max(u.produced_at for u in failing) + trace.WINDOW_MARGIN
    population = list(
        Unit.objects.filter(
            kind="module",
            line_id__in={u.line_id for u in failing},
            produced_at__gte=start,
            produced_at__lt=end,
        ).exclude(pk__in=[u.pk for u in failing])
    )
    sides = []
    for modules in (failing, population):
        local = [m.produced_at.astimezone(BERLIN) for m in modules]
        side = {
            "line": np.array([m.line.code for m in modules], dtype=object),
            "day": np.array([t.date().isoformat() for t in local], dtype=object),
            "shift": np.array([SHIFTS[t.hour // 8] for t in local], dtype=object),
            "station": np.array([None] * len(modules), dtype=object),
        }
        pmax = np.full(len(modules), np.nan)
        pairs: dict[str, list[tuple[int, str]]] = {}
        for m in modules:
            for link in UnitLink.objects.filter(child=m).select_related("parent__supplier"):
                units = [link.parent]
                if link.parent.kind == "cell_lot":
                    units += ancestors_of(link.parent)
                for u in units:
                    if u.kind in DIMENSIONS:
                        pairs.setdefault(u.kind, []).append((m.pk, u.code))
                    if u.supplier_id:
                        pairs.setdefault("supplier", []).append((m.pk, u.supplier.code))
        for name, kv in pairs.items():
            side[name] = (np.array([k for k, _v in kv]), np.array([v for _k, v in kv], object))
        sides.append((side, pmax))
    (fail, f_pmax), (rest, r_pmax) = sides
    fail["pmax"], rest["pmax"] = commonality.bin_numeric(f_pmax, r_pmax, bins=5, unit="W")
    return fail, rest, len(population)


def test_bulk_analysis_equals_the_plain_definition(world):
    plant = plant_across_dst(world)
    # around the switch (modules 0-199) and on the next days (200-399), lot 2 over-represented
    bad = plant.modules[30:200:9] + plant.modules[200:300:6] + plant.modules[300:400:25]
    complaint = make_complaint(world)
    with_serials(world, complaint, bad)
    result = analyse_complaint(complaint)
    fail, rest, population = reference_sides(complaint)
    expected = commonality.rank_levels(fail, rest)
    assert (result.failing, result.population) == (len(bad), population)
    # the night of the switch: local days 28 and 29 March, all three shifts
    assert {r.level for r in result.rows if r.dimension == "day"} >= {
        "2026-03-28",
        "2026-03-29",
    }
    assert {"wafer_lot", "poly_lot", "cell_lot", "material_lot", "supplier"} <= {
        r.dimension for r in result.rows
    }
    assert len(result.rows) == len(expected) > 20
    for got, want in zip(result.rows, expected, strict=True):
        g, w = got.as_dict(), want.as_dict()
        for key, value in w.items():
            if isinstance(value, float) and math.isfinite(value):
                assert g[key] == pytest.approx(value, rel=1e-12, abs=1e-300), (key, w)
            else:
                assert g[key] == value, (key, w)
    assert result.upstream["wafer_lot"] == len(set(fail["wafer_lot"][1]))

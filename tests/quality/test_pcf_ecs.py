"""ECS table files (rows → versioned table, every error named with its row and column),
the "any other country" column, default quantities from a module, and the bought
polysilicon variant of the reference chain (the what-if supplier switch).

No official ECS coefficients are used here: the per-country GWP default table of the CRE
specifications (annex "Méthodologie de l'évaluation carbone simplifiée"; arrêté of
6 October 2021, annexes 6 to 6 quater as modified on 8 February 2023 —
https://aida.ineris.fr/reglementation/arrete-080223-modifiant-larrete-6-octobre-2021-fixant-conditions-dachat-lelectricite)
was not found in public sources (pv-reference §6.2 "Gap"); the table below is illustrative
and tests the mechanism only. The rounding steps (50 for PPE2, 10 for PPE2_V2) and the
thresholds (550 CRE, 740 PPE2_V2 building tenders) are pv-reference §6.2's.
"""

from __future__ import annotations

import pytest

from qdm.quality import pcf
from qdm.quality.pcf_ecs import EcsTableError, default_quantities, parse_rows

HEADER = ["component", "unit", "country", "gwp", "loss"]
ROWS = [
    HEADER,
    ["polysilicon", "kg", "CN", "100", "1.2"],
    ["polysilicon", "kg", "*", "50", "1.2"],
    ["cell", "pcs", "CN", "0.5", ""],
    ["module", "m2", "*", "20", None],
    [None, None, None, None, None],  # blank rows are skipped
]


def table(**kw):
    return parse_rows(ROWS, version="TEST-1", rounding_step=10, rounding_mode="nearest",
                      thresholds={"PPE2_V2 building": 740}, **kw)  # fmt: skip


def test_rows_make_a_table_and_score_by_hand() -> None:
    t = table()
    assert t.units == {"polysilicon": "kg", "cell": "pcs", "module": "m2"}
    assert t.losses == {"polysilicon": 1.2, "cell": 1.0, "module": 1.0}
    r = pcf.ecs_score(
        t,
        {"polysilicon": (2.0, "kg"), "cell": (200, "pcs"), "module": (5.0, "m2")},
        {"polysilicon": {"CN": 0.5, "NO": 0.5}, "cell": {"CN": 1}, "module": {"FR": 1}},
    )
    # poly: (100 × 0.5 + 50 × 0.5 [NO → "*"]) × 2 kg × 1.2 = 180; cells 0.5 × 200 = 100;
    # module 20 × 5 = 100 → 380 exactly → nearest 10 = 380, below 740
    assert r.by_component == pytest.approx({"polysilicon": 180.0, "cell": 100.0, "module": 100.0})
    assert r.score == 380
    assert r.thresholds == {"PPE2_V2 building": (740, True)}


def test_every_bad_row_is_named_and_nothing_is_returned() -> None:
    rows = [
        HEADER,
        ["polysilicon", "kg", "CN", "x", "1"],
        ["polysilicon", "kWh", "DE", "3", "1"],
        ["cell", "pcs", "China", "1", "1"],
        ["cell", "pcs", "CN", "-1", "1"],
        ["wafer", "m2", "CN", "2", "0.9"],
        ["ingot", "kg", "CN", "2", "1"],
        ["ingot", "kg", "CN", "3", "1"],
        ["", "kg", "CN", "3", "1"],
        ["glass", "furlong", "CN", "3", "1"],
    ]
    with pytest.raises(EcsTableError) as info:
        parse_rows(rows, version="BAD")
    text = "\n".join(info.value.errors)
    assert "Row 2, gwp: 'x' is not a number." in text
    assert "Row 3, unit: 'polysilicon' is counted in 'kg' on an earlier row, not 'kWh'." in text
    assert "Row 4, country: 'CHINA' is not an ISO 3166 alpha-2 code" in text
    assert "Row 5, gwp: a value ≥ 0 is needed" in text
    assert "Row 6, loss: the loss coefficient 0.9 must be ≥ 1." in text
    assert "Row 8: 'ingot' made in 'CN' appears twice." in text
    assert "Row 9, component: empty." in text
    assert "Row 10, unit: Unknown unit 'furlong'" in text
    with pytest.raises(EcsTableError, match="missing column"):
        parse_rows([["component", "country"]], version="X")
    with pytest.raises(EcsTableError, match="empty"):
        parse_rows([], version="X")
    with pytest.raises(EcsTableError, match="no data rows"):
        parse_rows([HEADER], version="X")
    with pytest.raises(EcsTableError, match="needs a version"):
        parse_rows(ROWS, version=" ")
    with pytest.raises(EcsTableError, match="Threshold"):
        parse_rows(ROWS, version="X", thresholds={"CRE": -5})


def test_a_country_without_a_column_and_no_default_is_refused() -> None:
    t = table()
    with pytest.raises(pcf.PcfError, match="no coefficient for 'cell' made in 'VN'"):
        pcf.ecs_score(
            t,
            {"polysilicon": (1, "kg"), "cell": (1, "pcs"), "module": (1, "m2")},
            {"polysilicon": {"CN": 1}, "cell": {"VN": 1}, "module": {"FR": 1}},
        )


def test_default_quantities_from_the_module() -> None:
    q = default_quantities(table(), area_m2=2.0, power_kwp=0.4, cell_count=144)
    # silicon 366 g/m² (§6.5) × 2 m² / 0.4 kWp = 1.83 kg/kWc; 144 cells / 0.4 = 360 pcs
    assert q["polysilicon"] == (pytest.approx(1.83), "kg")
    assert q["cell"] == (pytest.approx(360.0), "pcs")
    assert q["module"] == (pytest.approx(5.0), "m2")
    with pytest.raises(pcf.PcfError, match="must be > 0"):
        default_quantities(table(), area_m2=2.0, power_kwp=0, cell_count=144)


def test_bought_polysilicon_replaces_exactly_the_mgsi_and_poly_steps() -> None:
    grid = {"electricity": 0.5}
    made = pcf.reference_chain(area_m2=2.0)
    base = made.solve({"module": (1, "pcs")}, pcf.reference_factors(grid), power_kwp=0.4)
    bought = pcf.reference_chain(area_m2=2.0, purchased_poly=True)
    factors = pcf.reference_factors(grid)
    factors["polysilicon"] = pcf.Factor("polysilicon", 14.5, "kg CO2e/kg")
    new = bought.solve({"module": (1, "pcs")}, factors, power_kwp=0.4)
    assert new.scaling["poly"] == pytest.approx(base.scaling["poly"])  # same losses
    expected = (
        base.total_kg - base.by_step["mgsi"] - base.by_step["poly"]
        + base.scaling["poly"] * 14.5
    )  # fmt: skip
    assert new.total_kg == pytest.approx(expected, rel=1e-12)
    assert new.by_step["mgsi"] == 0.0

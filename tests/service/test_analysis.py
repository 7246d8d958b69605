"""Reverse trace and commonality of a complaint on a real (small) genealogy, and the
forward trace of the suspect lot for containment."""

from __future__ import annotations

import io
import random

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from scipy import stats

from qdm.service.services.analysis import analyse_complaint, at_risk
from tests.service.builders import make_complaint, make_plant, serial, with_serials

pytestmark = pytest.mark.django_db


def test_planted_lot_is_found_and_ranked_first(world, client_for):
    plant = make_plant(world)
    # encapsulant lot 2 feeds modules 200-299; 216-299 went to customer C
    bad = plant.modules[216:300][::5][:15]
    complaint = make_complaint(world)
    with_serials(world, complaint, bad)
    result = analyse_complaint(complaint)
    assert (result.failing, result.population) == (15, 385)
    top = result.rows[0]
    assert (top.dimension, top.level) == ("material_lot", "ML-SA-ENC-0002")
    assert (top.failing, top.failing_total, top.comparison, top.comparison_total) == (
        15,
        15,
        85,
        385,
    )
    # the p-value is Fisher's exact test on that table (scipy as the reference)
    table = [[15, 0], [85, 300]]
    assert top.p_value == pytest.approx(stats.fisher_exact(table, "greater").pvalue, rel=1e-9)
    assert top.significant
    # the lot's supplier (X: lots 0 and 2) is over-represented too, but ranks lower
    supplier = next(r for r in result.rows if r.dimension == "supplier")
    assert supplier.level == "SUP-X" and supplier.rank > 1
    # the page shows the ranked table
    page = (
        client_for("cqo")
        .get(reverse("service:complaint_analysis", args=[complaint.pk]) + "?run=1")
        .content.decode()
    )
    table_html = page.split('data-testid="commonality-table"', 1)[1]
    assert table_html.index("ML-SA-ENC-0002") < table_html.index("SUP-X")


def test_random_sample_finds_nothing_significant(world):
    # every module shipped to C, so that a random complaint is a random sample of the
    # production window (complaints drawn from one customer's shipments are not: they share
    # that customer's production days, which the analysis rightly reports)
    plant = make_plant(world, alternate=False)
    shipped = plant.shipped_to(world.customer_c)
    assert len(shipped) == len(plant.modules)
    sample = random.Random(7).sample(shipped, 15)
    complaint = make_complaint(world)
    with_serials(world, complaint, sample)
    result = analyse_complaint(complaint)
    assert result.rows, "levels were tested"
    assert [r for r in result.rows if r.q_value < 0.05] == []


def test_reverse_then_forward_gives_the_at_risk_list(world, client_for):
    plant = make_plant(world)
    complaint = make_complaint(world)
    with_serials(world, complaint, plant.modules[216:300:20])  # five cell lots, one ENC lot
    top = analyse_complaint(complaint).rows[0]
    lot, rows = at_risk(top.level, world.user("cqo"))
    assert lot.code == "ML-SA-ENC-0002"
    expected = {}
    for i in range(200, 300):  # the builder: pallet i // 36, shipment pallet // 3
        pallet = i // 36
        shipment = pallet // 3
        expected[serial(i)] = (
            f"PAL-SA-{pallet:04d}",
            f"CNT-SA-{shipment:04d}",
            "CUS-C" if shipment % 2 == 0 else "CUS-D",
        )
    got = {r["serial"]: (r["pallet"], r["shipment"], r["customer"]) for r in rows}
    assert got == expected
    flagged = {r["serial"] for r in rows if r["complaints"] == [complaint.number]}
    assert flagged == {serial(i) for i in (216, 236, 256, 276, 296)}
    response = client_for("cqo").get(
        reverse("service:at_risk"), {"code": "ML-SA-ENC-0002", "export": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Serial number" and len(values) == 101
    assert {v[0] for v in values[1:]} == set(expected)


def test_at_risk_scoping(world, client_for):
    make_plant(world)
    url = reverse("service:at_risk")
    # a site-B engineer cannot see site A's lot: not found, exactly like an unknown code
    assert client_for("eng_b").get(url, {"code": "ML-SA-ENC-0002"}).status_code == 404
    assert client_for("eng_b").get(url, {"code": "NOPE"}).status_code == 404
    assert client_for("outsider").get(url, {"code": "ML-SA-ENC-0002"}).status_code == 403
    assert client_for("eng_a").get(url, {"code": "ML-SA-ENC-0002"}).status_code == 200


def test_api_commonality(world, api_for):
    plant = make_plant(world)
    complaint = make_complaint(world)
    with_serials(world, complaint, plant.modules[216:300][::6])
    data = api_for("cqo").get(f"/api/v1/service/complaints/{complaint.pk}/commonality/").json()
    assert data["levels"][0]["level"] == "ML-SA-ENC-0002"
    assert api_for("supplier_x").get(
        f"/api/v1/service/complaints/{complaint.pk}/commonality/"
    ).status_code in (403, 404)

"""The flash-test list and detail pages: each serial links to its trace page, the list
draws a small IV curve for the tests that kept one, the detail page charts it (static
script, data in a JSON block: CSP) and says so when there is none."""

from __future__ import annotations

import json
import re
from html import unescape
from itertools import pairwise

import pytest

from qdm.data.models import ElResult, FlashTest
from qdm.data.tables import iv_sparkline, trace_url
from qdm.data.ui import flash_test_context
from tests.data.factories import flash
from tests.personas import World

pytestmark = pytest.mark.django_db

#: a coarse but physical curve: Isc 14.0 A at 0 V, MPP 43.5 V × 13.333 A, Voc 52.3 V
CURVE = {"v": [0.0, 20.0, 40.0, 43.5, 48.0, 52.3], "i": [14.0, 13.9, 13.6, 13.3333, 9.0, 0.0]}


def test_list_links_serials_to_trace_and_draws_kept_curves(world: World, client_for) -> None:
    with_curve = flash(world, "A", "SA-IV-0001")
    FlashTest.objects.filter(pk=with_curve.pk).update(iv_curve=CURVE)
    flash(world, "A", "SA-IV-0002")
    page = client_for("eng_a").get("/data/flash-tests/").content.decode()
    links = {unescape(h) for h in re.findall(r'href="([^"]*direction=backward[^"]*)"', page)}
    assert links == {trace_url("SA-IV-0001"), trace_url("SA-IV-0002")}
    assert "/data/trace/?code=SA-IV-0001&direction=backward" in links
    # one sparkline, linked to the chart on the detail page of the test that has a curve
    sparks = re.findall(r'<a href="([^"]+)"[^>]*data-testid="iv-spark">\s*<svg', page)
    assert sparks == [f"/data/flash-tests/{with_curve.pk}/#iv-curve"]
    assert "<script>" not in page  # nothing inline (CSP)


def test_sparkline_scales_the_curve_into_the_box() -> None:
    svg = iv_sparkline(CURVE, width=84, height=26)
    points = [
        tuple(map(float, p.split(",")))
        for p in re.search(r'points="([^"]+)"', svg).group(1).split()
    ]
    assert points[0] == (1.0, 3.0)  # 0 V at the left, Isc at the top (1 px + 2 px margin)
    assert points[-1] == (83.0, 25.0)  # Voc at the right, 0 A at the bottom
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in pairwise(points))
    for broken in (None, {}, {"v": [0, 1]}, {"v": [0, 1], "i": ["x", 1]}, {"v": [0], "i": [1]}):
        assert iv_sparkline(broken) == ""


def test_detail_page_charts_the_curve_with_the_mpp(world: World, client_for) -> None:
    test = flash(world, "A", "SA-IV-0003")
    FlashTest.objects.filter(pk=test.pk).update(iv_curve=CURVE)
    page = client_for("eng_a").get(f"/data/flash-tests/{test.pk}/").content.decode()
    block = re.search(r'<script id="iv-curve-data" type="application/json">(.*?)</script>', page)
    data = json.loads(block.group(1))
    assert data["v"] == CURVE["v"] and data["i"] == CURVE["i"]
    assert (data["vmp"], data["imp"], data["pmax"]) == (43.5, test.imp_a, 580.0)
    assert 'data-source="iv-curve-data"' in page
    assert re.search(r'<script src="[^"]*qdm/ivcurve(\.[0-9a-f]+)?\.js"></script>', page)
    assert f'href="{trace_url("SA-IV-0003")}"'.replace("&", "&amp;") in page
    assert "580.00 W at 43.500 V" in page
    assert "{&quot;v&quot;" not in page  # the curve is not printed among the fields


def test_detail_page_without_curve_says_so(world: World, client_for) -> None:
    test = flash(world, "A", "SA-IV-0004")
    page = client_for("eng_a").get(f"/data/flash-tests/{test.pk}/").content.decode()
    assert 'data-testid="iv-curve-none"' in page
    assert "ivcurve" not in page
    assert flash_test_context(test, None)["iv_curve"] is None


def test_other_sites_flash_and_el_pages_are_404(world: World, client_for) -> None:
    test = flash(world, "A", "SA-IV-0005")
    FlashTest.objects.filter(pk=test.pk).update(iv_curve=CURVE)
    el = ElResult.objects.create(
        serial="SA-IV-0005",
        tested_at=test.tested_at,
        site=world.site_a,
        line=world.line_a,
        stage="EL1",
        grade="A",
    )
    eng_b = client_for("eng_b")
    assert eng_b.get(f"/data/flash-tests/{test.pk}/").status_code == 404
    assert "SA-IV-0005" not in eng_b.get("/data/flash-tests/").content.decode()
    assert eng_b.get(f"/data/el-results/{el.pk}/").status_code == 404
    page = client_for("eng_a").get(f"/data/el-results/{el.pk}/").content.decode()
    assert f'href="{trace_url("SA-IV-0005")}"'.replace("&", "&amp;") in page

"""Who may see and change SPC charts where: the scoped-model contract."""

from __future__ import annotations

from typing import Any

import pytest

from qdm.manufacturing.models import SpcChartConfig
from tests.manufacturing.builders import baseline_period, lam_temp, line_of, make_chart
from tests.personas import World
from tests.scoping import ScopedModelContract

pytestmark = pytest.mark.django_db


class TestSpcChartConfigScope(ScopedModelContract):
    model = SpcChartConfig
    api_prefix = "manufacturing/spc-charts"
    can_view = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_add = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_change = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}
    can_delete: dict[str, set[str]] = {}
    change = ("name", "Edited chart name")

    def existing(self, world: World, place: str) -> Any:
        return make_chart(world, place, name=f"Chart at {place}")

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        start, end = baseline_period()
        return {
            "name": code,
            "characteristic": lam_temp().pk,
            "line": line_of(world, place).pk,
            "chart_type": "imr",
            "subgroup_size": 1,
            "rule_set": "nelson",
            "baseline_from": start.strftime("%Y-%m-%dT%H:%M"),
            "baseline_to": end.strftime("%Y-%m-%dT%H:%M"),
            "notify": "on",
        }

    def api_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        start, end = baseline_period()
        return {
            "name": code,
            "characteristic": lam_temp().pk,
            "line": line_of(world, place).pk,
            "chart_type": "imr",
            "subgroup_size": 1,
            "rule_set": "nelson",
            "baseline_from": start.isoformat(),
            "baseline_to": end.isoformat(),
            "notify": True,
        }

    def created(self, code: str) -> Any:
        return SpcChartConfig.objects.filter(name=code)

    def label(self, obj: Any) -> str:
        return obj.name

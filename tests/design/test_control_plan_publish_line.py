"""A control plan with chart lines keeps its line: clearing it is refused, and publishing a
plan whose line was lost anyway (older data) is a clear refusal, not a crash."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qdm.design.services.control_plan import publish, update_control_plan
from qdm.manufacturing.models import InspectionPlan, SpcChartConfig
from tests.design.builders import make_characteristic, make_control_plan, make_cp_line, release_plan
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_publish_refuses_chart_lines_without_the_plans_line(world: World) -> None:
    plan = make_control_plan(world)
    make_cp_line(plan, make_characteristic("LAM-GEL"), chart_type="imr")
    line = plan.line
    with pytest.raises(ValidationError) as exc:
        update_control_plan(plan, actor=world.user("cqo"), line=None)
    assert "line" in exc.value.message_dict
    plan.refresh_from_db()
    assert plan.line == line
    # data from before the rule: the line cleared behind the service's back
    type(plan).objects.filter(pk=plan.pk).update(line=None)
    plan.refresh_from_db()
    release_plan(world, plan)
    with pytest.raises(ValidationError, match="line first"):
        publish(plan, actor=world.user("cqo"))
    plan.refresh_from_db()
    assert plan.published_at is None
    assert not InspectionPlan.objects.exists() and not SpcChartConfig.objects.exists()

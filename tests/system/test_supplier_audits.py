"""Supplier audits on the system audit engine: an audit may name a supplier, whose users then
see it with its checklist and findings; the audit score rule; the latest score per supplier."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qdm.system.models import Audit, ChecklistItem, Finding
from qdm.system.models.audits import audit_score
from qdm.system.selectors import supplier_audit_scores
from qdm.system.services import audits as audit_services
from tests.personas import World
from tests.system.builders_ims import make_process, started_audit

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def supplier_audit(world: World, supplier: object, results: list[str], reported: str) -> Audit:
    """A reported audit of ``supplier`` at site A whose checklist has ``results`` (two
    processes × clauses 8.4, 8.5 = four items, in order)."""
    processes = [
        make_process(
            world,
            f"SUP-{Audit.objects.count()}-{n}",
            places=("A",),
            mapping={"ISO9001": ["8.4", "8.5"]},
        )
        for n in (1, 2)
    ]
    audit = started_audit(world, "A", processes=processes)
    audit = audit_services.save_audit(audit, actor=world.user("cqo"), supplier=supplier)
    items = list(audit.checklist.order_by("pk"))
    assert len(items) == len(results) == 4
    for item, result in zip(items, results, strict=True):
        ChecklistItem.objects.filter(pk=item.pk).update(result=result)
    day = datetime.datetime.fromisoformat(reported).replace(tzinfo=UTC)
    Audit.objects.filter(pk=audit.pk).update(status="reported", reported_at=day)
    audit.refresh_from_db()
    return audit


def test_score_rule() -> None:
    # conforming 1, OFI 1, observation 0.9, minor 0.5, major 0; unanswered not counted
    assert audit_score(["conforming", "conforming", "minor", "observation"]) == 85.0  # 3.4/4
    assert audit_score(["major", "conforming", ""]) == 50.0  # 1/2
    assert audit_score(["ofi", "observation", "minor"]) == 80.0  # 2.4/3
    assert audit_score(["", ""]) is None
    assert audit_score([]) is None


def test_latest_score_per_supplier_in_period(world: World) -> None:
    supplier_audit(
        world,
        world.supplier_x,
        ["major", "minor", "conforming", "conforming"],
        "2026-03-10T09:00:00",
    )  # 2.5/4 = 62.5
    latest = supplier_audit(
        world,
        world.supplier_x,
        ["conforming", "conforming", "minor", "observation"],
        "2026-09-20T09:00:00",
    )  # 3.4/4 = 85
    supplier_audit(
        world, world.supplier_y, ["major", "major", "major", "conforming"], "2025-06-01T09:00:00"
    )  # outside the period below
    scores = supplier_audit_scores(datetime.date(2025, 11, 1), datetime.date(2026, 10, 31))
    assert set(scores) == {world.supplier_x.pk}
    assert (scores[world.supplier_x.pk].audit_id, scores[world.supplier_x.pk].score) == (
        latest.pk,
        85.0,
    )
    # the March audit alone when the period ends before September
    march = supplier_audit_scores(datetime.date(2026, 1, 1), datetime.date(2026, 8, 31))
    assert march[world.supplier_x.pk].score == 62.5
    # an audit in progress does not count
    Audit.objects.filter(pk=latest.pk).update(status="in_progress")
    again = supplier_audit_scores(datetime.date(2026, 9, 1), datetime.date(2026, 10, 31))
    assert again == {}


def test_supplier_user_sees_only_own_audit_and_findings(world: World, client) -> None:
    audit = started_audit(world, "A")
    audit = audit_services.save_audit(audit, actor=world.user("cqo"), supplier=world.supplier_x)
    finding = audit_services.record_finding(
        actor=audit.lead_auditor,
        audit=audit,
        kind="observation",
        statement="Tempering furnace log not signed for night shift",
    )
    other = started_audit(world, "A")
    audit_services.save_audit(other, actor=world.user("cqo"), supplier=world.supplier_y)
    internal = started_audit(world, "A")

    user = world.user("supplier_x")
    assert list(Audit.objects.for_user(user, "view")) == [audit]
    assert list(Finding.objects.for_user(user, "view")) == [finding]
    assert set(ChecklistItem.objects.for_user(user, "view")) == set(audit.checklist.all())
    assert not Audit.objects.for_user(user, "change").exists()
    client.force_login(user)
    assert client.get(reverse("system:audit_detail", args=[audit.pk])).status_code == 200
    assert client.get(reverse("system:finding_detail", args=[finding.pk])).status_code == 200
    for hidden in (other, internal):
        assert client.get(reverse("system:audit_detail", args=[hidden.pk])).status_code == 404
    # the supplier's user cannot change the audit: nothing changed
    before = Audit.objects.values().get(pk=audit.pk)
    response = client.post(reverse("system:audit_edit", args=[audit.pk]), {"title": "x"})
    assert response.status_code in (403, 404)
    assert Audit.objects.values().get(pk=audit.pk) == before
    # the site engineers still see it through the site
    assert audit in Audit.objects.for_user(world.user("eng_a"), "view")
    assert audit not in Audit.objects.for_user(world.user("eng_b"), "view")


def test_unknown_supplier_is_refused(world: World) -> None:
    audit = started_audit(world, "A")
    with pytest.raises(ValidationError) as caught:
        audit_services.save_audit(audit, actor=world.user("cqo"), supplier_id=999_999)
    assert "supplier" in caught.value.message_dict
    assert Audit.objects.get(pk=audit.pk).supplier_id is None


def test_demo_supplier_audit_at_the_glass_supplier() -> None:
    from qdm.core.demo import build_kernel
    from qdm.core.models import User
    from qdm.supplier.demo_audit import build_supplier_audit
    from qdm.system import demo

    ctx = build_kernel(scale="small", seed=2026)
    demo.build(ctx)
    audit = build_supplier_audit(ctx)
    assert audit is not None and audit.supplier.code == "SUP-GLS1"
    assert audit.status == "reported"
    # P04 × 8.4 / 8.6 / 8.7 and P05 × 8.4: minor 0.5 + observation 0.9 + 1 + 1 = 3.4 / 4
    assert audit.score == 85.0
    assert sorted(audit.findings.values_list("kind", flat=True)) == ["minor", "observation"]
    portal = User.objects.get(username="supplier.gls1")
    assert list(Audit.objects.for_user(portal, "view")) == [audit]
    assert Finding.objects.for_user(portal, "view").count() == 2
    assert build_supplier_audit(ctx) is None  # once

"""Engineering changes: numbering, subject rules, the automatic impact assessment (FMEAs,
control plans, inspection plans, certificates and programmes, customers, suppliers), the
workflow with its e-signed approval, and the effectivity in the genealogy."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from qdm.core.workflow import TransitionError, transition
from qdm.data.models import Unit, UnitLink
from qdm.design.models import ChangeImpact, ChangeRequest
from qdm.design.services.change import (
    assess_impact,
    create_change,
    effectivity,
    handle_impact,
    update_change,
)
from qdm.design.services.control_plan import publish
from tests.design.builders import (
    make_characteristic,
    make_control_plan,
    make_cp_line,
    make_fmea,
    module_model,
    release_plan,
)
from tests.design.test_qualification_programmes import (
    make_certificate,
    make_programme,
    material,
    with_bom,
)
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 9, 1, 6, 0, tzinfo=dt.UTC)


def make_change(world: World, place: str | None = "A", **extra: Any) -> ChangeRequest:
    fields = {
        "kind": "process",
        "title": f"Lamination recipe change {place or 'GRP'}",
        "description": "Lamination time 12 → 10 min",
        "site": world.where(place) if place else None,
        **extra,
    }
    return create_change(actor=world.user("cqo"), **fields)


def genealogy(world: World) -> dict[str, Any]:
    """Modules of the test model: 3 at A before T0, 2 at A after, 4 at B after; the lot
    LOT-POE-2 went into the two A modules after T0; a shipment of a pallet of the first
    module went to customer C; supplier X delivered the POE lots."""
    model = module_model()
    poe = material("ENC-POE")
    made: dict[str, Any] = {}
    for code, site, hours in [
        ("A-001", world.site_a, -50), ("A-002", world.site_a, -20), ("A-003", world.site_a, -1),
        ("A-004", world.site_a, 0), ("A-005", world.site_a, 30),
        *[(f"B-00{i}", world.site_b, 10 + i) for i in range(1, 5)],
    ]:  # fmt: skip
        made[code] = Unit.objects.create(
            code=code,
            kind="module",
            site=site,
            module_model=model,
            produced_at=T0 + dt.timedelta(hours=hours),
        )
    for lot in ("LOT-POE-1", "LOT-POE-2"):
        made[lot] = Unit.objects.create(
            code=lot, kind="material_lot", material=poe, supplier=world.supplier_x
        )
    for code in ("A-001", "A-002", "A-003"):
        UnitLink.objects.create(parent=made["LOT-POE-1"], child=made[code])
    for code in ("A-004", "A-005"):
        UnitLink.objects.create(parent=made["LOT-POE-2"], child=made[code])
    pallet = Unit.objects.create(code="PAL-1", kind="pallet", site=world.site_a)
    shipment = Unit.objects.create(
        code="CNT-1", kind="shipment", site=world.site_a, customer=world.customer_c
    )
    UnitLink.objects.create(parent=made["A-001"], child=pallet)
    UnitLink.objects.create(parent=pallet, child=shipment)
    return made


def test_numbering_and_subject_rules(world: World) -> None:
    assert make_change(world).number.startswith("ECR-SA-")
    assert make_change(world, None).number.startswith("ECR-GRP-")
    with pytest.raises(ValidationError, match="must name the changed material"):
        make_change(world, kind="material", title="no material")
    with pytest.raises(ValidationError, match="must name the module model"):
        make_change(world, kind="product", title="no model")
    with pytest.raises(ValidationError, match="either by first serial or by first lot"):
        make_change(world, first_serial="A-001", first_lot="LOT-1", title="both")
    assert not ChangeRequest.objects.filter(title__in=["no material", "no model", "both"]).exists()


def test_impact_assessment_lists_every_area(world: World) -> None:
    model = with_bom(module_model(), ("ENC-POE", "ENCAP"), ("GLS-2.0", "GLASS"))
    genealogy(world)
    fmea = make_fmea(world, "A", product=model)
    make_fmea(world, "A", title="other product FMEA", product=module_model("OTHER-1"))
    plan = make_control_plan(world)
    make_cp_line(plan, make_characteristic("MOD-EVA-GEL"))
    publish(release_plan(world, plan), actor=world.user("cqo"))
    from qdm.manufacturing.selectors import ensure_iqc_plan

    iqc = ensure_iqc_plan(
        actor=world.user("cqo"),
        password=PASSWORD,
        code="IQC-POE-SB",
        name="POE film incoming inspection",
        site=world.site_b,
        material=material("ENC-POE"),
        characteristic=make_characteristic("ENC-THICK"),
    )
    programme = make_programme(world, None)
    cert = make_certificate(world, None, programmes=[programme])
    eva_only = make_programme(world, None, materials=[material("ENC-EVA")], bom_variant="B")
    make_certificate(world, None, number="PV-EVA", programmes=[eva_only])
    change = make_change(
        world,
        None,
        kind="material",
        title="Rear POE → EPE",
        module_models=[model],
        materials=[material("ENC-POE")],
    )
    transition(change, "assess", actor=world.user("cqo"))
    change.refresh_from_db()
    assert change.status == "assessment" and change.assessed_at
    rows = {(i.area, i.reference) for i in change.impacts.all()}
    assert rows == {
        ("fmea", f"{fmea.number} rev 1"),
        ("control_plan", f"{plan.number} rev 1"),
        ("inspection_plan", f"{plan.number} v1"),
        ("inspection_plan", str(iqc)),
        ("programme", str(programme)),
        ("certificate", str(cert)),
        ("customer", "CUS-C"),
        ("supplier", "SUP-X"),
    }
    programme_row = change.impacts.get(area="programme")
    assert "ENC-POE" in programme_row.detail and "dh1000" in programme_row.detail
    # handled rows survive a re-assessment
    handle_impact(programme_row, actor=world.user("cqo"), done=True, note="DH1000 booked")
    assess_impact(change, actor=world.user("cqo"))
    assert change.impacts.get(area="programme").note == "DH1000 booked"
    assert change.impacts.count() == 8


def test_product_change_invalidates_the_models_certificates(world: World) -> None:
    programme = make_programme(world, None)
    cert = make_certificate(world, None, programmes=[programme])
    change = make_change(
        world, None, kind="product", title="Thinner frame", module_models=[module_model()]
    )
    assess_impact(change, actor=world.user("cqo"))
    areas = set(change.impacts.values_list("area", "object_id"))
    assert ("certificate", cert.pk) in areas and ("programme", programme.pk) in areas


def test_workflow_signature_effectivity_and_close(world: World) -> None:
    cqo = world.user("cqo")
    change = make_change(world, "A", module_models=[module_model()])
    with pytest.raises(TransitionError):
        transition(change, "approve", actor=cqo, password=PASSWORD, reason="x")
    transition(change, "assess", actor=cqo)
    with pytest.raises(TransitionError):
        transition(change, "approve", actor=cqo)  # no e-signature
    transition(change, "approve", actor=cqo, password=PASSWORD, reason="CCB 2026-11-20")
    change.refresh_from_db()
    assert change.status == "approved" and change.approved_at
    with pytest.raises(ValidationError, match="only the implementation date"):
        update_change(change, actor=cqo, title="New title")
    with pytest.raises(TransitionError, match="implementation date"):
        transition(change, "implement", actor=cqo)
    update_change(change, actor=cqo, implementation_date=dt.date(2026, 9, 1))
    with pytest.raises(TransitionError, match="effectivity"):
        transition(change, "implement", actor=cqo)
    update_change(change, actor=cqo, effective_from=T0)
    transition(change, "implement", actor=cqo)
    ChangeImpact.objects.create(change=change, area="customer", reference="CUS-C")
    with pytest.raises(TransitionError, match="1 impact item"):
        transition(change, "close", actor=cqo)
    impact = change.impacts.get()
    with pytest.raises(ValidationError, match="how the item was handled"):
        handle_impact(impact, actor=cqo, done=True, note=" ")
    handle_impact(impact, actor=cqo, done=True, note="PCN sent 2026-08-01")
    transition(change, "close", actor=cqo)
    change.refresh_from_db()
    assert change.status == "closed" and change.closed_at
    with pytest.raises(ValidationError, match="can no longer be changed"):
        update_change(change, actor=cqo, effective_from=T0 + dt.timedelta(days=1))
    change.refresh_from_db()
    assert change.effective_from == T0


def test_effectivity_by_date_serial_and_lot_counts_the_users_modules(world: World) -> None:
    genealogy(world)
    change = make_change(world, None, module_models=[module_model()], effective_from=T0)
    eng_a, cqo = world.user("eng_a"), world.user("cqo")
    eff = effectivity(change, eng_a)
    assert (eff.basis, eff.before, eff.after) == ("date", 3, 2)  # site B hidden from eng_a
    assert (effectivity(change, cqo).before, effectivity(change, cqo).after) == (3, 6)
    update_change(change, actor=cqo, effective_from=None, first_serial="A-002")
    eff = effectivity(change, eng_a)
    assert (eff.basis, eff.before, eff.after) == ("serial", 1, 4)
    update_change(change, actor=cqo, first_serial="", first_lot="LOT-POE-2")
    eff = effectivity(change, eng_a)
    assert (eff.basis, eff.cutover, eff.before, eff.after, eff.with_lot) == ("lot", T0, 3, 2, 2)
    update_change(change, actor=cqo, first_lot="LOT-NONE")
    with pytest.raises(ValidationError, match="No lot LOT-NONE"):
        effectivity(change, eng_a)
    update_change(change, actor=cqo, first_lot="", first_serial="B-001")
    with pytest.raises(ValidationError, match="No module B-001"):
        effectivity(change, eng_a)  # exists, but not visible to eng_a
    assert effectivity(change, cqo).basis == "serial"


def test_effectivity_page_export_and_api(world: World, client_for, api_for) -> None:
    genealogy(world)
    change = make_change(world, "A", module_models=[module_model()], effective_from=T0)
    page = client_for("eng_a").get(change.get_absolute_url()).content.decode()
    assert 'data-testid="before">3<' in page and 'data-testid="after">2<' in page
    export = client_for("eng_a").get(f"/design/change-requests/{change.pk}/effectivity.csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] == ["serial", "module_model", "site", "line", "produced_at", "effectivity"]
    assert [(r[0], r[5]) for r in rows[1:]] == [
        ("A-001", "before"), ("A-002", "before"), ("A-003", "before"),
        ("A-004", "after"), ("A-005", "after"),
    ]  # fmt: skip
    body = api_for("eng_a").get(f"/api/v1/design/change-requests/{change.pk}/effectivity/").json()
    assert (body["basis"], body["before"], body["after"]) == ("date", 3, 2)
    assert (
        client_for("eng_b").get(f"/design/change-requests/{change.pk}/effectivity.csv").status_code
        == 404
    )
    assert (
        api_for("eng_b").get(f"/api/v1/design/change-requests/{change.pk}/effectivity/").status_code
        == 404
    )


def test_api_assess_and_impact_handling(world: World, api_for) -> None:
    programme = make_programme(world, None)
    make_certificate(world, None, programmes=[programme])
    change = make_change(world, "A", kind="product", title="Frame", module_models=[module_model()])
    url = f"/api/v1/design/change-requests/{change.pk}/"
    assert api_for("eng_b").post(url + "assess/").status_code in (403, 404)
    assert not change.impacts.exists()
    rows = api_for("eng_a").post(url + "assess/").json()
    assert {r["area"] for r in rows} == {"certificate", "programme"}
    impact_url = f"/api/v1/design/change-impacts/{rows[0]['id']}/"
    bad = api_for("eng_a").patch(impact_url, {"done": True}, format="json")
    assert bad.status_code == 400 and "handled" in str(bad.json())
    ok = api_for("eng_a").patch(impact_url, {"done": True, "note": "body informed"}, format="json")
    assert ok.status_code == 200 and ok.json()["done"] is True
    created = api_for("eng_a").post(
        "/api/v1/design/change-impacts/", {"change": change.pk, "area": "fmea"}, format="json"
    )
    assert created.status_code == 403
    transition(change, "assess", actor=world.user("cqo"))
    assert api_for("eng_a").delete(url).status_code == 409
    assert ChangeRequest.objects.filter(pk=change.pk).exists()
    bad_kind = api_for("eng_a").post(
        "/api/v1/design/change-requests/",
        {"kind": "software", "title": "x", "description": "y"},
        format="json",
    )
    assert bad_kind.status_code == 400 and "kind" in str(bad_kind.json())

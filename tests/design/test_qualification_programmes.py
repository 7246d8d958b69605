"""Qualification programmes end to end: numbering, qualified BOM, results, the signed
verdict (workflow), locks, the verdict API by edition, certificates and their expiry, and
which programmes/certificates a BOM change invalidates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from qdm.core.workflow import TransitionError, transition
from qdm.data.models import BomLine, Material, MaterialCategory
from qdm.design.models import (
    Certificate,
    QualificationResult,
    QualificationSample,
    QualificationSequence,
)
from qdm.design.services import qualification as q
from tests.design.builders import module_model
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db


# --- builders (shared with the change tests) -----------------------------------------------


def material(code: str, category: str = "ENCAP") -> Material:
    cat, _ = MaterialCategory.objects.get_or_create(
        code=category, defaults={"name": category, "name_en": category}
    )
    found = Material.objects.filter(code=code).first()
    return found or Material.objects.create(code=code, name=code, name_en=code, category=cat)


def with_bom(model: Any, *codes: tuple[str, str]) -> Any:
    for code, category in codes:
        BomLine.objects.get_or_create(
            module_model=model, material=material(code, category), defaults={"quantity": 1}
        )
    return model


def make_programme(
    world: World, place: str | None = "A", standard: str = "iec61215:2021", **extra: Any
) -> Any:
    model = extra.pop("module_model", None) or with_bom(
        module_model(), ("ENC-POE", "ENCAP"), ("GLS-2.0", "GLASS"), ("JB-3D", "JBOX")
    )
    fields = {
        "title": f"Qualification {place or 'GRP'}",
        "standard": standard,
        "module_model": model,
        "bom_variant": "BOM-A",
        "site": world.where(place) if place else None,
        "laboratory": "TÜV lab",
        **extra,
    }
    return q.create_programme(actor=world.user("cqo"), **fields)


def add_sample(programme: Any, kind: str, serial: str, *pmax: float, ins: float = 500.0) -> Any:
    actor = programme.created_by
    sequence = QualificationSequence.objects.filter(programme=programme, kind=kind).first()
    sequence = sequence or q.save_sequence(
        QualificationSequence(
            programme=programme, kind=kind, position=programme.sequences.count() + 1
        ),
        actor=actor,
    )
    sample = q.save_sample(QualificationSample(sequence=sequence, serial=serial), actor=actor)
    for stage, value in enumerate(pmax):
        q.save_result(
            QualificationResult(
                sample=sample,
                stage=stage,
                pmax_w=value,
                insulation_mohm_m2=ins,
                wet_leakage_mohm_m2=300.0,
            ),
            actor=actor,
        )
    return sample


def make_certificate(
    world: World, place: str | None = "A", programmes: Any = (), **extra: Any
) -> Certificate:
    fields = {
        "body": "TÜV Rheinland",
        "number": extra.pop("number", f"PV-{place or 'GRP'}"),
        "standard": "iec61215:2021",
        "site": world.where(place) if place else None,
        "issue_date": dt.date(2025, 1, 10),
        "expiry_date": dt.date(2030, 1, 9),
        **extra,
    }
    return q.save_certificate(
        Certificate(**fields),
        actor=world.user("cqo"),
        module_models=[module_model()] if not programmes else None,
        programmes=list(programmes),
    )


def complete(world: World, programme: Any) -> Any:
    transition(programme, "start", actor=world.user("cqo"))
    transition(
        programme, "complete", actor=world.user("cqo"), password=PASSWORD, reason="report ok"
    )
    programme.refresh_from_db()
    return programme


# --- programmes ----------------------------------------------------------------------------


def test_programme_numbered_and_qualified_bom_defaults_to_the_models_bom(world: World) -> None:
    programme = make_programme(world)
    assert programme.number.startswith("QP-SA-")
    assert make_programme(world, None).number.startswith("QP-GRP-")
    codes = set(programme.materials.values_list("code", flat=True))
    assert codes == {"ENC-POE", "GLS-2.0", "JB-3D"}
    chosen = make_programme(world, materials=[material("ENC-EVA")])
    assert [m.code for m in q.qualified_bom(chosen)] == ["ENC-EVA"]


def test_signed_verdict_and_lock(world: World, api_for, client_for) -> None:
    programme = make_programme(world)
    with pytest.raises(TransitionError, match="sample"):
        transition(programme, "start", actor=world.user("cqo"))
    add_sample(programme, "tc200", "S001", 600.0, 590.0)
    add_sample(programme, "tc200", "S002", 600.0)  # no final measurement yet
    transition(programme, "start", actor=world.user("cqo"))
    with pytest.raises(TransitionError, match="S002"):
        transition(programme, "complete", actor=world.user("cqo"), password=PASSWORD, reason="x")
    sample = QualificationSample.objects.get(serial="S002")
    q.save_result(
        QualificationResult(
            sample=sample, stage=1, pmax_w=588.0, insulation_mohm_m2=450, wet_leakage_mohm_m2=250
        ),
        actor=world.user("cqo"),
    )
    transition(programme, "complete", actor=world.user("cqo"), password=PASSWORD, reason="ok")
    programme.refresh_from_db()
    assert programme.status == "completed" and programme.verdict == "pass"
    assert programme.completed_at is not None
    with pytest.raises(ValidationError, match="completed"):
        add_sample(programme, "dh1000", "S003", 600.0, 599.0)
    assert not QualificationSample.objects.filter(serial="S003").exists()
    result = QualificationResult.objects.filter(sample__serial="S001").first()
    response = api_for("eng_a").delete(f"/api/v1/design/qualification-results/{result.pk}/")
    assert response.status_code == 409 and "completed" in str(response.json())
    client_for("eng_a").post(reverse("design:qualificationsample_delete", args=[sample.pk]))
    assert QualificationResult.objects.filter(pk=result.pk).exists()
    assert QualificationSample.objects.filter(pk=sample.pk).exists()


def test_bad_results_are_refused_with_the_field_named(world: World) -> None:
    programme = make_programme(world)
    sample = add_sample(programme, "tc200", "S001", 600.0)
    with pytest.raises(ValidationError) as exc:
        q.save_result(QualificationResult(sample=sample, stage=1, pmax_w=-3), actor=None)
    assert "Flash Pmax (W) cannot be negative" in str(exc.value)
    with pytest.raises(ValidationError, match="already has a result at stage 0"):
        q.save_result(QualificationResult(sample=sample, stage=0, pmax_w=600), actor=None)
    with pytest.raises(ValidationError, match="S001 is already a sample"):
        add_sample(programme, "dh1000", "S001")


def test_one_failure_asks_for_a_retest_and_api_judges_by_another_edition(
    world: World, api_for
) -> None:
    programme = make_programme(world)
    add_sample(programme, "uv", "S001", 600.0, 585.0, 566.0)  # 5.67 % over the sequence
    add_sample(programme, "uv", "S002", 600.0, 597.0, 595.0)
    assert q.programme_verdict(programme).verdict == "retest"
    url = f"/api/v1/design/qualification-programmes/{programme.pk}/verdict/"
    body = api_for("eng_a").get(url).json()
    assert body["verdict"] == "retest" and body["standard"] == "iec61215:2021"
    failed = body["sequences"][0]["samples"][0]
    assert failed["serial"] == "S001" and failed["verdict"] == "fail"
    assert api_for("eng_a").get(url, {"standard": "iec61215:2016"}).json()["verdict"] == "pass"
    bad = api_for("eng_a").get(url, {"standard": "iec61215:1999"})
    assert bad.status_code == 400 and "iec61215:1999" in str(bad.json())
    assert api_for("eng_b").get(url).status_code == 404


def test_programme_page_shows_verdict_criteria_and_bom(world: World, client_for) -> None:
    programme = make_programme(world)
    add_sample(programme, "dh1000", "S001", 600.0, 560.0)
    page = client_for("eng_a").get(programme.get_absolute_url()).content.decode()
    assert 'data-testid="live-verdict">retest' in page  # one failed module: retest
    assert "S001" in page and "ENC-POE" in page and "40.0" in page
    assert client_for("eng_b").get(programme.get_absolute_url()).status_code == 404


# --- certificates --------------------------------------------------------------------------


def test_certificate_scope_defaults_to_programme_models_and_rejects_bad_dates(world: World) -> None:
    programme = make_programme(world)
    cert = make_certificate(world, programmes=[programme])
    assert list(cert.module_models.all()) == [programme.module_model]
    with pytest.raises(ValidationError, match="must be after the issue date"):
        make_certificate(world, number="PV-BAD", expiry_date=dt.date(2024, 1, 1))
    assert not Certificate.objects.filter(number="PV-BAD").exists()
    with pytest.raises(ValidationError, match="at least one module model"):
        q.save_certificate(
            Certificate(body="B", number="N", standard="iec61730:2016", issue_date=dt.date.today()),
            actor=world.user("cqo"),
        )


def test_expiring_certificates(world: World, client_for, api_for) -> None:
    today = timezone.localdate()
    soon = make_certificate(world, number="SOON", expiry_date=today + dt.timedelta(days=30))
    make_certificate(world, number="LATER", expiry_date=today + dt.timedelta(days=200))
    gone = make_certificate(world, number="GONE", expiry_date=today - dt.timedelta(days=1))
    make_certificate(world, number="WD", expiry_date=today + dt.timedelta(days=5), withdrawn=True)
    make_certificate(world, "B", number="B-SOON", expiry_date=today + dt.timedelta(days=10))
    rows = q.expiring_certificates(world.user("eng_a"))
    assert [(c.number, s, d) for c, s, d in rows] == [
        ("GONE", "expired", -1),
        ("SOON", "expiring", 30),
    ]
    assert [c.number for c, *_ in q.expiring_certificates(world.user("cqo"), within=365)] == [
        "GONE", "B-SOON", "SOON", "LATER",
    ]  # fmt: skip
    page = client_for("eng_a").get("/design/certificates/expiring/")
    assert page.status_code == 200
    html = page.content.decode()
    assert soon.number in html and gone.number in html and "B-SOON" not in html
    assert client_for("eng_a").get("/design/certificates/expiring/?days=x").status_code == 400
    api = api_for("eng_a").get("/api/v1/design/certificates/expiring/", {"days": 30}).json()
    assert [r["label"] for r in api] == ["TÜV Rheinland GONE", "TÜV Rheinland SOON"]
    bad = api_for("eng_a").get("/api/v1/design/certificates/expiring/", {"days": "-1"})
    assert bad.status_code == 400 and "days" in str(bad.json())
    assert client_for("supplier_x").get("/design/certificates/expiring/").status_code == 403


# --- BOM change → invalidated certificates and programmes ----------------------------------


def test_bom_change_lists_what_it_invalidates(world: World) -> None:
    poe_programme = make_programme(world, None)
    eva_programme = make_programme(world, None, materials=[material("ENC-EVA")], bom_variant="B")
    cert = make_certificate(world, None, programmes=[poe_programme])
    make_certificate(
        world, None, number="PV-OLD", programmes=[poe_programme], expiry_date=dt.date(2025, 6, 1)
    )
    make_certificate(world, None, number="PV-WD", programmes=[poe_programme], withdrawn=True)
    report = q.invalidated_by(material=material("ENC-POE"))
    assert [r.obj for r in report.programmes] == [poe_programme]
    assert [r.obj for r in report.certificates] == [cert]  # not the expired, not withdrawn
    assert [m.code for m in report.certificates[0].materials] == ["ENC-POE"]
    # encapsulant: the category's listed sequences (DH1000, PID, UV …), not hail
    assert {"dh1000", "pid", "uv"} <= set(report.programmes[0].retest)
    assert "hail" not in report.programmes[0].retest
    by_category = q.invalidated_by(category=MaterialCategory.objects.get(code="ENCAP"))
    assert {r.obj.pk for r in by_category.programmes} == {poe_programme.pk, eva_programme.pk}
    glass = q.invalidated_by(material=material("GLS-2.0", "GLASS"))
    assert "hail" in glass.programmes[0].retest
    # a category with no listed sequences: every sequence the programme ran
    add_sample(poe_programme, "tc200", "S1", 600.0)
    with_bom(module_model(), ("PKG-BOX", "PACKAGING"))
    other = q.invalidated_by(material=material("PKG-BOX"))
    assert other.programmes == []  # not in any qualified BOM (programmes name theirs)
    pkg = make_programme(world, None, materials=[material("PKG-BOX", "PACKAGING")])
    add_sample(pkg, "dh1000", "S9", 600.0)
    make_certificate(world, None, number="PV-PKG", programmes=[pkg])
    pkg_report = q.invalidated_by(material=material("PKG-BOX"))
    assert pkg_report.programmes[0].retest == ["dh1000"]
    assert [(r.obj.number, r.retest) for r in pkg_report.certificates] == [("PV-PKG", ["dh1000"])]
    # another module model is not affected
    assert (
        q.invalidated_by(
            material=material("ENC-POE"), module_models=[module_model("X-1")]
        ).programmes
        == []
    )
    with pytest.raises(ValidationError, match="Name the changed material"):
        q.invalidated_by()


def test_bom_change_page_and_api_are_scoped(world: World, client_for, api_for) -> None:
    site_b = make_programme(world, "B")
    group = make_programme(world, None)
    poe = material("ENC-POE")
    page = client_for("eng_a").get("/design/qualification/bom-change/", {"material": poe.pk})
    html = page.content.decode()
    assert page.status_code == 200 and group.number in html and site_b.number not in html
    api = (
        api_for("eng_b")
        .get("/api/v1/design/qualification-programmes/bom-change/", {"material": poe.pk})
        .json()
    )
    assert {r["id"] for r in api["programmes"]} == {site_b.pk, group.pk}
    bad = client_for("eng_a").get("/design/qualification/bom-change/", {"material": 99999})
    assert bad.status_code == 400 and "No material 99999" in bad.content.decode()
    bad_api = api_for("eng_a").get(
        "/api/v1/design/qualification-programmes/bom-change/", {"category": "abc"}
    )
    assert bad_api.status_code == 400 and "category" in str(bad_api.json())
    assert client_for("supplier_x").get("/design/qualification/bom-change/").status_code == 403

"""Demo CAPAs, SCARs and 8Ds in several states, and controlled documents with revisions."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.services.attachments import add_attachment
from qdm.core.workflow import transition
from qdm.system.models import (
    CapaAction,
    ControlledDocument,
    EightD,
    Nonconformity,
    RootCause,
    TeamMember,
    Verification,
)
from qdm.system.services.capa import open_capa_from_nc, save_capa_part
from qdm.system.services.documents import save_document, save_revision

REASON = "Agreed in the weekly quality meeting"


def _part(capa: EightD, model: type, actor: Any, **fields: Any) -> Any:
    return save_capa_part(model(capa=capa, **fields), actor=actor)


def _walk(capa: EightD, upto: str, champion: Any, closer: Any, member: Any) -> None:
    today = timezone.localdate()
    _part(capa, TeamMember, champion, user=member, role="member", department="IQC")
    _part(
        capa,
        CapaAction,
        champion,
        discipline="d3",
        description="Quarantine affected stock and WIP; 100 % re-inspection of held lots.",
        owner=champion,
        due_date=today - datetime.timedelta(days=20),
        status="done",
    )
    transition(capa, "contain", actor=champion)
    if upto == "contained":
        return
    cause = _part(
        capa,
        RootCause,
        champion,
        category="machine",
        statement="Process parameter drifted without an alarm limit.",
        why_1="Output out of specification",
        why_2="Process parameter drifted",
        why_3="No alarm limit on the parameter",
        why_4="Control plan did not list the parameter",
    )
    _part(
        capa,
        RootCause,
        champion,
        cause_type="escape",
        category="measurement",
        statement="Sampling plan too loose to detect the shift.",
    )
    _part(
        capa,
        CapaAction,
        champion,
        discipline="d5",
        description="Add alarm limits and SPC on the parameter; update the control plan.",
        root_cause=cause,
        owner=member,
        manager=closer,
        due_date=today - datetime.timedelta(days=5),
        status="done" if upto == "closed" else "open",
    )
    _part(
        capa,
        CapaAction,
        champion,
        discipline="d7",
        description="Update PFMEA and roll out to the other module sites.",
        prevention_target="fmea",
        reference="PFMEA-MOD-012",
        owner=champion,
        due_date=today + datetime.timedelta(days=30),
    )
    transition(capa, "approve_d5", actor=closer, password=DEMO_PASSWORD, reason=REASON)
    if upto == "approved":
        return
    transition(capa, "implement", actor=champion)
    verification = _part(
        capa,
        Verification,
        champion,
        method="Three consecutive lots measured after the change",
        result="All within specification, Cpk 1.67",
        effective=True,
        verified_by=champion,
    )
    add_attachment(
        verification,
        SimpleUploadedFile("effectiveness.csv", b"lot,cpk\n1,1.71\n2,1.66\n3,1.67\n"),
        actor=champion,
    )
    EightD.objects.filter(pk=capa.pk).update(closure_summary="Team thanked at the site meeting.")
    capa.refresh_from_db()
    transition(capa, "close", actor=closer, password=DEMO_PASSWORD, reason=REASON)


def build_capas(ctx: Any) -> None:
    if EightD.objects.exists():
        return
    qe, sqm, admin, cse = (ctx.users[u] for u in ("qe.jx1", "sqm.jx1", "admin", "cse"))
    plans = [
        ("Front glass thickness below LSL", "scar", None, "contained", qe, sqm),
        ("EVA gel content low after test lamination", "capa", None, "closed", qe, sqm),
        ("Hot spot reported at commissioning", "8d", "CUS-US1", "approved", admin, cse),
        ("Flash test Pmax trend down on line 2", "capa", None, "open", admin, cse),
    ]
    for title, kind, customer, upto, champion, closer in plans:
        nc = Nonconformity.objects.filter(title=title).first()
        if nc is None:
            continue
        capa = open_capa_from_nc(
            nc,
            actor=champion,
            kind=kind,
            customer=ctx.customers.get(customer) if customer else None,
            champion=champion,
        )
        if upto != "open":
            _walk(capa, upto, champion, closer, sqm if champion is qe else cse)
    ctx.log.append(f"{EightD.objects.count()} CAPAs / SCARs / 8Ds")


def build_documents(ctx: Any) -> None:
    if ControlledDocument.objects.exists():
        return
    sqm, qe = ctx.users["sqm.jx1"], ctx.users["qe.jx1"]
    document = save_document(
        None,
        actor=sqm,
        code="QP-JX1-IQC-003",
        title="Incoming inspection of front glass",
        doc_type="procedure",
        owner=sqm,
        process="Incoming inspection",
        language="zh",
        sites=[ctx.sites["JX1"]],
        distributed_to=[qe, sqm, ctx.users["cqo"]],
    )
    for rev, summary, final in (
        ("A", "First issue", True),
        ("B", "Thickness sampling moved to ISO 2859-1 level II, AQL 0.65", True),
        ("C", "Add AR-coating transmittance check", False),
    ):
        revision = save_revision(
            None, actor=qe, document=document, revision=rev, change_summary=summary
        )
        if final:
            transition(revision, "submit", actor=qe)
            transition(revision, "approve", actor=sqm, password=DEMO_PASSWORD, reason=REASON)
            transition(revision, "make_effective", actor=sqm)
    ctx.log.append("1 controlled document with 3 revisions")

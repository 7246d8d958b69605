"""Demo: one lessons-learned loop completed. An internal CAPA on under-cured EVA at the JX1
laminator closes with its D7 action naming the PFMEA lamination row; the scan creates the
review task, the design engineer records the evidence (internal ppm, Cpk) and accepts it,
re-rating occurrence and detection in the PFMEA."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.services.attachments import add_attachment
from qdm.core.workflow import transition
from qdm.design.models import Fmea, FmeaReviewTask
from qdm.design.services.lessons import accept_task, scan_closed_capas, set_evidence
from qdm.system.models import CapaAction, EightD, RootCause, TeamMember, Verification
from qdm.system.services.capa import open_capa, save_capa_part

TITLE = "Gel content 71 % on laminator L2 (EVA lot EV-2609-114)"
LAMINATION_ROW = 3  # PFMEA row "Encapsulant under-cured (gel content < 75 %)"


def _part(capa: EightD, model: type, actor: Any, **fields: Any) -> Any:
    return save_capa_part(model(capa=capa, **fields), actor=actor)


def _closed_capa(ctx: Any, pfmea: Fmea) -> EightD:
    qe, sqm = ctx.users["qe.jx1"], ctx.users["sqm.jx1"]
    today = dt.date.today()
    capa = open_capa(
        actor=qe,
        kind="capa",
        site=ctx.sites["JX1"],
        title=TITLE,
        champion=qe,
        problem_what="Encapsulant under-cured (gel content < 75 %)",
        problem_where="JX1 module line 1, laminator L2, chamber 2",
        problem_how_many="3 of 42 gel samples in week 38 (71-74 %)",
    )
    _part(capa, TeamMember, qe, user=sqm, role="member", department="Quality")
    _part(
        capa,
        CapaAction,
        qe,
        discipline="d3",
        owner=qe,
        status="done",
        due_date=today - dt.timedelta(days=30),
        description="Hold 1,260 modules laminated on L2 since 14 Sep; peel and gel re-test.",
    )
    transition(capa, "contain", actor=qe)
    cause = _part(
        capa,
        RootCause,
        qe,
        category="machine",
        statement="Platen heating zone 4 thermocouple drifted 6 K low; recipe held set-point.",
        why_1="Gel content 71 %",
        why_2="Laminate 6 K colder than recipe",
        why_3="Zone-4 thermocouple drifted",
        why_4="No platen temperature mapping in PM plan",
    )
    _part(
        capa,
        RootCause,
        qe,
        cause_type="escape",
        category="measurement",
        statement="One gel test per shift per line missed a single laminator drifting.",
    )
    _part(
        capa,
        CapaAction,
        qe,
        discipline="d5",
        owner=qe,
        root_cause=cause,
        status="done",
        due_date=today - dt.timedelta(days=10),
        description="Monthly platen temperature mapping; thermocouple calibration 3-monthly.",
    )
    _part(
        capa,
        CapaAction,
        qe,
        discipline="d7",
        owner=ctx.users["design"],
        root_cause=cause,
        due_date=today + dt.timedelta(days=20),
        prevention_target="fmea",
        reference=f"{pfmea.number} #{LAMINATION_ROW}",
        description="Re-rate the PFMEA lamination row with the week-38 data.",
    )
    transition(capa, "approve_d5", actor=sqm, password=DEMO_PASSWORD, reason="D5 review")
    transition(capa, "implement", actor=qe)
    check = _part(
        capa,
        Verification,
        qe,
        verified_by=qe,
        effective=True,
        method="Gel content per laminator per shift for 4 weeks",
        result="112 samples, 84-89 %, Cpk 1.41",
    )
    add_attachment(
        check,
        SimpleUploadedFile("gel-content-wk39-42.csv", b"week,n,mean,cpk\n39,28,86.1,1.38\n"),
        actor=qe,
    )
    capa.refresh_from_db()
    transition(capa, "close", actor=sqm, password=DEMO_PASSWORD, reason="Effective")
    return capa


def build_lessons(ctx: Any) -> None:
    pfmea = Fmea.objects.filter(kind="pfmea", site=ctx.sites.get("JX1")).order_by("pk").first()
    if pfmea is None or EightD.objects.filter(title=TITLE).exists():
        return
    if not pfmea.items.filter(position=LAMINATION_ROW).exists():
        return
    _closed_capa(ctx, pfmea)
    scan_closed_capas()
    task = FmeaReviewTask.objects.filter(capa__title=TITLE).first()
    if task is None:
        return
    design = ctx.users["design"]
    # week 38: 3 under-cured laminates of 1,260 held modules → 2,381 ppm → O 6;
    # gel-content Cpk before the fix 0.91 → O 7 (the worst evidence wins)
    set_evidence(task, actor=design, internal_ppm=Decimal("2381"), cpk=Decimal("0.91"))
    accept_task(task, actor=design, reason="Agreed in the PFMEA review of 12 Oct")
    ctx.log.append(f"lessons learned: {task} accepted (O {task.current_occurrence}→7)")

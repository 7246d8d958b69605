"""Demo APQP project: the SRM-N410-72 TOPCon glass-glass module introduced on the JX1 module
line, mid-way — plan and product design passed (signed), process design passed with
conditions (the PFMEA is still a draft), validation open with the gel-content MSA, a typed
capability figure below the PPAP target and the IEC 61215 qualification report linked to the
demo's completed, passed IEC 61215:2021 programme of the TOPCon glass-glass design (SRM-N380-72B,
same product family: qualification by similarity) — which the demo's open encapsulant change
request lists as invalidated, so the project page warns about it — launch open. Deliverables
link the demo's real FMEAs, control plan, MSA study and qualification programme.

It also gives the module-line PFMEA (its latest draft revision) its structure tree and failure
net — process item → the steps → their work elements with 4M — and attaches every worksheet
row to it, so the structure page shows the AIAG-VDA net with a clean integrity check.

Idempotent: a project with the demo title is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.services.attachments import add_attachment
from qdm.data.models import Characteristic, ModuleModel
from qdm.design.models import (
    ApqpProject,
    ControlPlan,
    FailureElement,
    Fmea,
    FmeaFunction,
    MsaStudy,
    QualificationProgramme,
    StructureNode,
)
from qdm.design.services.apqp import create_project, review_gate, save_deliverable
from qdm.design.services.fmea import attach_row, save_failure, save_function, save_node

APQP_TITLE = "SRM-N410-72 TOPCon glass-glass launch, JX1"


def _document(item: Any, reference: str, actor: Any, attach: bool = True) -> None:
    item.reference = reference
    save_deliverable(item, actor=actor)
    if attach:
        body = f"{reference}\n{item.title}\n(demo document)\n".encode()
        upload = SimpleUploadedFile(f"{reference}.txt", body, "text/plain")
        add_attachment(item, upload, actor=actor, description=item.title)


def build_pfmea_net(ctx: Any, title: str) -> None:
    """The structure tree and failure net of the PFMEA's latest draft, from its rows."""
    pfmea = Fmea.objects.filter(title=title, status="draft").order_by("-revision").first()
    if pfmea is None or pfmea.nodes.exists():
        return
    actor = ctx.users["design"]
    rows = list(pfmea.items.order_by("position"))
    if not rows or any(not (r.lower_level and r.four_m) for r in rows):
        return

    def node(kind: str, name: str, parent: Any = None, four_m: str = "") -> StructureNode:
        found = StructureNode.objects.filter(fmea=pfmea, kind=kind, name=name, parent=parent)
        return found.first() or save_node(
            StructureNode(fmea=pfmea, kind=kind, name=name, parent=parent, four_m=four_m),
            actor=actor,
        )

    def failure(target: StructureNode, function: str, kind: str, text: str, char: Any = None):
        fn = FmeaFunction.objects.filter(node=target, description=function).first()
        fn = fn or save_function(
            FmeaFunction(node=target, description=function, characteristic=char), actor=actor
        )
        found = FailureElement.objects.filter(function=fn, kind=kind, description=text).first()
        return found or save_failure(
            FailureElement(function=fn, kind=kind, description=text[:300]), actor=actor
        )

    root = node("process_item", "Module line JX1: stringing to flash test")
    for row in rows:
        step = node("process_step", row.focus_element[:200], root)
        element = node("work_element", row.lower_level[:200], step, row.four_m)
        effect = failure(root, "Deliver modules to datasheet and IEC 61215 / 61730", "effect",
                         row.failure_effect)  # fmt: skip
        mode = failure(step, row.focus_function or f"{row.focus_element} to specification",
                       "mode", row.failure_mode)  # fmt: skip
        cause = failure(element, row.lower_function or f"{row.lower_level} within its settings",
                        "cause", row.failure_cause, row.characteristic)  # fmt: skip
        attach_row(row, effect, mode, cause, actor=actor)
    ctx.log.append(f"PFMEA {pfmea.number} rev {pfmea.revision}: structure net, {len(rows)} rows")


def build_apqp(ctx: Any) -> None:
    from qdm.design.demo import CONTROL_PLAN_TITLE, DFMEA_TITLE, MSA_TITLE, PFMEA_TITLE
    from qdm.design.demo_qualification import TITLE_61215

    build_pfmea_net(ctx, PFMEA_TITLE)
    if ApqpProject.objects.filter(title=APQP_TITLE).exists():
        return
    product = ModuleModel.objects.filter(code="SRM-N410-72").first()
    site = ctx.sites.get("JX1")
    if product is None or site is None:
        return
    design, cqo = ctx.users["design"], ctx.users["cqo"]
    project = create_project(
        actor=design,
        title=APQP_TITLE,
        product=product,
        site=site,
        leader=design,
        team="Tao Xu, design (programme lead)\nWei Zhang, CQO\nHao Wang, process quality\n"
        "Lei Zhao, SQE\nFang Li, site QM",
        start_date=dt.date(2026, 3, 2),
        launch_date=dt.date(2027, 1, 11),
    )
    gates = {g.phase: g for g in project.gates.all()}

    def sign(phase: str, decision: str = "pass", **extra: Any) -> None:
        review_gate(gates[phase], actor=cqo, decision=decision, password=DEMO_PASSWORD,
                    reason="APQP gate review board", **extra)  # fmt: skip

    # gate 1: targets and preliminary BOM, documents on file
    for n, item in enumerate(gates["plan"].deliverables.order_by("pk"), start=1):
        _document(item, f"NPI-N410-P{n:02d}", design)
    sign("plan", comments="Targets: 22.5 % efficiency, 30-year linear warranty, ≤ 0.4 %/yr.")
    # gate 2: the released DFMEA, the pre-test report (qualification helper: reference)
    for item in gates["product_design"].deliverables.order_by("pk"):
        if item.kind == "dfmea":
            item.fmea = Fmea.objects.filter(title=DFMEA_TITLE).order_by("-revision").first()
            save_deliverable(item, actor=design)
        else:
            _document(item, "QT-N410-PRE-01 (TC200, DH1000, UV15)", design)
    sign("product_design")
    # gate 3: the PFMEA still a draft, the control plan published → conditional pass
    for item in gates["process_design"].deliverables.order_by("pk"):
        if item.kind == "pfmea":
            item.fmea = Fmea.objects.filter(title=PFMEA_TITLE).first()
        elif item.kind == "control_plan":
            item.control_plan = ControlPlan.objects.filter(title=CONTROL_PLAN_TITLE).first()
        save_deliverable(item, actor=design)
    sign(
        "process_design",
        "conditional",
        conditions="Release the line PFMEA once the stringer IR-lamp closed loop is validated.",
        conditions_due=dt.date(2026, 12, 18),
    )
    # gate 4 (open): MSA linked, Ppk below the PPAP target (typed), the IEC 61215 programme
    for item in gates["validation"].deliverables.order_by("pk"):
        if item.kind == "msa":
            item.msa_study = MsaStudy.objects.filter(title=MSA_TITLE).first()
            save_deliverable(item, actor=design)
        elif item.kind == "capability":
            item.characteristic = Characteristic.objects.filter(code="MOD-EVA-GEL").first()
            item.cpk = 1.52
            item.remarks = "Preliminary Ppk over 125 laminates, trial run week 46."
            save_deliverable(item, actor=design)
        elif item.kind == "qualification":
            item.programme = QualificationProgramme.objects.filter(title=TITLE_61215).first()
            if item.programme is None:  # qualification demo absent: the external report
                _document(item, "TÜV SÜD 64.290.26.0415 (IEC 61215:2021)", design, attach=False)
            else:
                save_deliverable(item, actor=design)
    ctx.log.append(f"APQP project {project.number}: 3 gates passed, validation open")

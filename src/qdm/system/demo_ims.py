"""Demo of the integrated management system: the group's processes mapped to the clauses of
seven standards (one deliberate gap), certificates at every demo site (one about to
expire), the responsibility matrix, a 2026 internal audit programme at JX1 with a completed
audit and its findings, quality objectives and a held management review."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qdm.core.demo import DEMO_PASSWORD
from qdm.core.models import Enterprise
from qdm.core.workflow import transition
from qdm.system.ims_catalog import load_catalog
from qdm.system.models import (
    Audit,
    AuditProgramme,
    Certificate,
    ChecklistItem,
    Clause,
    Department,
    ManagementReview,
    ManagementSystem,
    Process,
)
from qdm.system.services import audits as audit_services
from qdm.system.services.ims import save_certificate, save_process
from qdm.system.services.responsibility import save_department, save_post, save_responsibility
from qdm.system.services.review import (
    compile_review,
    save_objective,
    save_review,
    save_review_action,
)

HS = ["4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3"]

# code, zh, en, owner, sites (None: group), {system code: [clause numbers]}
PROCESSES: list[tuple[str, str, str, str, list[str] | None, dict[str, list[str]]]] = [
    (
        "P01",
        "经营策划与管理评审",
        "Business planning and management review",
        "cqo",
        None,
        {
            "ISO9001": [*HS, "6.1", "6.2", "6.3", "9.3", "10.1", "10.3"],
            "ISO14001": [*HS, "6.1", "6.2", "9.3", "10.1", "10.3"],
            "ISO45001": [*HS, "6.1", "6.2", "9.3", "10.1", "10.3"],
            "ISO50001": [*HS, "6.1", "6.2", "9.3", "10.2"],
            "IEC62941": ["4", "5", "6"],
            "ISO17025": ["4.1", "5", "8.1", "8.5", "8.9"],
        },
    ),
    (
        "P02",
        "文件与记录控制",
        "Document and record control",
        "sqm.jx1",
        None,
        {
            "ISO9001": ["7.5"],
            "ISO14001": ["7.5"],
            "ISO45001": ["7.5"],
            "ISO50001": ["7.5"],
            "ISO17025": ["8.2", "8.3", "8.4", "7.5"],
            "ISO14064-1": ["8"],
        },
    ),
    (
        "P03",
        "人力资源与培训",
        "Competence and training",
        "cqo",
        None,
        {
            "ISO9001": ["7.1", "7.2", "7.3", "7.4"],
            "ISO14001": ["7.1", "7.2", "7.3", "7.4"],
            "ISO45001": ["7.1", "7.2", "7.3", "7.4"],
            "ISO50001": ["7.1", "7.2", "7.3", "7.4"],
            "IEC62941": ["7"],
            "ISO17025": ["6.1", "6.2"],
        },
    ),
    (
        "P04",
        "来料检验",
        "Incoming inspection",
        "sqm.jx1",
        ["JX1", "ZJ1", "VN1", "US1", "MY1"],
        {"ISO9001": ["8.4", "8.6", "8.7"], "IEC62941": ["8"]},
    ),
    (
        "P05",
        "供应商管理",
        "Supplier management",
        "sqe",
        None,
        {"ISO9001": ["8.4"], "ISO50001": ["8.3"], "ISO17025": ["6.6"], "IEC62941": ["8"]},
    ),
    (
        "P06",
        "电池生产",
        "Cell production",
        "qe.zj1",
        ["JX1", "ZJ1", "MY1"],
        {"ISO9001": ["8.1", "8.5", "8.7"], "ISO14001": ["8.1"], "ISO45001": ["8.1"]},
    ),
    (
        "P07",
        "组件层压",
        "Module lamination",
        "qe.jx1",
        ["JX1", "ZJ1", "VN1", "US1", "MY1"],
        {"ISO9001": ["8.1", "8.5", "8.7"], "IEC62941": ["8"], "ISO45001": ["8.1"]},
    ),
    (
        "P08",
        "成品测试与出货检验",
        "Final test and outgoing inspection",
        "inspector.vn1",
        ["JX1", "ZJ1", "VN1", "US1", "MY1"],
        {"ISO9001": ["8.6", "8.7", "9.1"], "IEC62941": ["8", "9"]},
    ),
    (
        "P09",
        "客户投诉处理",
        "Customer complaint handling",
        "cse",
        None,
        {"ISO9001": ["8.2", "9.1", "10.2"], "IEC62941": ["10"], "ISO17025": ["7.9"]},
    ),
    (
        "P10",
        "产品设计与开发",
        "Product design and development",
        "design",
        None,
        {"ISO9001": ["8.3"], "ISO50001": ["8.2"], "IEC62941": ["8"]},
    ),
    (
        "P11",
        "实验室检测与校准",
        "Laboratory testing and calibration",
        "qe.jx1",
        ["JX1"],
        {
            "ISO9001": ["7.1"],
            "ISO17025": [
                "4.2",
                "6.3",
                "6.4",
                "6.5",
                "7.1",
                "7.2",
                "7.3",
                "7.4",
                "7.6",
                "7.7",
                "7.8",
                "7.10",
                "7.11",
            ],
        },
    ),
    (
        "P12",
        "环境与职业健康安全管理",
        "Environment, health and safety",
        "sqm.jx1",
        None,
        {
            "ISO14001": ["6.1", "8.1", "8.2", "9.1", "10.2"],
            "ISO45001": ["5.4", "6.1", "8.1", "8.2", "9.1", "10.2"],
        },
    ),
    (
        "P13",
        "能源管理",
        "Energy management",
        "carbon",
        ["JX1", "QH1"],
        {"ISO50001": ["6.3", "6.4", "6.5", "8.1", "9.1", "10.1"]},
    ),
    (
        "P14",
        "温室气体核算",
        "Greenhouse-gas accounting",
        "carbon",
        None,
        {"ISO14064-1": ["5", "6", "7", "9", "10"], "ISO14001": ["9.1"]},
    ),
    (
        "P15",
        "内部审核",
        "Internal audit",
        "auditor",
        None,
        {
            "ISO9001": ["9.2"],
            "ISO14001": ["9.2"],
            "ISO45001": ["9.2"],
            "ISO50001": ["9.2"],
            "ISO17025": ["8.8"],
        },
    ),
    (
        "P16",
        "不合格与纠正措施",
        "Nonconformity and corrective action",
        "sqm.jx1",
        None,
        {
            "ISO9001": ["8.7", "10.2"],
            "ISO14001": ["10.2"],
            "ISO45001": ["10.2"],
            "ISO50001": ["10.1"],
            "ISO17025": ["7.10", "8.6", "8.7"],
            "IEC62941": ["10"],
        },
    ),
]

# site, system, number, body, issued, expires (days from today; one expires soon)
CERTIFICATES = [
    ("JX1", "ISO9001", "CN-QMS-0217-2024", "TÜV Rheinland (Shanghai)", -640, 455),
    ("JX1", "ISO14001", "CN-EMS-0218-2024", "TÜV Rheinland (Shanghai)", -640, 455),
    ("JX1", "ISO45001", "CN-OHS-0219-2024", "TÜV Rheinland (Shanghai)", -640, 455),
    ("JX1", "ISO50001", "CQC-EnMS-24-0583", "China Quality Certification Centre", -420, 675),
    ("JX1", "IEC62941", "TUV-SUD-62941-Q3 024 1187", "TÜV SÜD Product Service", -300, 795),
    ("JX1", "ISO17025", "CNAS-L18842", "CNAS (accreditation)", -800, 295),
    ("ZJ1", "ISO9001", "SGS-CN24-QMS-33107", "SGS-CSTC Standards Technical Services", -500, 595),
    ("ZJ1", "ISO14001", "SGS-CN24-EMS-33108", "SGS-CSTC Standards Technical Services", -500, 595),
    ("VN1", "ISO9001", "BV-VN-QMS-2023-0412", "Bureau Veritas Vietnam", -1050, 45),
    ("VN1", "ISO14001", "BV-VN-EMS-2023-0413", "Bureau Veritas Vietnam", -1050, 45),
    ("US1", "ISO9001", "DNV-C-712844-2025", "DNV Business Assurance USA", -210, 885),
    ("QH1", "ISO9001", "CQC-QMS-25-1290", "China Quality Certification Centre", -150, 945),
    ("QH1", "ISO50001", "CQC-EnMS-25-1291", "China Quality Certification Centre", -150, 945),
    ("MY1", "ISO9001", "SIRIM-QAS-MY-24-5521", "SIRIM QAS International", -380, 715),
]

CERTIFICATE_OWNERS = {"JX1": "sqm.jx1", "ZJ1": "qe.zj1", "VN1": "inspector.vn1"}

REASON = "Agreed at the closing meeting"


def build(ctx: Any) -> None:
    """Each step checks its own records, so a run that stopped half-way can be resumed."""
    load_catalog(ManagementSystem, Clause)
    build_processes(ctx)
    build_certificates(ctx)
    if not Department.objects.exists():
        build_responsibility_matrix(ctx)
    if not AuditProgramme.objects.exists():
        build_audits(ctx)
    if not ManagementReview.objects.exists():
        build_management_review(ctx)


def build_processes(ctx: Any) -> None:
    admin = ctx.users["admin"]
    systems = {s.code: s for s in ManagementSystem.objects.all()}
    existing = set(Process.objects.values_list("code", flat=True))
    for code, zh, en, owner, sites, mapping in PROCESSES:
        if code in existing:
            continue
        clauses = [
            Clause.objects.get(system=systems[system], number=number)
            for system, numbers in mapping.items()
            for number in numbers
        ]
        save_process(
            None,
            actor=admin,
            code=code,
            name=zh,
            name_en=en,
            owner=ctx.users[owner],
            sites=[ctx.sites[s] for s in sites or [] if s in ctx.sites],
            clauses=clauses,
        )
    ctx.log.append(f"{len(PROCESSES)} processes mapped to management-system clauses")


def build_certificates(ctx: Any) -> None:
    today = timezone.localdate()
    systems = {s.code: s for s in ManagementSystem.objects.all()}
    existing = set(Certificate.objects.values_list("number", flat=True))
    for site, system, number, body, issued, expires in CERTIFICATES:
        if site not in ctx.sites or number in existing:
            continue
        save_certificate(
            None,
            actor=ctx.users["admin"],
            site=ctx.sites[site],
            system=systems[system],
            number=number,
            body=body,
            issued_on=today + datetime.timedelta(days=issued),
            expires_on=today + datetime.timedelta(days=expires),
            owner=ctx.users[CERTIFICATE_OWNERS.get(site, "cqo")],
            scope_statement="Design and manufacture of crystalline-silicon PV cells and modules",
        )
    count = Certificate.objects.count()
    ctx.log.append(f"{count} certificates (VN1's expire in 45 days: qdm certificates remind)")


def build_responsibility_matrix(ctx: Any) -> None:
    admin, users = ctx.users["admin"], ctx.users
    company = Enterprise.objects.order_by("pk").first()
    if company is None:
        return

    def dept(code: str, zh: str, en: str, site: str | None = None, parent: Any = None) -> Any:
        return save_department(
            None,
            actor=admin,
            company=company,
            code=code,
            name=zh,
            name_en=en,
            site=ctx.sites[site] if site else None,
            parent=parent,
        )

    qms = dept("QMS", "品质管理体系", "Quality management system")
    jx1_quality = dept("JX1-QA", "上饶基地品质部", "Shangrao quality department", "JX1", qms)
    zj1_quality = dept("ZJ1-QA", "海宁基地品质部", "Haining quality department", "ZJ1", qms)
    service = dept("CS-QA", "客户品质部", "Customer quality department", parent=qms)

    def post(code: str, zh: str, en: str, department: Any, holders: list[str], **kw: Any) -> Any:
        return save_post(
            None,
            actor=admin,
            department=department,
            code=code,
            name=zh,
            name_en=en,
            holders=[users[h] for h in holders],
            **kw,
        )

    cqo = post("CQO", "首席质量官", "Chief quality officer", qms, ["cqo"])
    auditor = post(
        "QMS-AUD", "体系内审员", "Group internal auditor", qms, ["auditor"], reports_to=cqo
    )
    jx1_qm = post(
        "JX1-QM",
        "基地品质经理",
        "Site quality manager",
        jx1_quality,
        ["sqm.jx1"],
        site=ctx.sites["JX1"],
        reports_to=cqo,
    )
    jx1_qe = post(
        "JX1-QE",
        "工艺质量工程师",
        "Process quality engineer",
        jx1_quality,
        ["qe.jx1"],
        site=ctx.sites["JX1"],
        reports_to=jx1_qm,
    )
    zj1_qe = post(
        "ZJ1-QE",
        "工艺质量工程师",
        "Process quality engineer",
        zj1_quality,
        ["qe.zj1"],
        site=ctx.sites["ZJ1"],
        reports_to=cqo,
    )
    cs = post(
        "CS-CQM", "客户质量经理", "Customer quality manager", service, ["cse"], reports_to=cqo
    )
    processes = {p.code: p for p in Process.objects.all()}
    for the_post, code, role, text in [
        (cqo, "P01", "accountable", "Chairs the management review; owns quality objectives."),
        (auditor, "P15", "responsible", "Plans and leads internal audits of every system."),
        (jx1_qm, "P04", "accountable", "Approves IQC plans and releases held material."),
        (jx1_qe, "P07", "responsible", "Lamination parameters, gel content and peel tests."),
        (zj1_qe, "P06", "responsible", "Cell line control plan and SPC reaction."),
        (cs, "P09", "accountable", "Answers customer complaints within 24 h; leads 8Ds."),
        (jx1_qm, "P16", "accountable", "Signs NC dispositions and CAPA closure at JX1."),
    ]:
        save_responsibility(
            None, actor=admin, post=the_post, process=processes[code], role=role, description=text
        )
    ctx.log.append("responsibility matrix: 4 departments, 6 posts, 7 responsibilities")


def build_audits(ctx: Any) -> None:
    today = timezone.localdate()
    lead, co_auditor = ctx.users["auditor"], ctx.users["qe.zj1"]
    iso9001 = ManagementSystem.objects.get(code="ISO9001")
    programme = audit_services.save_programme(
        None,
        actor=lead,
        year=today.year,
        site=ctx.sites["JX1"],
        system=iso9001,
        manager=lead,
        objectives="Every ISO 9001 process of the Shangrao base audited at least once a year; "
        "incoming inspection and lamination twice (high NC counts last year).",
    )
    processes = Process.objects.filter(code__in=["P04", "P07"])
    audit = audit_services.save_audit(
        None,
        actor=lead,
        programme=programme,
        title="Incoming inspection and module lamination",
        planned_start=today - datetime.timedelta(days=40),
        planned_end=today - datetime.timedelta(days=39),
        processes=list(processes),
        lead_auditor=lead,
        auditors=[co_auditor],
    )
    audit_services.generate_checklist(audit, actor=lead)
    transition(audit, "start", actor=lead)
    answers = {
        ("P07", "8.5"): (
            "minor",
            "LAM-03 temperature profile records missing for two night shifts in week 38.",
        ),
        ("P04", "8.4"): (
            "observation",
            "Glass supplier COA checked, but not the AR transmittance.",
        ),
        ("P07", "8.7"): ("ofi", "Hold tags are handwritten; scanning them would speed up MRB."),
    }
    for item in ChecklistItem.objects.filter(audit=audit).select_related("process", "clause"):
        result, evidence = answers.get(
            (item.process.code, item.clause.number),
            ("conforming", "Records for September sampled; no deviation."),
        )
        audit_services.save_checklist_item(item, actor=lead, result=result, evidence=evidence)
        if result != "conforming":
            audit_services.record_finding(
                actor=lead,
                audit=audit,
                kind=result,
                statement=evidence,
                evidence="Records sampled at the laminator and the IQC office.",
                checklist_item=item,
            )
    Audit.objects.filter(pk=audit.pk).update(
        summary="The processes are effective; one minor nonconformity on lamination records."
    )
    audit.refresh_from_db()
    transition(audit, "report", actor=lead)
    transition(audit, "close", actor=lead, password=DEMO_PASSWORD, reason=REASON)
    audit_services.save_audit(
        None,
        actor=lead,
        programme=programme,
        title="Cell production and final test",
        planned_start=today + datetime.timedelta(days=30),
        planned_end=today + datetime.timedelta(days=31),
        processes=list(Process.objects.filter(code__in=["P06", "P08"])),
        lead_auditor=lead,
    )
    ctx.log.append("audit programme with a closed audit (3 findings, 1 NC) and a planned one")


def build_management_review(ctx: Any) -> None:
    import zoneinfo

    cqo, sqm, qe = ctx.users["cqo"], ctx.users["sqm.jx1"], ctx.users["qe.jx1"]
    jx1 = ctx.sites["JX1"]
    # the review's period is counted in the site's timezone: "today" there
    today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(jx1.timezone)).date()
    start = today.replace(month=1, day=1)
    for site, metric, unit, target, actual, higher in [
        (None, "Customer complaint rate", "ppm", "50", "42", False),
        (jx1, "Module first-pass yield", "%", "98.5", "98.1", True),
        (jx1, "IQC lot acceptance rate", "%", "99.0", "99.3", True),
        (jx1, "CAPA closed on time", "%", "90", "86", True),
    ]:
        save_objective(
            None,
            actor=cqo,
            site=site,
            metric=metric,
            unit=unit,
            target=Decimal(target),
            actual=Decimal(actual),
            higher_is_better=higher,
            period_start=start,
            period_end=today.replace(month=12, day=31),
        )
    review = save_review(
        None,
        actor=cqo,
        site=jx1,
        title="Shangrao base management review",
        period_start=start,
        period_end=today,
        meeting_date=today,
        chair=cqo,
        attendees=[sqm, qe, ctx.users["auditor"]],
        conclusions="The system is suitable and effective; lamination records and CAPA "
        "timeliness need attention.",
    )
    compile_review(review, actor=cqo)
    transition(review, "hold", actor=cqo)
    for decision, action, owner, days in [
        (
            "First-pass yield below target",
            "Pareto of lamination rework by defect code; report at the next review.",
            qe,
            30,
        ),
        (
            "CAPA timeliness below 90 %",
            "Weekly CAPA action review in the site quality meeting.",
            sqm,
            14,
        ),
    ]:
        save_review_action(
            None,
            actor=cqo,
            review=review,
            decision=decision,
            action=action,
            owner=owner,
            due_date=today + datetime.timedelta(days=days),
        )
    ctx.log.append("4 quality objectives and a held management review with 2 actions")

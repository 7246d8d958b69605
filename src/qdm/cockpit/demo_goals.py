"""Demo quality goals of the current year: group objectives cascaded to the JX1 (Shangrao)
and ZJ1 (Haining) quality departments and to their process quality engineers, with a PDCA
review. Needs the responsibility matrix of the system demo; idempotent (by goal code)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from qdm.cockpit.models import QualityGoal
from qdm.cockpit.services_goals import save_goal, save_review
from qdm.system.models import Department, Post


def build_goals(ctx: Any) -> None:
    users, sites = getattr(ctx, "users", {}), getattr(ctx, "sites", {})
    departments = {d.code: d for d in Department.objects.all()}
    posts = {p.code: p for p in Post.objects.all()}
    needed = ("JX1-QA", "ZJ1-QA", "JX1-QE", "ZJ1-QE")
    if not all(k in departments or k in posts for k in needed) or not {"JX1", "ZJ1"} <= set(sites):
        ctx.log.append("Cockpit: no responsibility matrix, no quality goals.")
        return
    year = timezone.localdate().year
    admin = users.get("admin")
    cqo = users.get("cqo") or admin
    made: dict[str, QualityGoal] = {}

    def goal(code: str, title: str, **fields: Any) -> QualityGoal:
        full = f"QG{year}-{code}"
        found = QualityGoal.objects.filter(code=full).first()
        if found is None:
            found = save_goal(None, actor=admin, code=full, title=title, year=year, **fields)
        made[code] = found
        return found

    fpy = goal(
        "FPY",
        "Group module first-pass yield ≥ 98.5 %",
        kpi="fpy",
        target=98.5,
        amber_band=0.5,
        owner=cqo,
    )
    for site, target, manager, engineer in (
        ("JX1", 98.7, "sqm.jx1", "qe.jx1"),
        ("ZJ1", 98.3, "cqo", "qe.zj1"),
    ):
        dep = goal(
            f"FPY-{site}",
            f"{site} module first-pass yield ≥ {target} %",
            kpi="fpy",
            target=target,
            amber_band=0.5,
            level="department",
            parent=fpy,
            site=sites[site],
            department=departments[f"{site}-QA"],
            owner=users.get(manager, cqo),
        )
        goal(
            f"FPY-{site}-QE",
            f"{site} process quality engineer: FPY ≥ {target} %",
            kpi="fpy",
            target=target,
            amber_band=0.5,
            level="post",
            parent=dep,
            site=sites[site],
            department=departments[f"{site}-QA"],
            post=posts[f"{site}-QE"],
            owner=users.get(engineer, cqo),
        )
    scrap = goal(
        "SCRAP",
        "Group scrap rate ≤ 0.8 %",
        kpi="scrap_rate",
        target=0.8,
        amber_band=0.2,
        owner=cqo,
    )
    goal(
        "SCRAP-JX1",
        "JX1 scrap rate ≤ 0.7 %",
        kpi="scrap_rate",
        target=0.7,
        amber_band=0.2,
        level="department",
        parent=scrap,
        site=sites["JX1"],
        department=departments["JX1-QA"],
        owner=users.get("sqm.jx1", cqo),
    )
    goal(
        "CPL",
        "Group customer complaints ≤ 36 a year",
        kpi="complaints",
        target=36,
        amber_band=4,
        owner=cqo,
    )
    if not fpy.reviews.exists():
        save_review(
            None,
            actor=cqo,
            goal=fpy,
            reviewed_on=timezone.localdate(),
            phase="check",
            findings=(
                "Monthly check: EL micro-crack rejects at JX1 stringers 2–3 drive the gap; "
                "ZJ1 on target after the laminator temperature-profile change."
            ),
            actions="Re-qualify ribbon tension on JX1 stringers; tighten EL sampling to 100 %.",
        )
    ctx.log.append(f"Cockpit: {len(made)} quality goals for {year} (group → site → post).")

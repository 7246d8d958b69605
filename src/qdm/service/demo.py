"""Demo data of the customer-service platform: a profile for every customer, their PV
projects (the names on the shipments of the production history), a year of complaints —
older ones imported from the legacy CRM, recent ones naming shipped serials with the symptoms
of the PV reference — and one planted cluster: modules laminated with one bad encapsulant lot
from one supplier failing with delamination, which the commonality analysis finds. Before the
production history: an installed base and its field failures (``demo_field``)."""

from __future__ import annotations

import datetime
import random
from bisect import bisect_left, bisect_right
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qdm.core.workflow import transition
from qdm.data.generator import PROJECTS
from qdm.data.models import ModuleModel, Unit, UnitLink
from qdm.service.demo_field import build_field_history
from qdm.service.models import (
    Complaint,
    CustomerProfile,
    CustomerRequirement,
    Project,
    SatisfactionSurvey,
    WarrantyContract,
)
from qdm.service.services.complaints import (
    IntakeRow,
    add_items,
    create_complaint,
    open_customer_8d,
    update_complaint,
)

# customer code → region, segment, language, contact, e-mail, requirements
PROFILES = {
    "CUS-ES1": (
        "EMEA",
        "utility",
        "en",
        "Javier Morales",
        "calidad@iberiasolar.es",
        "Power tolerance 0/+5 W; EL grade A only; Imp sorting in 0.1 A classes.",
    ),
    "CUS-DE1": (
        "EMEA",
        "epc",
        "en",
        "Katrin Vogel",
        "qs@rhein-energie.de",
        "Flash-test report per pallet; EL images on request; PID-resistant BOM.",
    ),
    "CUS-US1": (
        "Americas",
        "utility",
        "en",
        "Megan Ross",
        "quality@desertsun.com",
        "UFLPA documents per shipment; 1500 V system; packaging to ISTA 3E.",
    ),
    "CUS-SA1": (
        "MEA",
        "utility",
        "en",
        "Omar Al-Harbi",
        "qa@alnoor-renewables.sa",
        "Desert-rated glass (sand abrasion); bifaciality ≥ 80 % per datasheet.",
    ),
    "CUS-AU1": (
        "APAC",
        "utility",
        "en",
        "Liam O'Connor",
        "quality@southerncross.com.au",
        "CEC-listed models only; hail test 35 mm report.",
    ),
    "CUS-BR1": (
        "Americas",
        "utility",
        "en",
        "Ana Souza",
        "qualidade@cerrado.com.br",
        "INMETRO certificates per model; labels in Portuguese.",
    ),
    "CUS-IN1": (
        "APAC",
        "utility",
        "en",
        "Rohit Sharma",
        "qa@rajgreen.in",
        "ALMM-listed models; BIS certificates; third-party flash of 0.5 % of modules.",
    ),
    "CUS-CN1": (
        "China",
        "utility",
        "zh-hans",
        "王磊",
        "zhiliang@qhnewenergy.cn",
        "功率正公差 0~+5 W；EL 100 % A 级；每托盘出厂报告。",
    ),
}
# project name → (country, location, MWp, months since commissioning)
PROJECT_FACTS = {
    "Extremadura Solar 300 MW": ("ES", "Badajoz, Extremadura", "300.00", 8),
    "Murcia Agrovoltaica 120 MW": ("ES", "Lorca, Murcia", "120.00", 3),
    "Solarpark Lausitz 150 MW": ("DE", "Cottbus, Brandenburg", "150.00", 6),
    "Agri-PV Niederrhein 40 MW": ("DE", "Kleve, Nordrhein-Westfalen", "40.00", 2),
    "Mojave Flats 250 MW": ("US", "Kern County, California", "250.00", 10),
    "Pecos County Solar 180 MW": ("US", "Fort Stockton, Texas", "180.00", 5),
    "Al Shuaibah PV 600 MW": ("SA", "Makkah Province", "600.00", 12),
    "Sudair Phase 2 300 MW": ("SA", "Riyadh Province", "300.00", 4),
    "Western Downs 200 MW": ("AU", "Chinchilla, Queensland", "200.00", 9),
    "Riverina Solar 90 MW": ("AU", "Darlington Point, NSW", "90.00", 1),
    "Janaúba Fase 4 150 MW": ("BR", "Janaúba, Minas Gerais", "150.00", 7),
    "Pirapora Sul 100 MW": ("BR", "Pirapora, Minas Gerais", "100.00", 2),
    "Bhadla Park IV 300 MW": ("IN", "Jodhpur, Rajasthan", "300.00", 11),
    "Jaisalmer Hybrid 120 MW": ("IN", "Jaisalmer, Rajasthan", "120.00", 3),
    "海南州光伏基地 500 MW": ("CN", "青海省海南州共和县", "500.00", 6),
    "格尔木光储一体化 200 MW": ("CN", "青海省格尔木市", "200.00", 2),
}
# symptom, weight, title, severity, responsibility, modules per complaint (min, max)
BACKGROUND = [
    ("TRANSPORT", 5, "Broken glass and bent frames on arrival", "major", "transport", (3, 14)),
    ("CRACK", 3, "EL at site acceptance shows cracked cells", "major", "manufacturing", (2, 9)),
    ("HOTSPOT", 2, "IR inspection finds hot spots", "major", "unknown", (1, 5)),
    ("JBOX", 2, "Bypass diode open, one substring lost", "critical", "supplier", (1, 4)),
    ("POWER", 2, "Third-party flash below nameplate", "minor", "manufacturing", (2, 8)),
    ("GLASS", 1, "Spontaneous glass breakage after installation", "major", "unknown", (1, 3)),
    ("CONNECTOR", 1, "Connector cross-mating, burnt MC4", "critical", "installation", (1, 2)),
]
LEGACY_TITLES = [
    ("Snail trails visible after first summer", "SNAIL", "minor"),
    ("Backsheet chalking on rear side", "BACKSHEET", "major"),
    ("PID suspected: string power 8 % low", "PID", "critical"),
    ("Frame corrosion at coastal site", "FRAME", "minor"),
    ("Labels missing on two pallets", "TRANSPORT", "minor"),
    ("Power shortfall on flash report", "POWER", "major"),
    ("Junction box lid detached", "JBOX", "major"),
    ("Glass breakage during installation", "GLASS", "minor"),
]
CLUSTER_MODULES = 45


def _profiles_and_projects(ctx: Any) -> dict[str, list[Project]]:
    models = list(ModuleModel.objects.order_by("code")[:4])
    projects: dict[str, list[Project]] = defaultdict(list)
    today = timezone.localdate()
    for code, customer in sorted(ctx.customers.items()):
        region, segment, language, contact, email, req = PROFILES.get(
            code, ("", "utility", "en", "", "", "")
        )
        CustomerProfile.objects.get_or_create(
            customer=customer,
            defaults={
                "region": region,
                "segment": segment,
                "language": language,
                "contact_name": contact,
                "contact_email": email,
                "requirements": req,
            },
        )
        for name in PROJECTS.get(code, []):
            country, location, mwp, months = PROJECT_FACTS[name]
            project, created = Project.objects.get_or_create(
                customer=customer,
                name=name,
                defaults={
                    "country": country,
                    "location": location,
                    "capacity_mwp": Decimal(mwp),
                    "commissioning_date": today - datetime.timedelta(days=30 * months),
                },
            )
            if created and models:
                project.module_models.set(models[: 1 + len(name) % 3])
            projects[code].append(project)
    return projects


def _shipped(customer_ids: set[int]) -> dict[int, list[tuple[int, str, str, Any]]]:
    """customer → (module id, serial, project name, shipped at) of its shipped modules."""
    shipments = {
        sid: (customer, project, at)
        for sid, customer, project, at in Unit.objects.filter(
            kind="shipment", customer_id__in=customer_ids
        ).values_list("id", "customer_id", "project", "produced_at")
    }
    pallet_ship = dict(
        UnitLink.objects.filter(child_id__in=list(shipments)).values_list("parent_id", "child_id")
    )
    pallets = list(pallet_ship)
    module_pallet: dict[int, int] = {}
    for start in range(0, len(pallets), 500):
        module_pallet.update(
            UnitLink.objects.filter(child_id__in=pallets[start : start + 500]).values_list(
                "parent_id", "child_id"
            )
        )
    serials = dict(
        Unit.objects.filter(kind="module").values_list("id", "code").iterator(chunk_size=20_000)
    )
    out: dict[int, list[tuple[int, str, str, Any]]] = defaultdict(list)
    for module, pallet in module_pallet.items():
        if module not in serials:
            continue
        customer, project, at = shipments[pallet_ship[pallet]]
        out[customer].append((module, serials[module], project, at))
    for rows in out.values():
        rows.sort(key=lambda r: r[1])
    return out


def _bad_lot(customer_of: dict[int, int]) -> tuple[Unit, int, list[int]] | None:
    """The encapsulant lot for the planted cluster and the customer it goes to: enough
    modules shipped to one customer and the smallest share of the modules of its lines
    within ±7 days. (The generator advances the front and rear encapsulant lots in lockstep,
    so the lot's twin of the other slot covers the same modules and ties with it in the
    analysis.)"""
    lots = {
        u.pk: u
        for u in Unit.objects.filter(kind="material_lot", material__category__code="ENCAP").exclude(
            supplier=None
        )
    }
    members: dict[int, set[int]] = defaultdict(set)
    for lot_id, module in UnitLink.objects.filter(parent_id__in=list(lots)).values_list(
        "parent_id", "child_id"
    ):
        members[lot_id].add(module)
    modules = {
        pk: (line, at)
        for pk, line, at in Unit.objects.filter(kind="module").values_list(
            "id", "line_id", "produced_at"
        )
    }
    by_line: dict[int, list[Any]] = defaultdict(list)
    for line, at in modules.values():
        by_line[line].append(at)
    for times in by_line.values():
        times.sort()
    margin = datetime.timedelta(days=7)
    best: tuple[float, int, int] | None = None
    for lot_id, mods in members.items():
        per_customer: dict[int, int] = defaultdict(int)
        for m in mods:
            if m in customer_of:
                per_customer[customer_of[m]] += 1
        if not per_customer:
            continue
        customer, shipped = max(per_customer.items(), key=lambda kv: (kv[1], -kv[0]))
        if shipped < CLUSTER_MODULES * 2:
            continue
        times = [modules[m][1] for m in mods]
        lines = {modules[m][0] for m in mods}
        lo, hi = min(times) - margin, max(times) + margin
        window = sum(bisect_right(by_line[ln], hi) - bisect_left(by_line[ln], lo) for ln in lines)
        share = len(mods) / max(window, 1)
        if best is None or share < best[0]:
            best = (share, lot_id, customer)
    if best is None:
        return None
    _share, lot_id, customer = best
    return (
        lots[lot_id],
        customer,
        sorted(m for m in members[lot_id] if customer_of.get(m) == customer),
    )


def _returns(actor: Any, rng: random.Random) -> int:
    """RMAs for a few modules of the triaged recent complaints, re-tested at the lab
    (±1.5 % uncertainty) and decided with their cost."""
    from qdm.data.models import FlashTest
    from qdm.service.models import ComplaintItem
    from qdm.service.services.returns import create_return, update_return

    items = list(
        ComplaintItem.objects.filter(complaint__status__in=["triaged", "investigating", "closed"])
        .exclude(complaint__description__startswith="Imported")
        .select_related("complaint")
        .order_by("complaint__number", "serial")
    )
    factory = dict(
        FlashTest.objects.filter(serial__in=[i.serial for i in items]).values_list(
            "serial", "pmax_w"
        )
    )
    count = 0
    by_complaint: dict[int, list[Any]] = defaultdict(list)
    for item in items:
        by_complaint[item.complaint_id].append(item)
    for complaint_items in by_complaint.values():
        for item in complaint_items[: rng.randint(1, 3)]:
            rma = create_return(actor=actor, item=item, uncertainty_pct=1.5)
            base = factory.get(item.serial, 400.0)
            loss = {"POWER": 0.06, "CRACK": 0.08, "HOTSPOT": 0.05, "JBOX": 0.3}.get(
                item.symptom, 0.01
            )
            update_return(
                rma,
                actor=actor,
                received_on=item.complaint.received_on + datetime.timedelta(days=12),
                retest_pmax_w=round(base * (1 - loss * rng.uniform(0.6, 1.2)), 1),
                retest_el_grade="C" if item.symptom in ("CRACK", "HOTSPOT") else "A",
                visual_findings={
                    "TRANSPORT": "Frame bent at the corner, glass shattered from the edge.",
                    "GLASS": "Glass broken, impact point near the clamp position.",
                    "JBOX": "Bypass diode open; solder joint discoloured.",
                }.get(item.symptom, "No visual defect."),
            )
            rma.refresh_from_db()
            transition(rma, "receive", actor=actor)
            transition(rma, "retest", actor=actor)
            fault = rma.warranty_valid or item.symptom in ("JBOX", "GLASS", "CRACK")
            update_return(
                rma,
                actor=actor,
                decision="replace" if fault else "reject",
                cost=Decimal("158.00") if fault else Decimal("35.00"),
            )
            transition(rma, "decide", actor=actor)
            count += 1
    return count


def _advance(complaint: Complaint, actor: Any, steps: list[str], **fields: Any) -> None:
    for step in steps:
        if step == "8d":
            open_customer_8d(complaint, actor=actor)
            complaint.refresh_from_db()
            transition(complaint, "escalate", actor=actor)
            continue
        if step == "investigate":
            if fields.get("responsibility", "unknown") == "unknown":
                fields["responsibility"] = "manufacturing"
            update_complaint(complaint, actor=actor, **fields)
        if step == "close" and not complaint.resolution:
            update_complaint(
                complaint,
                actor=actor,
                resolution="Modules replaced; root cause confirmed and corrective action verified.",
            )
        transition(complaint, step, actor=actor)
        complaint.refresh_from_db()


@transaction.atomic
def _surveys(ctx: Any) -> int:
    """The last four quarters of the yearly customer survey: one answer per customer and
    quarter (the quality manager of the customer), scores 1–5 and the NPS question."""
    if SatisfactionSurvey.objects.exists():
        return 0
    rng = random.Random(ctx.seed + 77)
    today = timezone.localdate()
    quarters = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(4):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        quarters.append((year, quarter))
    profiles = {p.customer_id: p for p in CustomerProfile.objects.all()}
    rows = []
    for customer in sorted(ctx.customers.values(), key=lambda c: c.code):
        profile = profiles.get(customer.pk)
        base = rng.uniform(3.4, 4.5)  # each customer has its own mood

        def score(shift: float = 0.0, mean: float = base) -> int:
            return max(1, min(5, round(rng.gauss(mean + shift, 0.6))))

        for year, quarter in reversed(quarters):
            rows.append(
                SatisfactionSurvey(
                    customer=customer,
                    period=f"{year}-Q{quarter}",
                    region=profile.region if profile else "",
                    country=(customer.country or "")[:2].upper(),
                    respondent=profile.contact_name if profile else "",
                    answered_on=datetime.date(year, quarter * 3, 25),
                    product_quality=score(),
                    delivery=score(-0.2),
                    complaint_handling=score(-0.4),
                    technical_support=score(0.1),
                    documents=score(-0.1),
                    nps=max(0, min(10, round(rng.gauss(base * 2, 1.3)))),
                )
            )
    SatisfactionSurvey.objects.bulk_create(rows)
    return len(rows)


#: structured customer requirements: customer code → (Imp sorting width A or None, worst
#: EL grade, refused EL defect codes, modules per pallet, EL images, carbon declaration)
REQUIREMENTS = {
    "CUS-ES1": ("0.100", "A", "CRK-B, CRK-C", 36, True, False),
    "CUS-DE1": (None, "B", "CRK-C, DARK", 31, False, True),
}


def _requirements(ctx: Any, projects: dict[str, list[Project]]) -> int:
    """One version per customer (the most recent model's classes, 0/+5 W) and, for the
    first customer, a superseded version 1 and a project-specific one."""
    model = ModuleModel.objects.order_by("-pmax_w").first()
    if model is None or CustomerRequirement.objects.exists():
        return 0
    nominal = int(model.pmax_w) // 5 * 5
    classes = ", ".join(str(nominal + k) for k in (-10, -5, 0, 5, 10))
    today = timezone.localdate()
    year_start = today.replace(month=1, day=1)
    made = 0
    for code, (imp, grade, refused, per_pallet, el_images, carbon) in REQUIREMENTS.items():
        customer = ctx.customers.get(code)
        if customer is None:
            continue
        common = {
            "customer": customer,
            "allowed_classes_w": classes,
            "positive_tolerance_w": Decimal("5"),
            "imp_sorting_required": imp is not None,
            "imp_bin_width_a": Decimal(imp) if imp else None,
            "modules_per_pallet": per_pallet,
            "orientation": "portrait",
            "max_el_grade": grade,
            "refused_defect_codes": refused,
            "deliver_el_images": el_images,
            "deliver_carbon_declaration": carbon,
        }
        first = year_start - datetime.timedelta(days=365)
        v1 = CustomerRequirement(
            **common | {"max_el_grade": "B", "refused_defect_codes": "CRK-C"},
            version=1,
            effective_from=first,
            effective_to=year_start - datetime.timedelta(days=1),
            notes="Superseded by version 2 after the 2025 quality agreement review.",
        )
        v2 = CustomerRequirement(**common, version=2, effective_from=year_start)
        for req in (v1, v2):
            req.full_clean()
            req.save()
            made += 1
        if projects.get(code):
            special = CustomerRequirement(
                **common | {"max_el_grade": "A", "deliver_el_images": True},
                project=projects[code][0],
                version=1,
                effective_from=year_start,
                notes="Bank-financed plant: the lender's engineer checks every EL image.",
            )
            special.full_clean()
            special.save()
            made += 1
    return made


#: warranty contracts: customer code → (reference, product years, power years, first-year
#: loss %, annual loss %, uncertainty %) — n-type 1 %/0.4 %/30 y and a PERC-era 2 %/0.55 %/25 y
CONTRACTS = {
    "CUS-ES1": ("ISP-MSA-2024-07", "15", "30", "1.00", "0.400", "3.00"),
    "CUS-DE1": ("REP-RV-2023-112", "12", "25", "2.00", "0.550", "2.50"),
    "CUS-US1": ("SWE-SPA-2025-03", "12", "30", "1.00", "0.400", "3.00"),
}


def _contracts(ctx: Any) -> int:
    if WarrantyContract.objects.exists():
        return 0
    start = timezone.localdate().replace(month=1, day=1) - datetime.timedelta(days=3 * 365)
    made = 0
    for code, (ref, product, power, first, annual, unc) in CONTRACTS.items():
        customer = ctx.customers.get(code)
        if customer is None:
            continue
        contract = WarrantyContract(
            customer=customer,
            reference=ref,
            effective_from=start,
            product_years=Decimal(product),
            power_years=Decimal(power),
            first_year_loss_pct=Decimal(first),
            annual_loss_pct=Decimal(annual),
            uncertainty_pct=Decimal(unc),
        )
        contract.full_clean()
        contract.save()
        made += 1
    return made


def _field_history(ctx: Any, actor: Any, project_of: dict[tuple[int, str], Project]) -> None:
    line = build_field_history(ctx, actor, project_of)
    if line:
        ctx.log.append(line)


def build(ctx: Any) -> dict[str, int]:
    projects = _profiles_and_projects(ctx)
    requirements = _requirements(ctx, projects)
    contracts = _contracts(ctx)
    if contracts:
        ctx.log.append(f"{contracts} warranty contracts")
    if requirements:
        ctx.log.append(f"{requirements} customer requirement versions")
    surveys = _surveys(ctx)
    if surveys:
        ctx.log.append(f"{surveys} satisfaction surveys (four quarters per customer)")
    if Complaint.objects.exists():
        ctx.log.append("complaints already present: service demo skipped")
        return {}
    rng = random.Random(ctx.seed + 76)
    actor = ctx.users.get("cse") or ctx.users["admin"]
    today = timezone.localdate()
    by_id = {c.pk: c for c in ctx.customers.values()}
    project_of = {(p.customer_id, p.name): p for ps in projects.values() for p in ps}

    # legacy complaints of the past year (before the production history in QDM)
    legacy = 0
    for week in range(2, 52, 2):
        customer = by_id[rng.choice(sorted(by_id))]
        title, symptom, severity = rng.choice(LEGACY_TITLES)
        received = today - datetime.timedelta(days=7 * week + rng.randint(0, 6))
        complaint = create_complaint(
            actor=actor,
            customer=customer,
            project=rng.choice(projects[customer.code]) if projects[customer.code] else None,
            title=title,
            description=f"Imported from the legacy CRM ({symptom}); serials in the CRM record.",
            received_on=received,
            severity=severity,
            responsibility=rng.choice(["manufacturing", "supplier", "transport", "installation"]),
            resolution="Closed in the legacy CRM: modules replaced or claim settled.",
        )
        closed = timezone.make_aware(
            datetime.datetime.combine(
                received + datetime.timedelta(days=rng.randint(6, 40)), datetime.time(10, 0)
            )
        )
        Complaint.objects.filter(pk=complaint.pk).update(status="closed", closed_at=closed)
        legacy += 1

    shipped = _shipped(set(by_id))
    if not shipped:
        ctx.log.append(f"{legacy} legacy complaints; no shipments: no serial complaints")
        _field_history(ctx, actor, project_of)
        return {"complaints": legacy}
    recent = 0
    # background complaints across customers
    used: set[int] = set()
    weights = [b[1] for b in BACKGROUND]
    for n in range(14):
        customer_id = rng.choice(sorted(shipped))
        symptom, _w, title, severity, responsibility, (lo, hi) = rng.choices(BACKGROUND, weights)[0]
        pool = [m for m in shipped[customer_id] if m[0] not in used]
        if symptom == "TRANSPORT":  # a few neighbours of one pallet
            start = rng.randrange(max(1, len(pool) - hi))
            chosen = pool[start : start + rng.randint(lo, hi)]
        else:
            chosen = rng.sample(pool, min(len(pool), rng.randint(lo, hi)))
        if not chosen:
            continue
        used.update(m[0] for m in chosen)
        age = min(30, n * 2 + rng.randint(0, 3))
        complaint = create_complaint(
            actor=actor,
            customer=by_id[customer_id],
            project=project_of.get((customer_id, chosen[0][2])),
            title=title,
            description=f"{title}: {len(chosen)} modules reported by the site team.",
            received_on=today - datetime.timedelta(days=age),
            severity=severity,
        )
        add_items(
            complaint, [IntakeRow(i, m[1], symptom) for i, m in enumerate(chosen, 1)], actor=actor
        )
        steps = [[], ["triage"], ["triage", "investigate"], ["triage", "investigate", "close"]][
            n % 4
        ]
        if symptom == "POWER" and n % 4 == 1:
            steps = ["reject"]
        _advance(complaint, actor, steps, responsibility=responsibility)
        recent += 1

    returns = _returns(actor, rng)

    # the planted cluster: one encapsulant lot of one supplier, delamination
    customer_of = {m[0]: c for c, rows in shipped.items() for m in rows if m[0] not in used}
    cluster = _bad_lot(customer_of)
    clustered = 0
    if cluster is not None:
        lot, customer_id, modules = cluster
        chosen_ids = set(rng.sample(modules, CLUSTER_MODULES))
        rows = [m for m in shipped[customer_id] if m[0] in chosen_ids]
        complaint = create_complaint(
            actor=actor,
            customer=by_id[customer_id],
            project=project_of.get((customer_id, rows[0][2])),
            title="Delamination and bubbles along cell edges",
            description=(
                "Visual inspection after the first hot weeks: delamination starting at the "
                f"cell edges on {len(rows)} modules, bubbles near the busbars; moisture "
                "ingress feared."
            ),
            received_on=today - datetime.timedelta(days=2),
            severity="critical",
        )
        add_items(
            complaint,
            [IntakeRow(i, m[1], "DELAM", "bubbles at cell edge") for i, m in enumerate(rows, 1)],
            actor=actor,
        )
        _advance(complaint, actor, ["triage", "investigate", "8d"], responsibility="supplier")
        clustered = 1
        supplier_code = lot.supplier.code if lot.supplier is not None else "?"
        ctx.log.append(
            f"planted cluster: {complaint.number}, {len(rows)} modules of encapsulant lot "
            f"{lot.code} ({supplier_code}) with delamination"
        )
    # after the recent complaints, so they draw from the production history alone
    _field_history(ctx, actor, project_of)
    ctx.log.append(
        f"{len(PROFILES)} customer profiles, {sum(len(p) for p in projects.values())} projects, "
        f"{legacy} legacy and {recent + clustered} recent complaints, {returns} returned "
        "modules re-tested and decided"
    )
    return {"complaints": legacy + recent + clustered}

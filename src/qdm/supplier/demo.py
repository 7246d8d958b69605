"""Demo of the supplier quality platform: profiles with e-signed approvals, plants,
contacts, the approved supplier list and certificates for a supplier of every material
category; three months of receipts judged at IQC under ISO 2859-1 switching (lot rejection
about 2-3 %, Vietnam Solar Glass on tightened inspection), SCARs in every response state,
scorecards, origin declarations and portal users (password ``DEMO_PASSWORD``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from qdm.core.demo import DEMO_PASSWORD, SUPPLIERS
from qdm.core.models import Grant, Supplier, User
from qdm.core.workflow import transition
from qdm.data.models import Characteristic, Material, MaterialCategory
from qdm.data.seeds import CATEGORY_OF_SUPPLIER
from qdm.manufacturing import selectors as iqc
from qdm.supplier.models import (
    ApprovedMaterial,
    Certificate,
    Receipt,
    ScarRequest,
    SupplierContact,
    SupplierPlant,
    SupplierProfile,
    SwitchingState,
)
from qdm.supplier.services import receipts as receipt_service
from qdm.supplier.services import scar as scar_service
from qdm.supplier.services.scorecards import compute_month

# suppliers the kernel demo does not make at small scale: cells, sealant, packaging, and a
# glass maker under qualification (candidate)
EXTRA_SUPPLIERS = [
    ("SUP-CEL1", "盐城晶辉电池科技有限公司", "Yancheng Jinghui Cell Technology Co.", "CN", "cell"),
    *[s for s in SUPPLIERS if s[0] in ("SUP-SIL1", "SUP-PKG1")],
    ("SUP-GLS3", "河南新晶光伏玻璃有限公司", "Henan Xinjing PV Glass Co.", "CN", "glass"),
]
CANDIDATES = {"SUP-GLS3"}
CONDITIONAL = {"SUP-FRM1": "Anodising thickness capability Cpk 1.12 < 1.33; 100 % check"}

# plant per supplier: name, city, products (most suppliers have one listed plant)
PLANTS = {
    "SUP-POLY1": ("石河子多晶硅工厂", "Shihezi", "改良西门子法致密料"),
    "SUP-POLY2": ("包头多晶硅二期", "Baotou", "N 型致密料, 颗粒硅"),
    "SUP-WAF1": ("银川切片工厂", "Yinchuan", "M10 / G12R N 型硅片"),
    "SUP-GLS1": ("滁州光伏玻璃基地", "Chuzhou", "3.2 / 2.0 mm 镀膜钢化玻璃"),
    "SUP-GLS2": ("Hai Phong glass plant", "Hai Phong", "3.2 mm AR tempered glass"),
    "SUP-EVA1": ("杭州胶膜工厂", "Hangzhou", "EVA / EPE 胶膜"),
    "SUP-FRM1": ("常州铝型材厂", "Changzhou", "6063-T5 边框"),
    "SUP-JB1": ("嘉兴接线盒工厂", "Jiaxing", "IP68 接线盒"),
}
CONTACTS = [("质量经理", "quality"), ("客户质量工程师", "cqe")]

# ISO 2859-1 IQC attribute check per category: characteristic code suffix, zh, en, method
CHECKS = {
    "POLY": ("外观与包装", "Appearance and packing", "Visual: oxidation, foreign matter, bag seal"),
    "WAFER": ("崩边与隐裂", "Chips and micro-cracks", "Wafer inspection station, 100 % image"),
    "CELL": ("外观与 EL", "Appearance and EL", "EL and visual under 1000 lx"),
    "GLASS": ("外观缺陷", "Visual defects", "Visual under 1000 lx: scratches, bubbles, edge chips"),
    "ENCAP": ("外观与克重", "Appearance and grammage", "Visual and grammage per roll"),
    "BACKSHEET": ("外观与分层", "Appearance and delamination", "Visual, peel test strip"),
    "FRAME": ("尺寸与氧化膜", "Dimensions and anodising", "Gauge and eddy-current film"),
    "JBOX": ("外观与二极管", "Appearance and diodes", "Visual and diode forward voltage"),
    "RIBBON": ("外观与尺寸", "Appearance and dimensions", "Micrometer and visual"),
    "PASTE": ("粘度与外观", "Viscosity and appearance", "Brookfield viscosity, visual"),
    "SEALANT": ("外观与固化", "Appearance and curing", "Visual, tack-free time"),
    "PACKAGING": ("尺寸与强度", "Dimensions and strength", "Tape measure, ECT"),
}
# lot sizes (material unit) per category: code letters G-J at level II (n = 32-80)
LOT_SIZES = {
    "POLY": (400, 1000),
    "WAFER": (600, 1200),
    "CELL": (800, 1200),
    "GLASS": (720, 1080),
    "ENCAP": (300, 900),
    "BACKSHEET": (300, 900),
    "FRAME": (500, 1000),
    "JBOX": (600, 1200),
    "RIBBON": (300, 800),
    "PASTE": (200, 500),
    "SEALANT": (200, 600),
    "PACKAGING": (150, 500),
}
#: rear glass, so that manufacturing's demo keeps the front-glass lots for its own IQC story
DEMO_MATERIAL = {"GLASS": "GLS-RR-2.0"}
LOTS_PER_SUPPLIER = 12
DAYS = 95
# (supplier, lot index) rejected on purpose: the switching story and SCARs in every state
FORCED = {("SUP-GLS2", 8): "accepted", ("SUP-GLS2", 10): "awaiting", ("SUP-EVA1", 5): "submitted"}
FORCED[("SUP-FRM1", 6)] = "returned"
RANDOM_REJECTION = 0.01
POLY_ORIGINS = {
    "SUP-POLY1": ("西部晶源多晶硅有限公司", "石河子工厂"),
    "SUP-POLY2": ("内蒙古光硅材料有限公司", "包头二期"),
}


def _suppliers(ctx: Any) -> dict[str, tuple[Supplier, str]]:
    found = {code: (s, ctx.supplier_categories.get(code, "")) for code, s in ctx.suppliers.items()}
    for code, name, name_en, country, category in EXTRA_SUPPLIERS:
        supplier, _ = Supplier.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "country": country}
        )
        found[code] = (supplier, category)
    return found


def _category(word: str) -> MaterialCategory | None:
    code = CATEGORY_OF_SUPPLIER.get(word)
    return MaterialCategory.objects.filter(code=code).first() if code else None


def _master(ctx: Any, code: str, supplier: Supplier, category: MaterialCategory) -> Any:
    sqe = ctx.users["sqe"]
    profile, created = SupplierProfile.objects.get_or_create(
        supplier=supplier, defaults={"sqe": sqe, "website": f"https://www.{code.lower()}.example"}
    )
    profile.categories.add(category)
    if created and code not in CANDIDATES:
        action = "approve_conditionally" if code in CONDITIONAL else "approve"
        transition(
            profile,
            action,
            actor=sqe,
            password=DEMO_PASSWORD,
            reason=CONDITIONAL.get(code, "Qualification audit passed, PPAP approved"),
        )
    zh, city, products = PLANTS.get(code, (f"{supplier.name}工厂", "", category.name))
    plant, _ = SupplierPlant.objects.get_or_create(
        supplier=supplier,
        name=zh,
        defaults={"country": supplier.country, "city": city, "products": products},
    )
    for function, key in CONTACTS:
        SupplierContact.objects.get_or_create(
            supplier=supplier,
            name=f"{supplier.name_en.split()[0]} {function}",
            defaults={
                "function": function,
                "email": f"{key}@{code.lower()}.example",
                "primary": key == "quality",
            },
        )
    material = (
        Material.objects.filter(code=DEMO_MATERIAL.get(category.code, "")).first()
        or Material.objects.filter(category=category).order_by("code").first()
    )
    if material is not None and code not in CANDIDATES:
        ApprovedMaterial.objects.get_or_create(
            supplier=supplier,
            material=material,
            customer=None,
            defaults={
                "plant": plant,
                "status": "conditional" if code in CONDITIONAL else "approved",
            },
        )
    today = timezone.localdate()
    certificates = [("iso9001", f"{code}-QMS", "CQC", today + datetime.timedelta(days=540))]
    if code == "SUP-BS1":  # renewal due: reminder at 60 and 30 days
        certificates = [("iso9001", f"{code}-QMS", "SGS", today + datetime.timedelta(days=40))]
    if code == "SUP-POLY2":
        certificates.append(("iso14001", f"{code}-EMS", "BV", today - datetime.timedelta(days=12)))
    if code == "SUP-FRM1":
        certificates.append(
            ("iatf16949", f"{code}-IATF", "TÜV SÜD", today + datetime.timedelta(days=700))
        )
    if code == "SUP-JB1":
        certificates.append(("ul", "E485961", "UL", today + datetime.timedelta(days=900)))
        certificates.append(
            ("tuv", "R 50512345", "TÜV Rheinland", today + datetime.timedelta(days=800))
        )
    for kind, number, issuer, until in certificates:
        Certificate.objects.get_or_create(
            supplier=supplier,
            number=number,
            defaults={
                "kind": kind,
                "issuer": issuer,
                "plant": plant,
                "valid_from": until - datetime.timedelta(days=3 * 365),
                "valid_until": until,
                "uploaded_by": sqe,
            },
        )
    return material


def _check(category: MaterialCategory) -> Characteristic:
    zh, en, method = CHECKS.get(category.code, ("外观", "Appearance", "Visual"))
    char, _ = Characteristic.objects.get_or_create(
        code=f"IQC-{category.code[:6]}-VIS",
        defaults={
            "name": f"{category.name}{zh}",
            "name_en": f"{category.name_en}: {en.lower()}",
            "kind": "product",
            "stage": "wafer" if category.code in ("POLY",) else "module",
            "data_type": "attribute",
            "method": method,
        },
    )
    return char


def build(ctx: Any) -> None:
    sites = ctx.sites
    if "JX1" not in sites:
        return
    sqe = ctx.users["sqe"]
    suppliers = _suppliers(ctx)
    materials: dict[str, tuple[Supplier, Material, MaterialCategory]] = {}
    for code, (supplier, word) in suppliers.items():
        category = _category(word)
        if category is None:
            continue
        material = _master(ctx, code, supplier, category)
        if material is not None and code not in CANDIDATES:
            materials[code] = (supplier, material, category)
    _portal_users(ctx, suppliers)
    if Receipt.objects.exists():
        ctx.log.append("supplier demo: receipts already present")
        return
    rng = ctx.rng
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    receiver = ctx.users["qe.jx1"]
    made = rejected = 0
    for code, (supplier, material, category) in sorted(materials.items()):
        site = sites["VN1"] if code == "SUP-GLS2" and "VN1" in sites else sites["JX1"]
        iqc.ensure_iqc_plan(
            actor=ctx.users["cqo"],  # plans are released by quality management
            password=DEMO_PASSWORD,
            code=f"IQC-SQ-{material.code}-{site.code}"[:40],
            name=f"IQC {material.name_en}",
            site=site,
            material=material,
            characteristic=_check(category),
            method=CHECKS.get(category.code, ("", "", "Visual"))[2],
        )
        low, high = LOT_SIZES.get(category.code, (300, 900))
        for index in range(1, LOTS_PER_SUPPLIER + 1):
            days_ago = DAYS - index * (DAYS // LOTS_PER_SUPPLIER) + rng.randint(0, 3)
            when = now - datetime.timedelta(days=max(days_ago, 1), hours=rng.randint(0, 10))
            receipt = receipt_service.receive_material(
                actor=receiver,
                site=site,
                supplier=supplier,
                material=material,
                supplier_lot=f"{code[4:]}-{when:%y%m%d}-{index:02d}",
                purchase_order=f"PO-{site.code}-{4500120000 + made}",
                quantity=Decimal(rng.randrange(low, high, 10)),
                received_at=when,
            )
            forced = FORCED.get((code, index))
            reject = forced is not None or rng.random() < RANDOM_REJECTION
            ac = receipt.accept_number or 0
            if reject:
                bad = (receipt.reject_number or ac + 1) + rng.randint(0, 1)
            else:
                bad = rng.choice([0, 0, 0, 0, ac]) if ac else 0
            inspector = ctx.users.get("inspector.vn1") if site.code == "VN1" else receiver
            receipt = _inspect(receipt, bad, inspector or receiver)
            made += 1
            if receipt.status == "rejected":
                rejected += 1
                if forced:
                    _scar_story(ctx, receipt, forced)
            if material.category.code in ("POLY", "WAFER") and index % 3 != 0:
                producer, plant = POLY_ORIGINS.get(code, ("西部晶源多晶硅有限公司", "石河子工厂"))
                portal = User.objects.filter(grants__supplier=supplier).first() or sqe
                receipt_service.declare_origin(
                    receipt,
                    actor=portal if portal.has_perm("supplier.change_receipt", receipt) else sqe,
                    producer=producer,
                    plant=plant,
                    lot=f"PS-{when:%y%m}-{rng.randint(100, 999)}",
                )
    from qdm.supplier.demo_audit import build_supplier_audit

    build_supplier_audit(ctx)  # before the scorecards, which weigh its score
    months = sorted(
        {(now - datetime.timedelta(days=d)).date().replace(day=1) for d in (35, 65, 95)}
    )
    cards = [card for month in months for card in compute_month(month)]
    tightened = SwitchingState.objects.filter(severity="tightened").count()
    ctx.log.append(
        f"supplier demo: {len(suppliers)} suppliers, {made} receipts ({rejected} rejected), "
        f"{ScarRequest.objects.count()} SCARs, {len(cards)} scorecards, {tightened} on tightened"
    )


def _inspect(receipt: Receipt, bad: int, actor: Any) -> Receipt:
    """Record the sample (the first ``bad`` items failing) and judge the lot; the verdict
    listener is called directly too, so the story holds inside an outer transaction."""
    lot = receipt.inspection_lot
    assert lot is not None  # every demo receipt needs incoming inspection
    line = iqc.iqc_sampling_line(lot.plan)
    rows = [
        {
            "characteristic": line.characteristic.code,
            "sample": i,
            "result": "fail" if i <= bad else "ok",
        }
        for i in range(1, (receipt.sample_size or 1) + 1)
    ]
    iqc.record_results(lot, rows, actor=actor)
    transition(lot, "complete", actor=actor)
    lot.refresh_from_db()
    receipt_service.lot_judged(lot)
    receipt.refresh_from_db()
    return receipt


def _portal_users(ctx: Any, suppliers: dict[str, tuple[Supplier, str]]) -> None:
    role = Group.objects.get(name="supplier_user")
    for username, code, first, last in (
        ("supplier.gls2", "SUP-GLS2", "Thi Lan", "Pham"),
        ("supplier.waf1", "SUP-WAF1", "Jun", "Ma"),
        ("supplier.eva1", "SUP-EVA1", "Yu", "Gao"),
    ):
        if code not in suppliers:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@{code.lower()}.example",
                language="en" if code == "SUP-GLS2" else "zh-hans",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        Grant.objects.get_or_create(user=user, role=role, supplier=suppliers[code][0])


def _scar_story(ctx: Any, receipt: Receipt, state: str) -> None:
    sqe = ctx.users["sqe"]
    scar = scar_service.raise_scar_for_receipt(receipt, actor=sqe)
    if state == "awaiting":
        return
    answerer = User.objects.filter(grants__supplier=receipt.supplier).first() or sqe
    answers = {
        "containment": "Sorted all stock at our warehouse and in transit: 3 200 pcs, 41 "
        "rejected and quarantined; replacement lot shipped by air.",
        "root_cause": "Worn conveyor rollers scratched the surface after tempering; the "
        "weekly roller check was not in the TPM plan.",
        "category": "machine",
        "corrective": "Rollers replaced on lines 2 and 3; roller wear added to weekly TPM "
        "with a 0.3 mm limit.",
        "preventive": "PFMEA and control plan updated; same check rolled out to all lines.",
    }
    scar = scar_service.answer_scar(
        scar, actor=answerer, whys=("scratches", "roller worn"), **answers
    )
    if state == "returned":
        scar_service.review_scar(
            scar, actor=sqe, accept=False, comment="Add the TPM record and sorting results by lot."
        )
    elif state == "accepted":
        scar_service.review_scar(
            scar,
            actor=sqe,
            accept=True,
            password=DEMO_PASSWORD,
            reason="Containment effective, corrective action verified on 3 lots",
        )

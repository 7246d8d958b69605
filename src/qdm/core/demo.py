"""Demo data for the kernel: a PV group with bases in China, Vietnam and the USA, their
workshops, lines and stations, suppliers per material category, customers, and a user for
every role. Deterministic for a seed; running it again changes nothing.

Platforms extend the demo with a ``demo.py`` exposing ``build(context)``; ``qdm demo`` calls
them in platform order after the kernel.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from qdm.core.choices import ChannelKind, ProcessStage
from qdm.core.models import (
    BusinessUnit,
    Customer,
    Enterprise,
    Grant,
    Line,
    NotificationChannel,
    Site,
    Station,
    Supplier,
    User,
    Workshop,
)

DEMO_PASSWORD = "qdm-demo-2026"

W, C, M = ProcessStage.WAFER, ProcessStage.CELL, ProcessStage.MODULE

# code, name (zh), name_en, business unit, country, timezone, stages, module GW, scales
SITES = [
    (
        "JX1",
        "上饶一体化基地",
        "Shangrao integrated base",
        "CN-MFG",
        "CN",
        "Asia/Shanghai",
        [W, C, M],
        "20.00",
        ("small", "medium"),
    ),
    (
        "ZJ1",
        "海宁电池组件基地",
        "Haining cell and module base",
        "CN-MFG",
        "CN",
        "Asia/Shanghai",
        [C, M],
        "12.00",
        ("small", "medium"),
    ),
    (
        "VN1",
        "越南广宁组件基地",
        "Quang Ninh module base",
        "OVERSEAS",
        "VN",
        "Asia/Ho_Chi_Minh",
        [M],
        "7.00",
        ("small", "medium"),
    ),
    (
        "US1",
        "美国杰克逊维尔组件基地",
        "Jacksonville module base",
        "OVERSEAS",
        "US",
        "America/New_York",
        [M],
        "2.00",
        ("small", "medium"),
    ),
    (
        "QH1",
        "西宁拉晶切片基地",
        "Xining ingot and wafer base",
        "CN-MFG",
        "CN",
        "Asia/Shanghai",
        [W],
        None,
        ("medium",),
    ),
    (
        "MY1",
        "马来西亚槟城电池组件基地",
        "Penang cell and module base",
        "OVERSEAS",
        "MY",
        "Asia/Kuala_Lumpur",
        [C, M],
        "4.00",
        ("medium",),
    ),
]

STAGE_NAMES = {
    W: ("拉晶切片车间", "Ingot and wafer workshop"),
    C: ("电池车间", "Cell workshop"),
    M: ("组件车间", "Module workshop"),
}

# station code suffix, zh, en — the control points of pv-reference §1.2-1.4
STATIONS = {
    W: [
        ("CZ", "单晶炉", "Cz crystal puller"),
        ("SAW", "金刚线切片机", "Diamond-wire saw"),
        ("SRT", "硅片分选机", "Wafer sorter"),
    ],
    C: [
        ("TEX", "制绒", "Texturing"),
        ("DIF", "硼扩散", "Boron diffusion"),
        ("PEC", "PECVD 钝化镀膜", "PECVD passivation"),
        ("PRT", "丝网印刷", "Screen printing"),
        ("FIR", "烧结/LECO", "Firing and LECO"),
        ("SRT", "IV/EL 分选机", "IV and EL sorter"),
    ],
    M: [
        ("STR", "串焊机", "Stringer"),
        ("EL1", "层前 EL", "Pre-lamination EL"),
        ("LAM", "层压机", "Laminator"),
        ("FRM", "装框机", "Framing"),
        ("IV", "IV 闪测仪", "IV flash tester"),
        ("EL2", "层后 EL", "Post-lamination EL"),
        ("HIP", "耐压测试", "Hi-pot tester"),
    ],
}

# code, zh, en, country, material category
SUPPLIERS = [
    (
        "SUP-POLY1",
        "西部晶源多晶硅有限公司",
        "Western Jingyuan Polysilicon Co.",
        "CN",
        "polysilicon",
    ),
    (
        "SUP-POLY2",
        "内蒙古光硅材料有限公司",
        "Inner Mongolia Guanggui Materials Co.",
        "CN",
        "polysilicon",
    ),
    ("SUP-WAF1", "宁夏晶片科技有限公司", "Ningxia Wafer Technology Co.", "CN", "wafer"),
    ("SUP-GLS1", "安徽光明光伏玻璃有限公司", "Anhui Guangming PV Glass Co.", "CN", "glass"),
    ("SUP-GLS2", "越南太阳玻璃有限公司", "Vietnam Solar Glass Co.", "VN", "glass"),
    ("SUP-EVA1", "杭州新膜材料有限公司", "Hangzhou Xinmo Film Materials Co.", "CN", "encapsulant"),
    (
        "SUP-POE1",
        "常州封装材料有限公司",
        "Changzhou Encapsulation Materials Co.",
        "CN",
        "encapsulant",
    ),
    ("SUP-BS1", "苏州背板科技有限公司", "Suzhou Backsheet Technology Co.", "CN", "backsheet"),
    ("SUP-FRM1", "江苏铝材型材有限公司", "Jiangsu Aluminium Profiles Co.", "CN", "frame"),
    (
        "SUP-JB1",
        "浙江接线盒电子有限公司",
        "Zhejiang Junction Box Electronics Co.",
        "CN",
        "junction box",
    ),
    ("SUP-RIB1", "无锡焊带有限公司", "Wuxi Ribbon Co.", "CN", "ribbon"),
    (
        "SUP-AG1",
        "上海银浆新材料有限公司",
        "Shanghai Silver Paste Materials Co.",
        "CN",
        "silver paste",
    ),
    ("SUP-SIL1", "广州硅胶有限公司", "Guangzhou Silicone Sealant Co.", "CN", "sealant"),
    ("SUP-FRM2", "Penang Aluminium Sdn. Bhd.", "Penang Aluminium Sdn. Bhd.", "MY", "frame"),
    ("SUP-PKG1", "Florida Pallet & Crate LLC", "Florida Pallet & Crate LLC", "US", "packaging"),
]

CUSTOMERS = [
    ("CUS-ES1", "伊比利亚光伏电站公司", "Iberia Solar Parks S.L.", "ES"),
    ("CUS-DE1", "莱茵能源项目公司", "Rhein Energie Projekt GmbH", "DE"),
    ("CUS-US1", "沙漠阳光开发公司", "Desert Sun Developers LLC", "US"),
    ("CUS-SA1", "努尔可再生能源公司", "Al Noor Renewables Co.", "SA"),
    ("CUS-AU1", "南十字星太阳能公司", "Southern Cross Solar Pty Ltd", "AU"),
    ("CUS-BR1", "塞拉多太阳能公司", "Cerrado Energia Solar Ltda.", "BR"),
    ("CUS-IN1", "拉贾斯坦绿色电力公司", "Rajasthan Green Power Pvt Ltd", "IN"),
    ("CUS-CN1", "青海新能源发电有限公司", "Qinghai New Energy Power Co.", "CN"),
]

# username, first name, last name, role, scope kind, scope code, email
USERS = [
    ("admin", "Lin", "Admin", "administrator", None, None),
    ("cqo", "Wei", "Zhang", "chief_quality_officer", None, None),
    ("sqm.jx1", "Fang", "Li", "site_quality_manager", "site", "JX1"),
    ("qe.jx1", "Hao", "Wang", "quality_engineer", "site", "JX1"),
    ("qe.zj1", "Jing", "Chen", "quality_engineer", "site", "ZJ1"),
    ("inspector.vn1", "Minh", "Nguyen", "inspector", "site", "VN1"),
    ("sqe", "Lei", "Zhao", "supplier_quality_engineer", None, None),
    ("supplier.gls1", "Qiang", "Sun", "supplier_user", "supplier", "SUP-GLS1"),
    ("customer.es1", "Lucía", "García", "customer_user", "customer", "CUS-ES1"),
    ("cse", "Mei", "Huang", "customer_service_engineer", None, None),
    ("design", "Tao", "Xu", "design_engineer", None, None),
    ("auditor", "Yan", "Liu", "auditor", None, None),
    ("carbon", "Ning", "Zhou", "carbon_analyst", None, None),
    ("viewer.us1", "Emily", "Carter", "viewer", "site", "US1"),
]


@dataclass
class DemoContext:
    """What the kernel's demo made, for the platforms' demo steps to build on."""

    scale: str
    seed: int
    rng: random.Random
    sites: dict[str, Site] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    supplier_categories: dict[str, str] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


#: units per line and day: wafers, cells, modules (~5 000 modules per module line and day)
CAPACITY_PER_DAY: dict[str, int] = {W: 120_000, C: 110_000, M: 5_500}
LINES: dict[str, dict[str, int]] = {"small": {W: 2, C: 2, M: 3}, "medium": {W: 4, C: 6, M: 8}}


def lines_per_workshop(scale: str, stage: str) -> int:
    return LINES[scale][stage]


@transaction.atomic
def build_kernel(scale: str = "small", seed: int = 2026) -> DemoContext:
    """Create (or find) the kernel's demo records."""
    if scale not in ("small", "medium"):
        raise ValueError(f"unknown scale {scale!r}: use small or medium")
    ctx = DemoContext(scale=scale, seed=seed, rng=random.Random(seed))
    enterprise, _ = Enterprise.objects.get_or_create(
        code="SUNRISE", defaults={"name": "晨曦光能集团", "name_en": "Sunrise PV Group"}
    )
    units = {
        "CN-MFG": BusinessUnit.objects.get_or_create(
            code="CN-MFG",
            defaults={
                "name": "中国制造事业部",
                "name_en": "China manufacturing",
                "enterprise": enterprise,
            },
        )[0],
        "OVERSEAS": BusinessUnit.objects.get_or_create(
            code="OVERSEAS",
            defaults={
                "name": "海外制造事业部",
                "name_en": "Overseas manufacturing",
                "enterprise": enterprise,
            },
        )[0],
    }
    for code, name, name_en, unit, country, tz, stages, gw, scales in SITES:
        if scale not in scales:
            continue
        site, _ = Site.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "business_unit": units[unit],
                "country": country,
                "timezone": tz,
                "stages": list(stages),
                "capacity_gw": Decimal(gw) if gw else None,
            },
        )
        ctx.sites[code] = site
        for stage in stages:
            zh, en = STAGE_NAMES[stage]
            workshop, _ = Workshop.objects.get_or_create(
                code=f"{code}-{stage[0].upper()}",
                defaults={
                    "name": f"{name[:2]}{zh}",
                    "name_en": f"{code} {en}",
                    "site": site,
                    "stage": stage,
                },
            )
            for n in range(1, lines_per_workshop(scale, stage) + 1):
                line, _ = Line.objects.get_or_create(
                    code=f"{workshop.code}{n:02d}",
                    defaults={
                        "name": f"{zh[:-2]}{n}线",
                        "name_en": f"{en.split(' workshop')[0]} line {n}",
                        "workshop": workshop,
                        "capacity_per_day": CAPACITY_PER_DAY[stage],
                    },
                )
                ctx.lines.append(line)
                for suffix, s_zh, s_en in STATIONS[stage]:
                    Station.objects.get_or_create(
                        code=f"{line.code}-{suffix}",
                        defaults={
                            "name": f"{n}线{s_zh}",
                            "name_en": f"Line {n} {s_en}",
                            "line": line,
                            "equipment_id": f"{suffix}-{ctx.rng.randint(1000, 9999)}",
                        },
                    )
    supplier_count = len(SUPPLIERS) if scale == "medium" else 12
    for code, name, name_en, country, category in SUPPLIERS[:supplier_count]:
        ctx.suppliers[code] = Supplier.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "country": country}
        )[0]
        ctx.supplier_categories[code] = category
    for code, name, name_en, country in CUSTOMERS:
        ctx.customers[code] = Customer.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "country": country}
        )[0]
    for username, first, last, role, kind, scope_code in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@sunrise-pv.example",
                language="zh-hans"
                if role in {"chief_quality_officer", "site_quality_manager"}
                else "en",
                is_staff=role == "administrator",
                is_superuser=False,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        ctx.users[username] = user
        scope: dict[str, Any] = {"site": None, "supplier": None, "customer": None}
        if kind is not None and scope_code is not None:
            registry: dict[str, Any] = {
                "site": ctx.sites,
                "supplier": ctx.suppliers,
                "customer": ctx.customers,
            }
            scope[kind] = registry[kind][scope_code]
        Grant.objects.get_or_create(user=user, role=Group.objects.get(name=role), **scope)
    # a JX1 engineer also covers the ZJ1 cell line ramp-up: two site grants
    Grant.objects.get_or_create(
        user=ctx.users["sqm.jx1"], role=Group.objects.get(name="viewer"), site=ctx.sites["ZJ1"]
    )
    NotificationChannel.objects.get_or_create(
        name="JX1 质量群 (企业微信)",
        defaults={
            "kind": ChannelKind.WECOM,
            "site": ctx.sites["JX1"],
            "active": False,
            "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=REPLACE-ME",
        },
    )
    NotificationChannel.objects.get_or_create(
        name="Group quality mailbox",
        defaults={
            "kind": ChannelKind.EMAIL,
            "email_to": "quality@sunrise-pv.example",
            "active": True,
        },
    )
    ctx.log.append(
        f"{len(ctx.sites)} sites, {len(ctx.lines)} lines, {len(ctx.suppliers)} "
        f"suppliers, {len(ctx.customers)} customers, {len(ctx.users)} users"
    )
    return ctx

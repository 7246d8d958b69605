"""Test personas (DESIGN §8): a site-A engineer, a site-B engineer, a group-level CQO, a user
of supplier X, an outsider — and the small organisation they work in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group

from qdm.core.models import (
    BusinessUnit,
    Customer,
    Enterprise,
    Grant,
    Line,
    Site,
    Station,
    Supplier,
    User,
    Workshop,
)

PASSWORD = "correct horse battery staple"
PERSONAS = ("eng_a", "eng_b", "cqo", "supplier_x", "outsider")


@dataclass
class World:
    site_a: Site
    site_b: Site
    workshop_a: Workshop
    workshop_b: Workshop
    line_a: Line
    line_b: Line
    supplier_x: Supplier
    supplier_y: Supplier
    customer_c: Customer
    users: dict[str, User]

    def user(self, persona: str) -> User:
        return self.users[persona]

    def where(self, key: str) -> Any:
        return {"A": self.site_a, "B": self.site_b, "X": self.supplier_x, "Y": self.supplier_y}[key]


def make_user(username: str, role: str | None = None, **scope: Any) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.com"
    )
    if role:
        Grant.objects.create(user=user, role=Group.objects.get(name=role), **scope)
    return user


def make_world() -> World:
    enterprise = Enterprise.objects.create(code="GRP", name="集团", name_en="Group")
    unit = BusinessUnit.objects.create(
        code="BU", name="事业部", name_en="Unit", enterprise=enterprise
    )
    site_a = Site.objects.create(
        code="SA",
        name="甲基地",
        name_en="Site A",
        business_unit=unit,
        country="CN",
        timezone="Asia/Shanghai",
        stages=["module"],
    )
    site_b = Site.objects.create(
        code="SB",
        name="乙基地",
        name_en="Site B",
        business_unit=unit,
        country="VN",
        timezone="Asia/Ho_Chi_Minh",
        stages=["module"],
    )
    workshop_a = Workshop.objects.create(
        code="SA-M", name="甲组件", name_en="A modules", site=site_a, stage="module"
    )
    workshop_b = Workshop.objects.create(
        code="SB-M", name="乙组件", name_en="B modules", site=site_b, stage="module"
    )
    line_a = Line.objects.create(
        code="SA-M01", name="甲1线", name_en="A line 1", workshop=workshop_a
    )
    line_b = Line.objects.create(
        code="SB-M01", name="乙1线", name_en="B line 1", workshop=workshop_b
    )
    Station.objects.create(code="SA-M01-IV", name="甲IV", name_en="A IV", line=line_a)
    Station.objects.create(code="SB-M01-IV", name="乙IV", name_en="B IV", line=line_b)
    supplier_x = Supplier.objects.create(
        code="SUP-X", name="X供应商", name_en="Supplier X", country="CN"
    )
    supplier_y = Supplier.objects.create(
        code="SUP-Y", name="Y供应商", name_en="Supplier Y", country="CN"
    )
    customer_c = Customer.objects.create(
        code="CUS-C", name="C客户", name_en="Customer C", country="DE"
    )
    users = {
        "eng_a": make_user("eng_a", "quality_engineer", site=site_a),
        "eng_b": make_user("eng_b", "quality_engineer", site=site_b),
        "cqo": make_user("cqo", "chief_quality_officer"),
        "supplier_x": make_user("supplier_x", "supplier_user", supplier=supplier_x),
        "outsider": make_user("outsider"),
    }
    return World(
        site_a,
        site_b,
        workshop_a,
        workshop_b,
        line_a,
        line_b,
        supplier_x,
        supplier_y,
        customer_c,
        users,
    )

"""Quality-loss (COPQ) accounting on hand-built data: MRB decisions × standard cost, RMA and
complaint costs, recorded prevention / appraisal costs, currency conversion (and refusal
without a rate), revenue share, saving rules, XLSX import, pages, API and scoping.

Expected amounts are worked out in the comments (COPQ = prevention + appraisal + internal
failure + external failure, Juran / ASQ cost-of-quality model)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from qdm.cockpit.copq import (
    CopqImportError,
    CurrencyError,
    compute_copq,
    import_cost_records,
    save_cost_record,
    save_exchange_rate,
    save_revenue,
    save_standard_cost,
)
from qdm.cockpit.models_copq import QualityCostRecord, StandardCost
from qdm.core.workflow import transition
from qdm.data.models import Unit, UnitLink
from qdm.manufacturing.services.holds import place_hold, propose_disposition
from qdm.service.models import ReturnedModule
from qdm.utilities.periods import month_start
from tests.manufacturing.test_inspection_builders import glass_lot, module_model
from tests.personas import PASSWORD, World, make_user
from tests.scoping import ScopedModelContract
from tests.service.builders import make_complaint, with_serials

pytestmark = pytest.mark.django_db


def this_month() -> date:
    return month_start(timezone.localdate())


def module_at(world: World, code: str, place: str = "A") -> Unit:
    return Unit.objects.create(
        code=code,
        kind="module",
        site=world.where(place),
        line=world.line_a if place == "A" else world.line_b,
        module_model=module_model(),
        produced_at=timezone.now() - timedelta(days=40),
    )


def standard_cost(world: World, place: str = "A", **fields: Any) -> StandardCost:
    data = {
        "site": world.where(place),
        "kind": "module_model",
        "module_model": module_model(),
        "currency": "CNY",
        "unit_cost": Decimal("520.00"),
        "rework_cost": Decimal("35.00"),
        "downgrade_loss": Decimal("78.00"),
        "valid_from": date(2020, 1, 1),
    } | fields
    return save_standard_cost(None, actor=world.user("cqo"), **data)


def approve(world: World, hold: Any, decision: str, quantity: int) -> None:
    d = propose_disposition(hold, actor=world.user("cqo"), decision=decision, quantity=quantity)
    transition(d, "approve", actor=world.user("cqo"), password=PASSWORD, reason="MRB")


def mrb_history(world: World) -> None:
    """Site A: a hold of 20 modules dispositioned scrap 10, rework 4, downgrade 6; a hold of
    5 modules used as is (costs nothing); a glass hold scrapped without a standard cost."""
    cqo = world.user("cqo")
    hold = place_hold(
        actor=cqo,
        site=world.site_a,
        reason="EL cracks",
        quantity=20,
        units=[module_at(world, "SA-MOD-1")],
    )
    approve(world, hold, "scrap", 10)
    approve(world, hold, "rework", 4)
    approve(world, hold, "downgrade", 6)
    fine = place_hold(
        actor=cqo,
        site=world.site_a,
        reason="Label",
        quantity=5,
        units=[module_at(world, "SA-MOD-2")],
    )
    approve(world, fine, "use_as_is", 5)
    glass = place_hold(
        actor=cqo,
        site=world.site_a,
        reason="Glass chips",
        quantity=100,
        units=[glass_lot(world, "A", code="GLS-COPQ")],
    )
    approve(world, glass, "scrap", 100)


def test_internal_failure_is_mrb_quantity_times_standard_cost(world: World) -> None:
    standard_cost(world)
    mrb_history(world)
    month = this_month()
    result = compute_copq([world.site_a, world.site_b], month, month, "CNY")
    cell = result.cell(world.site_a, month)
    # 10 × 520 + 4 × 35 + 6 × 78 = 5200 + 140 + 468 = 5808 CNY; use-as-is costs nothing
    assert cell.internal == Decimal("5808.00")
    assert cell.total == Decimal("5808.00")
    mrb = sorted((line.label.split()[1], line.amount) for line in result.lines)
    assert mrb == [
        ("downgrade", Decimal("468.00")),
        ("rework", Decimal("140.00")),
        ("scrap", Decimal("5200.00")),
    ]
    # the glass scrap has no standard cost: listed, not counted as 0
    assert len(result.uncosted) == 1 and "scrap × 100" in result.uncosted[0]
    assert result.cell(world.site_b, month).total == 0


def test_a_standard_cost_valid_elsewhere_in_time_does_not_apply(world: World) -> None:
    standard_cost(world, valid_from=date(2020, 1, 1), valid_to=date(2020, 12, 31))
    mrb_history(world)
    month = this_month()
    result = compute_copq([world.site_a], month, month, "CNY")
    assert result.cell(world.site_a, month).internal == 0
    assert len(result.uncosted) == 4  # scrap, rework, downgrade of the modules + the glass


def external_history(world: World, cost: int = 300) -> None:
    """A complaint received today naming a site-A module; its return decided 'replace'."""
    module = module_at(world, "SA-MOD-RMA")
    pallet = Unit.objects.create(code="PAL-COPQ", kind="pallet", site=world.site_a)
    shipment = Unit.objects.create(
        code="CNT-COPQ",
        kind="shipment",
        site=world.site_a,
        customer=world.customer_c,
        produced_at=timezone.now() - timedelta(days=30),
    )
    UnitLink.objects.bulk_create(
        [UnitLink(parent=module, child=pallet), UnitLink(parent=pallet, child=shipment)]
    )
    complaint = make_complaint(world, received_on=timezone.localdate())
    [item] = with_serials(world, complaint, [module])
    ReturnedModule.objects.create(
        number="RMA-COPQ-1",
        item=item,
        status="decided",
        decision="replace",
        cost=cost,
        received_on=timezone.localdate(),
    )


def test_four_classes_and_currency_conversion(world: World) -> None:
    month = this_month()
    cqo = world.user("cqo")
    standard_cost(world, kind="complaint", module_model=None, unit_cost=Decimal("6000"))
    for category, amount in (("training", "1000"), ("calibration", "500"), ("audits", "250")):
        save_cost_record(
            None,
            actor=cqo,
            site=world.site_a,
            month=month + timedelta(days=9),
            category=category,
            amount=Decimal(amount),
            currency="CNY",
        )
    external_history(world)
    save_exchange_rate(
        None,
        actor=cqo,
        currency="USD",
        to_currency="CNY",
        rate=Decimal("7.10"),
        valid_from=date(2020, 1, 1),
    )
    save_revenue(
        None, actor=cqo, site=world.site_a, month=month, amount=Decimal("100000"), currency="CNY"
    )
    cell = compute_copq([world.site_a], month, month, "CNY").cell(world.site_a, month)
    assert cell.prevention == Decimal("1000.00")
    assert cell.appraisal == Decimal("750.00")  # calibration 500 + audits 250
    # RMA 300 USD × 7.10 = 2130 CNY + one complaint × 6000 CNY handling = 8130 CNY
    assert cell.external == Decimal("8130.00")
    assert cell.warranty == Decimal("2130.00")
    assert cell.total == Decimal("9880.00")
    assert cell.share == pytest.approx(9.88)  # 9880 / 100 000
    # the same in USD: the inverse rate 1/7.10 converts the CNY amounts
    usd = compute_copq([world.site_a], month, month, "USD").cell(world.site_a, month)
    assert usd.external == Decimal("300.00") + (Decimal("6000") / Decimal("7.10")).quantize(
        Decimal("0.01")
    )


def test_mixing_currencies_without_a_rate_is_refused(world: World, client_for, api_for) -> None:
    month = this_month()
    save_cost_record(
        None,
        actor=world.user("cqo"),
        site=world.site_a,
        month=month,
        category="training",
        amount=Decimal("100"),
        currency="USD",
    )
    with pytest.raises(CurrencyError) as err:
        compute_copq([world.site_a], month, month, "CNY")
    message = str(err.value)
    assert "USD" in message and "CNY" in message and month.strftime("%Y-%m") in message
    assert "SA" in message
    page = client_for("cqo").get(reverse("cockpit:copq") + "?site=SA&currency=CNY")
    assert page.status_code == 200
    assert "No exchange rate from USD to CNY" in page.content.decode()
    resp = api_for("cqo").get("/api/v1/cockpit/copq/?site=SA&currency=CNY")
    assert (
        resp.status_code == 400
        and "No exchange rate from USD to CNY" in resp.json()["error"]["message"]
    )
    # a rate valid only from next month does not help this month
    save_exchange_rate(
        None,
        actor=world.user("cqo"),
        currency="USD",
        to_currency="CNY",
        rate=Decimal("7"),
        valid_from=month + timedelta(days=40),
    )
    with pytest.raises(CurrencyError):
        compute_copq([world.site_a], month, month, "CNY")


def test_saving_rules_name_the_problem(world: World) -> None:
    standard_cost(world)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"valid_from": date(2024, 1, 1)}, "valid_from"),  # overlaps the open-ended one
        ({"kind": "material"}, "material"),  # a module model on a material cost
        ({"kind": "complaint"}, "kind"),
        ({"currency": "yuan", "module_model": module_model("TC-X")}, "currency"),
        ({"valid_to": date(2019, 1, 1), "module_model": module_model("TC-Y")}, "valid_to"),
    ]
    for fields, key in cases:
        with pytest.raises(ValidationError) as err:
            standard_cost(world, **fields)
        assert key in err.value.message_dict, (fields, err.value.message_dict)
    assert StandardCost.objects.count() == 1
    with pytest.raises(ValidationError) as err:
        save_exchange_rate(
            None,
            actor=world.user("cqo"),
            currency="CNY",
            to_currency="CNY",
            rate=Decimal(1),
            valid_from=date(2026, 1, 1),
        )
    assert "to_currency" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        save_cost_record(
            None,
            actor=world.user("cqo"),
            site=world.site_a,
            month=this_month(),
            category="training",
            amount=Decimal("-5"),
            currency="CNY",
        )
    assert "amount" in err.value.message_dict


def sheet(rows: list[list[Any]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["site", "month", "category", "amount", "currency", "description"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_xlsx_import_all_or_nothing(world: World, client_for) -> None:
    sqm_a = make_user("sqm_a", "site_quality_manager", site=world.site_a)
    good = sheet(
        [
            ["SA", "2026-01", "training", 1200.5, "CNY", "8D training"],
            ["SA", "2026-01", "Calibration", 300, "cny", ""],
        ]
    )
    created = import_cost_records(good, actor=sqm_a)
    assert [(r.category, r.amount, r.currency, r.month) for r in created] == [
        ("training", Decimal("1200.50"), "CNY", date(2026, 1, 1)),
        ("calibration", Decimal("300.00"), "CNY", date(2026, 1, 1)),
    ]
    bad = sheet(
        [
            ["SA", "2026-13", "training", 1, "CNY", ""],
            ["SB", "2026-01", "training", 1, "CNY", ""],  # out of sqm_a's scope
            ["SA", "2026-02", "coffee", 1, "CNY", ""],
            ["SA", "2026-02", "training", "lots", "CNY", ""],
            ["SA", "2026-02", "training", 5, "CNY", ""],  # fine, but not saved
        ]
    )
    with pytest.raises(CopqImportError) as err:
        import_cost_records(bad, actor=sqm_a)
    problems = err.value.problems
    assert problems[0].startswith("Row 2:") and "2026-13 is not a month" in problems[0]
    assert problems[1] == "Row 3: you may not record quality costs of site SB."
    assert problems[2] == "Row 4: unknown category coffee."
    assert problems[3] == "Row 5: amount lots is not a number."
    assert QualityCostRecord.objects.count() == 2
    # the page shows the problems and imports nothing
    client = Client()
    client.force_login(sqm_a)
    resp = client.post(reverse("cockpit:copq_import"), {"file": io.BytesIO(b"not a workbook")})
    assert resp.status_code == 400 and "not an XLSX workbook" in resp.content.decode()
    assert QualityCostRecord.objects.count() == 2
    # an engineer without the permission does not get the import page
    assert client_for("eng_a").get(reverse("cockpit:copq_import")).status_code == 403


def test_page_export_and_api_are_scoped(world: World, client_for, api_for) -> None:
    standard_cost(world)
    mrb_history(world)
    save_cost_record(
        None,
        actor=world.user("cqo"),
        site=world.site_b,
        month=this_month(),
        category="training",
        amount=Decimal("424242"),  # a figure no other number on the page contains
        currency="CNY",
    )
    a = client_for("eng_a").get(reverse("cockpit:copq") + "?currency=CNY")
    html = a.content.decode()
    assert a.status_code == 200 and "5,808" in html
    assert "424,242" not in html and "424242" not in html
    assert client_for("eng_b").get(reverse("cockpit:copq") + "?site=SA").status_code == 404
    assert client_for("eng_b").get(reverse("cockpit:copq_export") + "?site=SA").status_code == 404
    assert api_for("eng_b").get("/api/v1/cockpit/copq/?site=SA").status_code == 404
    export = client_for("eng_a").get(reverse("cockpit:copq_export") + "?site=SA&currency=CNY")
    wb = load_workbook(io.BytesIO(export.content))
    month = this_month().strftime("%Y-%m")
    row = next(r for r in wb.worksheets[0].iter_rows(values_only=True) if r[0] == month)
    assert row[3] == pytest.approx(5808.0) and row[5] == pytest.approx(5808.0)
    api = api_for("eng_a").get("/api/v1/cockpit/copq/?site=SA&currency=CNY&forecast=0").json()
    assert api["months"][-1] == {
        "month": month,
        "prevention": 0.0,
        "appraisal": 0.0,
        "internal": 5808.0,
        "external": 0.0,
        "total": 5808.0,
        "warranty": 0.0,
        "revenue": None,
        "share_of_revenue_pct": None,
    }
    assert len(api["uncosted"]) == 1
    bad = api_for("eng_a").get("/api/v1/cockpit/copq/?from=2026-99")
    assert bad.status_code == 400 and "2026-99 is not a month" in bad.json()["error"]["message"]


# --- scoping contracts ---------------------------------------------------------------------

VIEWERS = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}


class TestQualityCostRecordScope(ScopedModelContract):
    model = QualityCostRecord
    api_prefix = "cockpit/quality-cost-records"
    can_view = VIEWERS
    can_add = {"cqo": {"A", "B"}}
    can_change = {"cqo": {"A", "B"}}
    can_delete: ClassVar[dict[str, set[str]]] = {}
    change = ("description", "Edited cost")

    def existing(self, world: World, place: str) -> Any:
        return save_cost_record(
            None,
            actor=world.user("cqo"),
            site=world.where(place),
            month=date(2026, 3, 1),
            category="training",
            amount=Decimal("100"),
            currency="CNY",
            description=f"COST-{place}",
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {
            "site": world.where(place).pk,
            "month": "2026-04-01",
            "category": "calibration",
            "amount": "250.00",
            "currency": "CNY",
            "description": code,
        }

    def created(self, code: str) -> Any:
        return QualityCostRecord.objects.filter(description=code)

    def label(self, obj: Any) -> str:
        return obj.code


class TestStandardCostScope(ScopedModelContract):
    model = StandardCost
    api_prefix = "cockpit/standard-costs"
    can_view = VIEWERS
    can_add = {"cqo": {"A", "B"}}
    can_change = {"cqo": {"A", "B"}}
    can_delete: ClassVar[dict[str, set[str]]] = {}
    change = ("unit_cost", Decimal("99.00"))

    def existing(self, world: World, place: str) -> Any:
        return standard_cost(world, place)

    @staticmethod
    def n(code: str) -> int:
        """A number per code: the unit cost and the (one-day) validity of the new row."""
        return sum((i + 1) * ord(c) for i, c in enumerate(code)) % 3000

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        day = (date(2000, 1, 1) + timedelta(days=self.n(code))).isoformat()
        return {
            "site": world.where(place).pk,
            "kind": "complaint",
            "currency": "CNY",
            "unit_cost": f"{self.n(code) + 1}.00",
            "rework_cost": "0",
            "downgrade_loss": "0",
            "valid_from": day,
            "valid_to": day,
        }

    def created(self, code: str) -> Any:
        return StandardCost.objects.filter(kind="complaint", unit_cost=self.n(code) + 1)

    def label(self, obj: Any) -> str:
        return obj.code


def test_demo_copq_is_complete_and_idempotent(world: World) -> None:
    from types import SimpleNamespace

    from qdm.cockpit.demo_copq import build_copq
    from qdm.cockpit.models_copq import ExchangeRate, SiteRevenue

    module_model()
    ctx = SimpleNamespace(
        log=[],
        seed=7,
        users={"admin": world.user("cqo")},
        sites={"SA": world.site_a, "SB": world.site_b},
    )
    build_copq(ctx)
    build_copq(ctx)
    # per site: the module model and the cost of handling a complaint
    assert StandardCost.objects.count() == 4
    # per site: 12 months × 8 categories + certification in 3 months of any 12
    assert QualityCostRecord.objects.count() == 2 * (12 * 8 + 3)
    assert SiteRevenue.objects.count() == 24 and ExchangeRate.objects.count() == 1
    last = this_month()
    first = date(last.year - 1, last.month, 1) if last.month != 12 else date(last.year, 1, 1)
    result = compute_copq([world.site_a, world.site_b], first, last, "USD")
    cell = result.group(last)
    assert cell.prevention > 0 and cell.appraisal > 0 and cell.share is not None

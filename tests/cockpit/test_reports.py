"""The monthly quality report (PDF and XLSX, English and Chinese): the files open and hold the
figures put into the database by hand; a site out of scope is a 404 (page, API, CLI)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from qdm.cockpit.copq import save_cost_record, save_exchange_rate
from qdm.cockpit.models import Granularity, KpiValue
from qdm.cockpit.reports import ReportNotFound, build_report, render_report
from qdm.utilities.periods import add_months
from tests.cockpit.test_copq import external_history, mrb_history, standard_cost, this_month
from tests.personas import World
from tests.system.builders import make_nc
from tests.system.test_capa_pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_data(world: World) -> dict[str, str]:
    month = this_month()
    for site, values in ((world.site_a, (970, 980)), (world.site_b, (900, 950))):
        for period, good in zip((add_months(month, -1), month), values, strict=True):
            KpiValue.objects.create(
                kpi="fpy",
                site=site,
                granularity=Granularity.MONTH,
                period_start=period,
                numerator=good,
                denominator=1000,
                value=good / 10,
            )
    cqo = world.user("cqo")
    save_cost_record(
        None,
        actor=cqo,
        site=world.site_a,
        month=month,
        category="training",
        amount=Decimal("1000"),
        currency="CNY",
    )
    save_cost_record(
        None,
        actor=cqo,
        site=world.site_b,
        month=month,
        category="calibration",
        amount=Decimal("777"),
        currency="CNY",
    )
    standard_cost(world)
    mrb_history(world)  # site A internal failure 5808 CNY this month
    # a complaint received today naming a site-A module (handling 6000 CNY), its RMA 300 USD
    external_history(world)
    standard_cost(world, kind="complaint", module_model=None, unit_cost=Decimal("6000"))
    save_exchange_rate(
        None,
        actor=cqo,
        currency="USD",
        to_currency="CNY",
        rate=Decimal("7.10"),
        valid_from=date(2020, 1, 1),
    )
    nc_a = make_nc(world, "A", severity="critical", quantity=50, title="EL micro-cracks")
    nc_b = make_nc(world, "B", title="Frame scratches")
    return {"month": month.strftime("%Y-%m"), "nc_a": nc_a.number, "nc_b": nc_b.number}


def rows_of(wb, title: str) -> list[tuple]:
    return list(wb[title].iter_rows(values_only=True))


def test_site_xlsx_holds_the_figures(world: World, month_data) -> None:
    data = build_report(world.user("cqo"), "SA", month_data["month"], "en", "CNY")
    content, ctype, name = render_report(data, "xlsx")
    assert name == f"quality-report-SA-{month_data['month']}-en.xlsx" and "sheet" in ctype
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == [
        "Summary",
        "KPIs",
        "Goals",
        "COPQ",
        "Complaints",
        "Nonconformities",
        "Alerts",
    ]
    fpy = next(r for r in rows_of(wb, "KPIs") if r[1] == "fpy")
    assert fpy[3] == pytest.approx(98.0) and fpy[4] == pytest.approx(97.0)
    copq = {r[1]: r for r in rows_of(wb, "COPQ")[1:]}
    assert copq["prevention"][2] == pytest.approx(1000.0)
    assert copq["internal"][2] == pytest.approx(5808.0)
    assert copq["appraisal"][2] == 0  # site B's 777 is not in site A's report
    # external: 300 USD × 7.10 + 6000 = 8130; total 1000 + 5808 + 8130 = 14 938 CNY
    assert copq["external"][2] == pytest.approx(8130.0)
    assert copq["total"][2] == pytest.approx(14938.0) and copq["total"][4] >= 14938.0
    ncs = [r[0] for r in rows_of(wb, "Nonconformities")[1:]]
    assert ncs == [month_data["nc_a"]]
    [complaint] = rows_of(wb, "Complaints")[1:]
    assert complaint[1:4] == ("SA", "Delamination at site", "Major")


def test_group_report_combines_the_sites(world: World, month_data) -> None:
    data = build_report(world.user("cqo"), None, month_data["month"], "en", "CNY")
    assert data.scope_label == "GROUP"
    [fpy] = [k for k in data.kpis if k["code"] == "fpy"]
    # (980 + 950) / 2000 = 96.5 %; previous month (970 + 900) / 2000 = 93.5 %
    assert fpy["value"] == pytest.approx(96.5) and fpy["previous"] == pytest.approx(93.5)
    copq = {c["class"]: c["month"] for c in data.copq}
    assert copq["appraisal"] == pytest.approx(777.0) and copq["total"] == pytest.approx(15715.0)
    # the critical NC of A (50 pieces) before the major one of B
    assert [n["number"] for n in data.nonconformities] == [month_data["nc_a"], month_data["nc_b"]]


def test_pdf_in_english_and_chinese(world: World, month_data) -> None:
    data = build_report(world.user("cqo"), "SA", month_data["month"], "en", "CNY")
    content, ctype, _name = render_report(data, "pdf")
    assert content.startswith(b"%PDF") and ctype == "application/pdf"
    text = " ".join(pdf_text(content).split())
    assert "Monthly quality report of site 甲基地" in text  # the site's name in STSong-Light
    for figure in ("1,000.00", "5,808.00", "14,938.00", "98.00 %", month_data["nc_a"]):
        assert figure in text, figure
    assert month_data["nc_b"] not in text
    zh = build_report(world.user("cqo"), "SA", month_data["month"], "zh-hans", "CNY")
    zh_text = " ".join(pdf_text(render_report(zh, "pdf")[0]).split())
    with translation.override("zh-hans"):
        heading = _("Key performance indicators")
    assert heading in zh_text and "5,808.00" in zh_text and "甲基地" in zh_text
    zh_book = load_workbook(io.BytesIO(render_report(zh, "xlsx")[0]))
    assert zh_book.worksheets[0]["B2"].value == month_data["month"]


def test_scoping_404_on_page_api_and_cli(world: World, month_data, client_for, api_for, tmp_path):
    url = reverse("cockpit:report_download")
    query = f"?month={month_data['month']}&lang=en&format=xlsx"
    assert client_for("eng_b").get(url + query + "&site=SA").status_code == 404
    assert client_for("eng_b").get(url + query + "&site=group").status_code == 404
    assert client_for("supplier_x").get(url + query + "&site=SA").status_code == 404
    copq = client_for("supplier_x").get(reverse("cockpit:copq") + "?currency=CNY")
    assert copq.status_code == 200 and "5,808" not in copq.content.decode()
    ok = client_for("eng_a").get(url + query + "&site=SA")
    assert ok.status_code == 200 and ok["Content-Disposition"].endswith(
        "-SA-" + month_data["month"] + '-en.xlsx"'
    )
    assert client_for("cqo").get(url + query + "&site=group").status_code == 200
    api = "/api/v1/cockpit/quality-report/"
    assert api_for("eng_b").get(api + query + "&site=SA").status_code == 404
    pdf = api_for("eng_a").get(api + f"?site=SA&month={month_data['month']}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client_for("eng_a").get(url + "?site=SA&month=2026-13&format=pdf")
    assert bad.status_code == 400 and "2026-13 is not a month" in bad.content.decode()
    bad = client_for("eng_a").get(url + f"?site=SA&month={month_data['month']}&format=doc")
    assert bad.status_code == 400 and "Unknown format doc" in bad.content.decode()
    page = client_for("eng_b").get(reverse("cockpit:report")).content.decode()
    assert 'value="SB"' in page and 'value="SA"' not in page and 'value="group"' not in page
    with pytest.raises(ReportNotFound):
        build_report(world.user("eng_b"), "SA", month_data["month"])
    # the command: as an operator (every site) or as a user (their scope)
    out = tmp_path / "group.pdf"
    call_command(
        "cockpit",
        "report",
        "--group",
        "--month",
        month_data["month"],
        "--lang",
        "zh-hans",
        "-o",
        str(out),
    )
    assert Path(out).read_bytes().startswith(b"%PDF")
    xlsx = tmp_path / "sa.xlsx"
    call_command(
        "cockpit",
        "report",
        "--site",
        "SA",
        "--month",
        month_data["month"],
        "--format",
        "xlsx",
        "-o",
        str(xlsx),
    )
    assert load_workbook(xlsx)["COPQ"]["C2"].value == pytest.approx(1000.0)
    with pytest.raises(CommandError, match="No site SA in scope"):
        call_command(
            "cockpit",
            "report",
            "--site",
            "SA",
            "--month",
            month_data["month"],
            "--user",
            "eng_b",
            "-o",
            str(tmp_path / "x.pdf"),
        )
    with pytest.raises(CommandError, match="is not a month"):
        call_command("cockpit", "report", "--site", "SA", "--month", "May", "-o", str(out))


def test_a_missing_rate_is_stated_in_the_report(world: World, month_data) -> None:
    from qdm.cockpit.models_copq import ExchangeRate

    ExchangeRate.objects.all().delete()
    data = build_report(world.user("cqo"), "SA", month_data["month"], "en", "CNY")
    assert data.copq == [] and "No exchange rate from USD to CNY" in data.copq_note
    wb = load_workbook(io.BytesIO(render_report(data, "xlsx")[0]))
    notes = [r for r in rows_of(wb, "Summary") if r[0] == "Note"]
    assert notes and "No exchange rate from USD to CNY" in notes[0][1]

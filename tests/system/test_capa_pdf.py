"""The 8D report: its content (built once for XLSX and PDF), the PDF rendering in English and
Chinese, and the scoped downloads in the UI and the API."""

from __future__ import annotations

import base64
import re
import zlib
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from qdm.core.models import ElectronicSignature
from qdm.core.workflow import transition
from qdm.system.exports import eightd_report
from qdm.system.exports_pdf import eightd_pdf, needs_cjk
from qdm.system.models import EightD, RootCause
from tests.personas import PASSWORD, World
from tests.system.builders import add_part, make_capa, make_nc, ready_to_close

pytestmark = pytest.mark.django_db

SECTIONS = ["D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"]


# --- a small PDF text extractor (no PDF library is installed) -------------------------

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    """A PDF literal string's bytes (escapes: \\n, \\(, \\\\, \\ddd octal)."""
    out = bytearray()
    i = 0
    while i < len(raw):
        char = raw[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        nxt = raw[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            i += 1 + len(octal.group(0))
        else:
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def pdf_text(content: bytes) -> str:
    """The text drawn by ``Tj``: strings in a CID (STSong-Light, UCS-2) font are decoded as
    UTF-16BE, the others as cp1252; the runs of one line are joined, lines end with a
    newline (a paragraph wrapped in a narrow cell spans several)."""
    cid_fonts = set(re.findall(rb"/Encoding /UniGB-UCS2-H[^>]*?/Name /(F\d+)", content))
    cid_fonts |= set(re.findall(rb"/Name /(F\d+)[^>]*?/Encoding /UniGB-UCS2-H", content))
    assert cid_fonts or b"STSong" not in content
    streams = []
    for head, raw in re.findall(rb"<<([^<>]*)>>\s*stream\r?\n(.*?)\r?\n?endstream", content, re.S):
        if b"/ASCII85Decode" in head:
            raw = base64.a85decode(raw.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in head:
            raw = zlib.decompress(raw)
        streams.append(raw)
    lines: list[str] = []
    token = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj|\b(ET|T\*)\b", re.S)
    for stream in streams:
        font, line = b"", ""
        for match in token.finditer(stream):
            if match.group(1):
                font = match.group(1)
            elif match.group(3):  # end of a line (T*) or of a text object (ET)
                if line:
                    lines.append(line)
                line = ""
            else:
                data = _unescape(match.group(2))
                line += data.decode("utf-16-be" if font in cid_fonts else "cp1252")
        if line:
            lines.append(line)
    return "\n".join(lines)


def flat(text: str) -> str:
    """Words that a table cell wrapped over several lines, joined again by spaces."""
    return re.sub(r"\s+", " ", text)


# --- content --------------------------------------------------------------------------


def test_report_content_in_english(world: World) -> None:
    capa, _closer = ready_to_close(world)
    nc = make_nc(world, "A", item="3.2 mm front glass")
    capa.nonconformities.add(nc)
    add_part(
        capa,
        RootCause,
        cause_type="escape",
        category="measurement",
        statement="IQC sampling plan missed the thin lot",
        why_1="AQL 1.0 on thickness",
    )
    report = eightd_report(capa, "en")
    assert [s.key for s in report.sections] == SECTIONS
    assert report.section("D4").title == "D4 Root causes (5 Why, 6M)"
    header = {label: value for row in report.header.rows for label, value in (row[:2], row[2:])}
    assert header["Number"] == capa.number
    assert header["Part / product"] == "3.2 mm front glass"
    assert header["Nonconformities"] == nc.number
    assert header["Champion"] == "eng_a"
    chains, caption, fishbone = report.section("D4").blocks
    assert chains.header[:4] == ["Type", "6M category", "Root cause", "5-Why chain"]
    occurrence = chains.rows[0]
    assert occurrence[:4] == [
        "Occurrence (why it happened)",
        "Material",
        "Float line speed drift at supplier",
        "1. Glass thin\n2. Line speed high",
    ]
    assert caption.heading
    bones = {row[0]: row[1:] for row in fishbone.rows}
    assert len(bones) == 6  # every 6M bone is shown, even when empty
    assert bones["Material"] == ["Float line speed drift at supplier", "—"]
    assert bones["Measurement"] == ["—", "IQC sampling plan missed the thin lot"]
    assert bones["Machine"] == ["—", "—"]
    (d5,) = report.section("D5").blocks
    assert d5.rows == [
        [
            "Supplier SPC on line speed",
            "Float line speed drift at supplier",
            "eng_a",
            "2026-03-01",
            "Done",
            "",
        ]
    ]
    d3 = report.section("D3").blocks[0]
    assert d3.rows[0][:3] == ["Quarantine lot GL-2026-11-0412", "eng_a", "2026-03-01"]
    team = report.section("D1").blocks[0].rows
    assert team == [["eng_a", "Champion", ""], ["closer_a", "Member", ""]]
    signature = report.section("D8").blocks[1]
    assert signature.rows == [("Closure signed by", "not signed yet", "", "")]


def test_d8_shows_who_signed_the_closure_and_when(world: World) -> None:
    capa, closer = ready_to_close(world)
    closer.first_name, closer.last_name = "Li", "Wei"
    closer.save()
    transition(capa, "close", actor=closer, password=PASSWORD, reason="Effective on 3 lots")
    capa.refresh_from_db()
    signature = ElectronicSignature.objects.get(action="close", object_id=str(capa.pk))
    # times are shown in the site's timezone (Site A: Asia/Shanghai, UTC+8)
    local = signature.signed_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    report = eightd_report(capa, "en")
    _summary, signed = report.section("D8").blocks
    assert signed.rows == [
        ("Closure signed by", "Li Wei", "Signed at", local),
        ("Meaning", "Approved", "Reason", "Effective on 3 lots"),
    ]
    header = dict(row[2:] for row in report.header.rows)
    assert header["Closed at"] == capa.closed_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime(
        "%Y-%m-%d %H:%M"
    )


def test_report_content_in_chinese_and_language_is_restored(world: World) -> None:
    capa, _closer = ready_to_close(world)
    with translation.override("en"):
        report = eightd_report(capa, "zh-hans")
        assert translation.get_language() == "en"
    assert report.section("D4").title == "D4 根本原因(5 Why、6M)"
    assert report.section("D0").title == "D0 症状与紧急响应"
    assert report.title == "8D 报告"
    assert report.header.rows[0][:2] == ("编号", capa.number)
    assert report.header.rows[1][2:] == ("基地", "SA 甲基地")
    with pytest.raises(ValueError, match="klingon"):
        eightd_report(capa, "klingon")


# --- PDF ------------------------------------------------------------------------------


def test_pdf_in_english_with_chinese_user_text(world: World) -> None:
    capa, _closer = ready_to_close(world)
    capa.title = "前板玻璃厚度偏薄 (front glass thin)"
    capa.symptom = "客户 <Hanwha> 来料检验发现 2.94 mm & 批次 GL-2026-11-0412"
    capa.save()
    content = eightd_pdf(capa, "en")
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    text = pdf_text(content)
    assert "8D report" in text
    for title in ("D0 Symptom and emergency response", "D4 Root causes (5 Why, 6M)", "D8"):
        assert title in text
    assert text.index("D3 Containment actions") < text.index("D4 Root causes")
    assert text.index("D4 Root causes") < text.index("Float line speed drift at supplier")
    assert text.index("Float line speed drift at supplier") < text.index("D5 Permanent")
    assert "1. Glass thin" in text
    # user-entered Chinese and markup characters render as entered (CID font, escaped)
    assert "前板玻璃厚度偏薄 (front glass thin)" in flat(text)
    assert "客户 <Hanwha> 来料检验发现 2.94 mm & 批次 GL-2026-11-0412" in flat(text)
    assert f"{capa.number} · Generated" in text and "Page 1 of " in text
    assert b"/Title (8D report " + capa.number.encode() in eightd_pdf(capa, compress=False)


def test_pdf_in_chinese(world: World) -> None:
    capa, _closer = ready_to_close(world)
    text = pdf_text(eightd_pdf(capa, "zh-hans"))
    assert "8D 报告" in text
    assert "D4 根本原因(5 Why、6M)" in text
    assert "D0 症状与紧急响应" in text
    assert "Float line speed drift at supplier" in text  # the data stays as entered
    assert "SA 甲基地" in text


def test_pdf_pages_are_numbered_out_of_the_total(world: World) -> None:
    capa, _closer = ready_to_close(world)
    for n in range(40):
        add_part(capa, RootCause, category="method", statement=f"Cause {n} " + "word " * 30)
    text = pdf_text(eightd_pdf(capa, "en"))
    pages = re.findall(r"Page (\d+) of (\d+)", text)
    assert len(pages) > 1
    assert [int(p) for p, _t in pages] == list(range(1, len(pages) + 1))
    assert {int(t) for _p, t in pages} == {len(pages)}


def test_font_choice() -> None:
    assert not needs_cjk("Front glass 2.94 mm ± 0.2, Müller")
    assert needs_cjk("前板玻璃")
    assert needs_cjk("Pmax ≥ 540 W")  # not Latin-1: the CID font has the sign


# --- downloads --------------------------------------------------------------------------


def test_ui_download_is_scoped_and_language_checked(world: World, client_for) -> None:
    capa = make_capa(world, "A")
    url = f"/system/capas-and-8ds/{capa.pk}/report.pdf"
    response = client_for("eng_a").get(url + "?lang=zh-hans")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="{capa.number}-zh-hans.pdf"')
    assert "D4 根本原因(5 Why、6M)" in pdf_text(response.content)
    assert client_for("eng_b").get(url).status_code == 404
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("supplier_x").get(url).status_code == 404
    missing = f"/system/capas-and-8ds/{capa.pk + 1000}/report.pdf"
    assert client_for("eng_a").get(missing).status_code == 404
    bad = client_for("eng_a").get(url + "?lang=fr")
    assert bad.status_code == 400
    assert "'fr'" in bad.content.decode() and "zh-hans" in bad.content.decode()


def test_ui_download_defaults_to_the_users_language(world: World, client_for) -> None:
    capa = make_capa(world, "A")
    user = world.user("eng_a")
    user.language = "zh-hans"
    user.save()
    response = client_for("eng_a").get(f"/system/capas-and-8ds/{capa.pk}/report.pdf")
    assert response["Content-Disposition"].endswith('-zh-hans.pdf"')
    assert "D4 根本原因(5 Why、6M)" in pdf_text(response.content)


def test_detail_page_links_the_pdf(world: World, client_for) -> None:
    capa = make_capa(world, "A")
    page = client_for("eng_a").get(capa.get_absolute_url()).content.decode()
    assert f"/system/capas-and-8ds/{capa.pk}/report.pdf?lang=en" in page
    assert f"/system/capas-and-8ds/{capa.pk}/report.pdf?lang=zh-hans" in page


def test_supplier_downloads_only_its_own_scar(world: World, client_for, api_for) -> None:
    own = make_capa(world, "A", kind="scar", supplier=world.supplier_x, title="Glass thickness")
    other = make_capa(world, "A", kind="scar", supplier=world.supplier_y)
    supplier = client_for("supplier_x")
    response = supplier.get(f"/system/capas-and-8ds/{own.pk}/report.pdf?lang=en")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert own.number in text and "Supplier X" in text
    assert supplier.get(f"/system/capas-and-8ds/{other.pk}/report.pdf").status_code == 404
    api = api_for("supplier_x")
    assert api.get(f"/api/v1/system/capas/{own.pk}/report.pdf").status_code == 200
    refused = api.get(f"/api/v1/system/capas/{other.pk}/report.pdf")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"


def test_api_report_pdf_and_xlsx(world: World, api_for) -> None:
    capa, _closer = ready_to_close(world)
    api = api_for("eng_a")
    pdf = api.get(f"/api/v1/system/capas/{capa.pk}/report.pdf?lang=en")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "Float line speed drift at supplier" in pdf_text(pdf.content)
    # an Accept header asking for JSON or ?format= do not change what is sent
    again = api.get(
        f"/api/v1/system/capas/{capa.pk}/report.pdf?format=json", HTTP_ACCEPT="application/json"
    )
    assert again.status_code == 200 and again.content.startswith(b"%PDF-")
    xlsx = api.get(f"/api/v1/system/capas/{capa.pk}/report.xlsx?lang=zh-hans")
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")
    assert xlsx["Content-Disposition"].endswith('-zh-hans.xlsx"')
    bad = api.get(f"/api/v1/system/capas/{capa.pk}/report.pdf?lang=de")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
    assert "lang" in bad.json()["error"]["fields"]
    assert api_for("eng_b").get(f"/api/v1/system/capas/{capa.pk}/report.pdf").status_code == 404
    outsider = api_for("outsider").get(f"/api/v1/system/capas/{capa.pk}/report.pdf")
    assert outsider.status_code in (403, 404)
    assert outsider.json()["error"]["code"] in ("permission_denied", "not_found")
    from rest_framework.test import APIClient

    anonymous = APIClient().get(f"/api/v1/system/capas/{capa.pk}/report.pdf")
    assert anonymous.status_code == 401
    assert EightD.objects.filter(pk=capa.pk).exists()

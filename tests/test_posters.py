"""Posters and public pages: the same facts as the bot's answer, an A4 PDF with its text, the print sheet."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from pypdf import PdfReader

from bot.app import create_app
from bot.config import Settings
from bot.office.info import commune_info_for
from bot.procedures.catalogue import load_catalogue
from bot.procedures.posters import poster_facts, render_posters_pdf
from bot.procedures.procedure_reply import compose_answer


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(Settings.from_env(**{**settings.__dict__, "commune_name": "UBND xã An Phú"}))
    return app


def test_poster_facts_are_the_bot_answer_lines(settings: Settings) -> None:
    proc = load_catalogue().get("1.001193")
    office = commune_info_for(settings)
    facts = poster_facts(proc, "https://xa.example.vn/p/1.001193", office)
    answer = compose_answer(proc, office)[0].text
    assert facts.keyword == "TTHC 1.001193"
    for line in facts.lines:
        assert line in answer  # time, fee with its note, ways and desk services: word for word
    assert any(line.startswith("Lệ phí:") for line in facts.lines)
    assert any("ngày không viết" in line for line in facts.lines)


def test_pdf_has_one_page_per_procedure_with_its_text(settings: Settings) -> None:
    catalogue = load_catalogue()
    office = commune_info_for(settings)
    codes = ["1.001193", "1.000894", "2.000794"]
    posters = [poster_facts(catalogue.get(c), f"https://xa.example.vn/p/{c}", office) for c in codes]
    reader = PdfReader(io.BytesIO(render_posters_pdf(posters, "UBND xã An Phú")))
    assert len(reader.pages) == len(codes)
    for page, facts in zip(reader.pages, posters, strict=True):
        text = " ".join(page.extract_text().split())
        assert "UBND XÃ AN PHÚ" in text
        assert f"Mã thủ tục: {facts.code}" in text and f"Hoặc nhắn Zalo: TTHC {facts.code}" in text
        assert " ".join(facts.name.split())[:40] in text
        assert ("lệ phí" in text.lower()) == bool(facts.lines)  # no fee heading for a procedure without details
        assert ("Giấy tờ chính" in text) == bool(facts.documents)
        assert page.images, "the QR code is drawn on the page"


def test_public_page_and_poster_routes(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/p/1.001193")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="viewport"' in html
    assert "Thủ tục đăng ký khai sinh" in html and "TTHC 1.001193" in html
    assert 'href="https://zalo.me/4024926008133882615"' in html and "Mở Zalo" in html
    assert "Lệ phí" in html and "Thứ Hai – ngày không viết" in html
    sheet = client.get("/p/1.001193/poster").get_data(as_text=True)
    assert "@media print" in sheet and "/qr/1.001193.svg" in sheet
    pdf = client.get("/p/1.001193/poster.pdf")
    assert pdf.mimetype == "application/pdf" and len(PdfReader(io.BytesIO(pdf.data)).pages) == 1
    missing = client.get("/p/9.999999")
    assert missing.status_code == 404 and "Không tìm thấy thủ tục" in missing.get_data(as_text=True)


def test_public_page_states_the_same_facts_as_the_bot(app: Flask) -> None:
    client = app.test_client()
    police = client.get("/p/1.014061").get_data(as_text=True)
    assert "📍 Nơi nộp: Công an xã An Phú" in police
    copy = client.get("/p/2.000815").get_data(as_text=True)
    facts = copy[copy.index('id="facts"'):copy.index("</ul>", copy.index('id="facts"'))]
    assert "💰 Lệ phí: 2.000 đồng/trang" in facts and "USD" not in facts
    assert "Tổ chức hành nghề công chứng" in facts
    assert "⚖️ Lệ phí, căn cứ pháp lý" in copy and "10 USD" in copy  # the full fee table, in its own section

"""Answers about procedures on real catalogue records: the right office, the fee as the source states it,
one phone screen, pages of at most two messages, and no invented facts."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.conversation.shorten import is_word_cut, shorten, split_long
from bot.office.info import CommuneInfo, Service, commune_info_from_dict
from bot.procedures.cards import Card, CardDocument
from bot.procedures.catalogue import Channel, load_catalogue
from bot.procedures.catalogue_import import sources
from bot.procedures.catalogue_import.records import raw_code
from bot.procedures.catalogue_import.text import nfc
from bot.procedures.fees import channel_fee, money, within_one_working_day
from bot.procedures.procedure_reply import (
    FIRST_ANSWER_CHARS,
    MAX_REPLY_CHARS,
    case_groups,
    compose_answer,
    compose_case,
    compose_life_event,
    compose_life_event_menu,
    compose_section,
    key_documents,
    section_pages,
)
from bot.procedures.where_to_go import COMMUNE, POLICE, Office, where_to_go

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
OFFICE = CommuneInfo(
    "UBND xã An Phú", address="Thôn 1, xã An Phú", phone="0236 3000 000", hours="7h30–17h",
    monday=Service("Thứ Hai – ngày không viết", "cán bộ viết tờ khai giúp Anh/Chị", ""),
    friday=Service("Thứ Sáu – ngày không hẹn", "trả kết quả trong ngày", ""),
    police=Office(POLICE, "Công an xã An Phú", "Thôn 2, xã An Phú", "0236 3000 113"),
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _check_limits(replies) -> None:
    for reply in replies:
        assert len(reply.text) <= MAX_REPLY_CHARS
        assert len(reply.buttons) <= 5
        assert all(len(b.title) <= 20 for b in reply.buttons)


def test_birth_registration_fits_a_phone_and_offers_the_desk_services(catalogue) -> None:
    [reply] = compose_answer(catalogue.get("1.001193"), OFFICE)
    text = reply.text
    assert len(text) <= FIRST_ANSWER_CHARS
    assert "📍 Nơi nộp: UBND xã An Phú, Thôn 1, xã An Phú, ĐT 0236 3000 000" in text
    assert "⏱ Thời hạn: 1 ngày làm việc" in text and "💰 Lệ phí: Miễn phí" in text
    assert "ngày không viết" in text  # a tờ khai to fill in
    assert "ngày không hẹn" in text  # 1 working day
    assert "Tờ khai đăng ký khai sinh theo mẫu" in text and "Giấy chứng sinh" in text
    assert "Trường hợp trẻ em bị bỏ rơi" not in text  # a special case is not a key paper
    payloads = [b.payload for b in reply.buttons]
    assert payloads[:3] == ["#proc 1.001193 docs", "#proc 1.001193 steps", "#proc 1.001193 legal"]
    assert payloads[-1] == "#staff 1.001193"
    _check_limits([reply])


def test_id_card_goes_to_the_commune_police(catalogue) -> None:
    proc = catalogue.get("1.014061")  # Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên: "Công an cấp Xã"
    assert where_to_go(proc).office == POLICE
    text = compose_answer(proc, OFFICE)[0].text
    assert "📍 Nơi nộp: Công an xã An Phú, Thôn 2, xã An Phú, ĐT 0236 3000 113" in text
    assert "UBND xã An Phú" not in text
    assert "ngày không" not in text  # the commune desk's services are not the police's
    assert "📝 Có mẫu đơn/tờ khai: tải ở nút «Mẫu đơn, nộp online»" in text  # DC01/DC02 on the portal
    portal = next(b for b in compose_answer(proc, OFFICE)[0].buttons if b.kind == "url")
    assert portal.title == "Mẫu đơn, nộp online" and portal.payload == proc.portal_url
    docs = "\n".join(r.text for r in compose_section(proc, "docs"))
    assert "Mẫu DC01 Phiếu thu thập thông tin dân cư" in docs and proc.portal_url in docs
    residence = [p for p in catalogue.procedures.values() if p.has_details and "trú" in p.name
                 and any("Công an cấp Xã" in a for a in p.agencies)]
    assert residence and all(where_to_go(p).office == POLICE for p in residence)


def test_marriage_abroad_fee_is_set_by_the_province_and_no_same_day_service(catalogue) -> None:
    text = compose_answer(catalogue.get("2.000806"), OFFICE)[0].text
    assert "Miễn phí" not in text
    assert "💰 Lệ phí: mức cụ thể do HĐND tỉnh quy định" in text
    assert "Miễn lệ phí cho người thuộc gia đình có công với cách mạng" in text
    assert "ngày không hẹn" not in text  # 5 working days
    assert "ngày không viết" in text  # Tờ khai đăng ký kết hôn


def test_copy_certification_fee_in_vietnamese_format_without_overseas_fee(catalogue) -> None:
    proc = catalogue.get("2.000815")
    where = where_to_go(proc)
    assert where.office == COMMUNE and "Tổ chức hành nghề công chứng" in where.others
    text = compose_answer(proc, OFFICE)[0].text
    assert text.index("UBND xã An Phú") < text.index("Tổ chức hành nghề công chứng")
    assert "💰 Lệ phí: 2.000 đồng/trang" in text
    assert "từ trang thứ 3 trở lên thu 1.000 đồng/trang, tối đa thu không quá 200.000 đồng/bản" in text
    assert "USD" not in text and "Việt Nam Đồng" not in text
    legal = "\n".join(r.text for r in compose_section(proc, "legal"))
    assert "10 USD" in legal  # the full fee table keeps every fee of the source


def test_procedures_above_the_commune_say_who_handles_them(catalogue) -> None:
    land = catalogue.get("1.013831")  # land registration: the provincial land office; desks take the dossier
    text = compose_answer(land, OFFICE)[0].text
    assert "🏛 Cơ quan giải quyết: Chi nhánh Văn phòng đăng ký đất đai" in text
    assert "📍 Có thể nộp hồ sơ qua: UBND xã An Phú" in text
    adoption = catalogue.get("1.003976")  # the record only says the commune posts a notice
    text = compose_answer(adoption, OFFICE)[0].text
    assert "🏛 Cơ quan giải quyết:" in text and "Nơi nộp" not in text and "nộp hồ sơ qua" not in text


def test_garbled_steps_point_to_the_source(catalogue) -> None:
    proc = replace(catalogue.get("1.001193"), steps_unreliable=True)
    steps = "\n".join(r.text for r in compose_section(proc, "steps"))
    assert "bị lỗi chữ nên đã lược bỏ" in steps and proc.portal_url in steps
    empty = replace(proc, steps=())
    [reply] = compose_section(empty, "steps")
    assert "bị lỗi chữ" in reply.text and "Cổng DVC" in reply.text


def test_fee_formats_as_the_source_states_them(catalogue) -> None:
    assert money("2,000 Việt Nam Đồng") == "2.000 đồng"
    assert money("1,025,000 VNĐ") == "1.025.000 đồng"
    assert money("10 USD") == "10 USD"
    assert money("Miễn phí") == "Miễn phí"
    council = Channel("Trực tiếp", "5", "Miễn phí", "Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định.")
    assert channel_fee(council).amount == "mức cụ thể do HĐND tỉnh quy định"
    unit = Channel("Trực tiếp", "", "100,000 VNĐ", "/hồ sơ (Thông tư số 61/2023/TT-BTC)")
    assert channel_fee(unit) == channel_fee(unit).__class__("100.000 đồng/hồ sơ", "Thông tư số 61/2023/TT-BTC")
    # Online is often cheaper: both channels are shown when they differ.
    cheaper = [p for p in catalogue.procedures.values() if p.has_details and len(
        {channel_fee(c).amount for c in p.channels if c.channel in ("Trực tiếp", "Trực tuyến")}) == 2]
    for proc in cheaper[:20]:
        fee = next(line for line in compose_answer(proc)[0].text.splitlines() if line.startswith("💰"))
        assert "trực tiếp" in fee and "trực tuyến" in fee


def test_desk_services_follow_the_procedure(catalogue) -> None:
    assert within_one_working_day(catalogue.get("1.001193"))
    assert not within_one_working_day(catalogue.get("2.000806"))
    listed = CommuneInfo("UBND xã", friday=Service("Thứ Sáu", "", "", frozenset({"2.000806"})))
    assert "Thứ Sáu" in compose_answer(catalogue.get("2.000806"), listed)[0].text


def test_card_is_rendered_when_the_commune_keeps_one(catalogue) -> None:
    card = Card(
        code="1.001193", title="Đăng ký khai sinh", office="ubnd", time="1 ngày làm việc", fee="Miễn phí",
        fee_note="", checked="2026-11-20", catalogue_digest="x",
        documents=(CardDocument("Tờ khai đăng ký khai sinh (cán bộ có mẫu)", "Tờ khai đăng ký khai sinh theo mẫu"),
                   CardDocument("Giấy chứng sinh của bệnh viện", "Giấy chứng sinh")),
    )
    [reply] = compose_answer(catalogue.get("1.001193"), OFFICE, card)
    assert reply.text.startswith("📄 Đăng ký khai sinh\n")
    assert "1. Tờ khai đăng ký khai sinh (cán bộ có mẫu)\n2. Giấy chứng sinh của bệnh viện" in reply.text
    assert "cán bộ xã kiểm tra 20/11/2026" in reply.text and "UBND xã An Phú" in reply.text
    police = Card(**{**card.__dict__, "office": "cong_an"})
    assert "Công an xã An Phú" in compose_answer(catalogue.get("1.001193"), OFFICE, police)[0].text


def test_sections_come_in_pages_with_a_next_button(catalogue) -> None:
    longest = max(catalogue.procedures.values(), key=lambda p: sum(len(d.name) for d in p.documents))
    pages = section_pages(longest, "docs")
    assert len(pages) > 2
    first = compose_section(longest, "docs")
    assert len(first) <= 2
    _check_limits(first)
    more = first[-1].buttons[0]
    assert (more.title, more.payload) == ("Xem tiếp", f"#proc {longest.code} docs 2")
    last = compose_section(longest, "docs", len(pages))
    assert "Xem tiếp" not in [b.title for b in last[-1].buttons]
    assert "Nguồn: Cổng DVC quốc gia" in last[-1].text
    assert compose_section(longest, "docs", 999) == last and compose_section(longest, "docs", 0) == first
    shown = "\n".join(r.text for n in range(1, len(pages) + 1) for r in compose_section(longest, "docs", n))
    for doc in longest.documents:  # nothing is lost across the pages
        assert " ".join(doc.name.split())[:60] in " ".join(shown.split())


def test_documents_that_differ_by_case_ask_which_applies(catalogue) -> None:
    proc = catalogue.get("1.004222")  # Đăng ký thường trú: own home, rented, care home, religious site…
    [first, *_] = compose_section(proc, "docs")
    assert "Giấy tờ thêm tùy trường hợp" in first.text and "2) Người được chăm sóc, nuôi dưỡng" in first.text
    page = compose_section(proc, "docs")
    payloads = [b.payload for b in page[-1].buttons]
    assert "#proc 1.004222 case 1" in payloads and "#proc 1.004222 case 2" in payloads
    _check_limits(page)
    [case] = compose_case(proc, 2)
    assert case.text.startswith("🗂 Giấy tờ – Trường hợp 2 – Đăng ký thường trú")
    assert "Giấy tờ, tài liệu xác nhận về việc chăm sóc, nuôi dưỡng, trợ giúp" in case.text
    assert "Văn bản xác nhận của Ủy ban nhân dân cấp xã về địa điểm phương tiện" not in case.text
    assert [b.payload for b in case.buttons][1:3] == ["#proc 1.004222 case 3", "#proc 1.004222 case 4"]
    last = len(case_groups(proc))
    assert "#proc 1.004222 case 1" in [b.payload for b in compose_case(proc, last)[-1].buttons]
    assert compose_case(proc, 99) == compose_section(proc, "docs")


def test_shortening_never_cuts_a_word(catalogue) -> None:
    names = [d.name for p in list(catalogue.procedures.values())[:800] for d in p.documents]
    for name in names:
        for limit in (40, 70, 90):
            short = shorten(name, limit)
            assert len(short) <= limit and not is_word_cut(short, name)
    text = " ".join(names[:50])
    parts = split_long(text, 500)
    assert " ".join(parts) == " ".join(text.split()) and all(len(p) <= 500 for p in parts)


def test_commune_file_names_both_offices() -> None:
    info = commune_info_from_dict({"name": "UBND xã An Phú", "offices": {
        "cong_an": {"address": "Thôn 2", "phone": "113"}}})
    office = info
    assert office.office(POLICE) == Office(POLICE, "Công an xã An Phú", "Thôn 2", "113")
    assert office.office(COMMUNE).name == "UBND xã An Phú"


def test_procedure_without_details_is_polite_and_links(catalogue) -> None:
    proc = next(p for p in catalogue.procedures.values() if not p.has_details and p.portal_url)
    [reply] = compose_answer(proc)
    assert "chưa có đủ thông tin" in reply.text
    assert reply.buttons[0].kind == "url"


def test_life_event_browsing(catalogue) -> None:
    menu = compose_life_event_menu(catalogue)
    _check_limits(menu)
    payloads = [b.payload for r in menu for b in r.buttons]
    assert "#event 750" in payloads and "#event 759" in payloads
    replies = compose_life_event(catalogue, "759")
    _check_limits(replies)
    assert "#proc 1.000656" in [b.payload for r in replies for b in r.buttons]


def _plain_numbers(text: str) -> str:
    """The source with thousands separators removed ("2,000" and "2.000" -> "2000"); the portal's cells are
    run together ("125 VNĐ" is 12 days and 5 VNĐ), so shown numbers are looked up as substrings."""
    return re.sub(r"(?<=\d)[.,](?=\d{3})", "", text)


@pytest.mark.shared_data
def test_no_invented_facts(catalogue) -> None:
    """Every fee amount, time and key document shown for 150 random procedures appears in the source record."""
    raw = {}
    for _, record in sources.raw_records(SHARED):
        raw.setdefault(raw_code(record), record)
    sample = [p for p in catalogue.procedures.values() if p.source == "dvcqg-raw"]
    random.Random(20260701).shuffle(sample)
    for proc in sample[:150]:
        source = raw.get(proc.code) or next(r for c, r in raw.items() if c.startswith(proc.code))
        channel_text = nfc(source["cach_thuc_thuc_hien"])
        docs_text = " ".join(nfc(source["thanh_phan_ho_so"]).split())
        source_numbers = _plain_numbers(channel_text)
        text = compose_answer(proc, OFFICE)[0].text
        for line in text.splitlines():
            if line.startswith("💰 Lệ phí:"):
                for amount in re.findall(r"(\d[\d.]*) (?:đồng|USD)", line):
                    assert amount.replace(".", "") in source_numbers, (proc.code, line)
            if line.startswith("   (") and not line.startswith("   (Bấm"):  # the fee's conditions, the source's words
                condition = line.strip()[1:-1].removesuffix("…")
                assert condition in " ".join(channel_text.split()), (proc.code, line)
            if line.startswith("⏱"):
                for days in re.findall(r"(\d+) (?:ngày|giờ)", line):
                    assert days in source_numbers, (proc.code, line)
        for doc in key_documents(proc):
            assert " ".join(doc.name.split())[:80] in docs_text


def test_a_papers_own_numbering_is_left_to_our_list() -> None:
    from bot.procedures.catalogue import Document
    from bot.procedures.document_list import document_line

    def line(name: str) -> str:
        return document_line(Document(name, 1, None, "", "required", ""))

    assert line("1. Sổ bảo hiểm xã hội.") == "Sổ bảo hiểm xã hội. (1 bản chính)"
    assert line("a) Tờ khai đăng ký khai sinh") == "Tờ khai đăng ký khai sinh (1 bản chính)"
    assert line("- Bản sao Giấy khai sinh") == "Bản sao Giấy khai sinh (1 bản chính)"
    assert line("10.000 đồng tiền phí") == "10.000 đồng tiền phí (1 bản chính)"  # a number, not a list marker

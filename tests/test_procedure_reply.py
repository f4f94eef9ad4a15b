"""Answers about procedures: one phone screen, buttons within Zalo's limits, and no invented facts."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from bot.catalogue import load_catalogue
from bot.catalogue_import import sources
from bot.catalogue_import.records import raw_code
from bot.catalogue_import.text import nfc
from bot.procedure_reply import (
    MAX_REPLY_CHARS,
    OfficeInfo,
    compose_answer,
    compose_life_event,
    compose_life_event_menu,
    compose_section,
    key_documents,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _check_limits(replies) -> None:
    for reply in replies:
        assert len(reply.text) <= MAX_REPLY_CHARS
        assert len(reply.buttons) <= 5
        assert all(len(b.title) <= 20 for b in reply.buttons)


def test_answer_for_khai_tu(catalogue) -> None:
    proc = catalogue.get("1.000656")
    office = OfficeInfo("UBND xã An Phú", "Thôn 1", "0236 3000 000", "7h30–17h")
    [reply] = compose_answer(proc, office)
    assert "Thủ tục đăng ký khai tử" in reply.text
    assert "UBND xã An Phú" in reply.text
    assert "1 ngày làm việc" in reply.text
    # "Miễn phí" with the council's note, never simplified.
    assert "Miễn phí (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh" in reply.text
    assert "Nguồn: Cổng DVC quốc gia, cập nhật 07/2026" in reply.text
    assert len(reply.text) < 1100
    payloads = [b.payload for b in reply.buttons]
    assert payloads[:3] == ["#proc 1.000656 docs", "#proc 1.000656 steps", "#proc 1.000656 legal"]
    assert reply.buttons[3].kind == "url" and reply.buttons[3].payload.startswith("https://dichvucong.gov.vn/")
    assert payloads[4] == "#staff 1.000656"
    _check_limits([reply])


def test_procedure_without_details_is_polite_and_links(catalogue) -> None:
    proc = next(p for p in catalogue.procedures.values() if not p.has_details and p.portal_url)
    [reply] = compose_answer(proc)
    assert "chưa có đủ thông tin" in reply.text
    assert reply.buttons[0].kind == "url"


def test_sections_split_and_stay_small(catalogue) -> None:
    longest = max(catalogue.procedures.values(), key=lambda p: len(p.documents))
    replies = compose_section(longest, "docs")
    assert len(replies) > 1
    _check_limits(replies)
    for section in ("steps", "legal"):
        _check_limits(compose_section(catalogue.get("1.000656"), section))


def test_life_event_browsing(catalogue) -> None:
    menu = compose_life_event_menu(catalogue)
    _check_limits(menu)
    payloads = [b.payload for r in menu for b in r.buttons]
    assert "#event 750" in payloads and "#event 759" in payloads
    replies = compose_life_event(catalogue, "759")
    _check_limits(replies)
    assert "#proc 1.000656" in [b.payload for r in replies for b in r.buttons]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.skipif(not (SHARED / sources.RAW_ARCHIVE).exists(), reason="shared data missing")
def test_no_invented_facts(catalogue) -> None:
    """Every fee, time and key document shown for 100 random procedures appears in the source record."""
    raw = {}
    for _, record in sources.raw_records(SHARED):
        raw.setdefault(raw_code(record), record)
    sample = [p for p in catalogue.procedures.values() if p.source == "dvcqg-raw"]
    random.Random(20260701).shuffle(sample)
    for proc in sample[:100]:
        source = raw.get(proc.code) or next(r for c, r in raw.items() if c.startswith(proc.code))
        channel_text = nfc(source["cach_thuc_thuc_hien"])
        docs_text = nfc(source["thanh_phan_ho_so"]).replace("\n", " ")
        text = compose_answer(proc)[0].text
        for channel in proc.channels:
            if channel.fee_text and channel.fee_text in text:
                assert channel.fee_text in channel_text
            if channel.note:
                assert channel.note[:60] in channel_text.replace("\n", " ")
            if channel.time_text:
                assert channel.time_text in channel_text
        for line in text.splitlines():
            fee = re.search(r"[Ll]ệ phí:? ([\d.,]+ ?(?:Việt Nam Đồng|VNĐ|USD|Đồng))", line)
            if fee:
                assert fee.group(1) in channel_text
            days = re.search(r"(\d+) ngày làm việc", line)
            if days and line.startswith("⏱"):
                assert days.group(1) in _digits(channel_text) or days.group(1) in channel_text
        for doc in key_documents(proc):
            assert " ".join(doc.name.split())[:80] in " ".join(docs_text.split())

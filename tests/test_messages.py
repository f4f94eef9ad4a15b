"""Rendering replies into Zalo messages within Zalo's limits."""

from __future__ import annotations

import unicodedata

from bot.conversation.replies import Button, Reply
from bot.zalo.messages import MAX_TEXT_CHARS, render_reply, split_text


def test_short_text_is_one_message() -> None:
    assert render_reply(Reply("Chào Anh/Chị")) == [{"text": "Chào Anh/Chị"}]


def test_long_text_splits_on_lines_within_the_limit() -> None:
    lines = [f"{i}. Giấy tờ số {i}: bản sao chứng thực hoặc bản chính để đối chiếu" for i in range(120)]
    parts = split_text("\n".join(lines))
    assert len(parts) > 1
    assert all(len(p) <= MAX_TEXT_CHARS for p in parts)
    assert "\n".join(parts).split("\n") == lines  # nothing lost, nothing cut mid-line


def test_a_single_overlong_line_is_cut_at_a_space() -> None:
    text = "hồ sơ " * 800
    parts = split_text(text)
    assert all(len(p) <= MAX_TEXT_CHARS for p in parts)
    assert " ".join(parts).split() == text.split()


def test_length_counts_after_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "ệ" * 1500)  # 4,500 code points, 1,500 after NFC
    assert len(split_text(decomposed)) == 1


def test_buttons_render_as_zalo_types_with_short_titles() -> None:
    reply = Reply("Chọn", (Button("Hồ sơ đầy đủ cần chuẩn bị", "#proc 1 docs"),
                           Button("Nộp trực tuyến", "https://dichvucong.gov.vn", "url"),
                           Button("Gọi bộ phận một cửa", "0900000000", "phone")))
    [message] = render_reply(reply)
    buttons = message["attachment"]["payload"]["buttons"]
    assert [b["type"] for b in buttons] == ["oa.query.hide", "oa.open.url", "oa.open.phone"]
    assert buttons[1]["payload"] == {"url": "https://dichvucong.gov.vn"}
    assert buttons[2]["payload"] == {"phone_code": "0900000000"}
    assert all(len(b["title"]) <= 20 for b in buttons)


def test_more_than_five_buttons_continue_in_a_second_message() -> None:
    reply = Reply("Chọn", tuple(Button(f"Mục {i}", f"#x {i}") for i in range(7)))
    messages = render_reply(reply)
    assert [len(m["attachment"]["payload"]["buttons"]) for m in messages] == [5, 2]


def test_buttons_go_under_the_last_part_of_a_long_text() -> None:
    messages = render_reply(Reply("dòng\n" * 1000, (Button("Menu", "#menu"),)))
    assert "attachment" not in messages[0] and "attachment" in messages[-1]

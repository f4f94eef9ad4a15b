"""Picking a candidate offered by a clarifying question."""

from __future__ import annotations

import pytest

from bot.conversation.choice import looks_like_choice, parse_choice


@pytest.mark.parametrize(("text", "index"), [
    ("1", 0), ("2", 1), (" 3 ", 2), ("số 2", 1), ("so 2", 1), ("cái thứ hai", 1), ("cai thu hai", 1),
    ("thứ 2", 1), ("cái đầu tiên", 0), ("cái đầu", 0), ("cái cuối", 3), ("chọn 3", 2), ("2 nhé", 1),
    ("lấy cái thứ 3", 2), ("Cái Thứ Nhất", 0), ("muc 4", 3), ("thứ tư", 3),
])
def test_picks(text: str, index: int) -> None:
    assert parse_choice(text, 4) == index
    assert looks_like_choice(text)  # what the router checks before reading the offered candidates


@pytest.mark.parametrize("text", ["5", "0", "đăng ký khai sinh", "cảm ơn", "2 bản sao giấy khai sinh",
                                  "H56.14-240823-0001", "ba tôi mất", "", "thứ hai làm việc không"])
def test_not_picks(text: str) -> None:
    assert parse_choice(text, 4) is None
    # Out of range is still the shape of a pick: the handler, which knows the count, declines it.
    assert looks_like_choice(text) == (text in ("5", "0"))

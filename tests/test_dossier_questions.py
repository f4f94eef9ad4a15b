"""Asking after one's dossier without its number gets the request for the number, not procedure buttons;
questions about a procedure's papers or duration that say "hồ sơ" still reach the matcher."""

from __future__ import annotations

import pytest

from bot.dossiers.questions import asks_about_a_dossier

ASKS_AFTER_A_DOSSIER = [
    "xem giup tinh trang ho so",
    "hồ sơ của em đến đâu rồi ạ",
    "tra cứu hồ sơ",
    "Tra cuu ho so giup em voi",
    "ho so nop tuan truoc ma chua co ket qua",
    "kiểm tra hồ sơ giúp em",
    "số biên nhận của tôi là 2412030045",
    "mã hồ sơ ở đâu trên giấy",
    "hồ sơ đất nộp 2 tháng rồi sao chậm quá",
    "tiến độ giải quyết hồ sơ",
    "ho so khai sinh cua con em xong chua",
    "hồ sơ xin trợ cấp của mẹ em đã duyệt chưa",
]
ABOUT_A_PROCEDURE = [
    "hồ sơ khai sinh gồm những gì",
    "cần hồ sơ gì để đăng ký kết hôn",
    "nop ho so bao lau thi co ket qua",
    "làm hồ sơ xin trợ cấp ở đâu",
    "ho so dang ky thuong tru can giay to gi",
    "nộp hồ sơ online được không",
    "hồ sơ hưởng chế độ thai sản",
    "đăng ký khai sinh cho con",
    "chứng thực bản sao mất mấy ngày thì xong",
]


@pytest.mark.parametrize("text", ASKS_AFTER_A_DOSSIER)
def test_asking_after_a_dossier_is_recognised(text: str) -> None:
    assert asks_about_a_dossier(text)


@pytest.mark.parametrize("text", ABOUT_A_PROCEDURE)
def test_a_procedure_question_is_not_taken_for_one(text: str) -> None:
    assert not asks_about_a_dossier(text)

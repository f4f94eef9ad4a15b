"""Receipt numbers found in citizens' messages, and look-alikes that are not receipts."""

from __future__ import annotations

import pytest

from bot.dossiers.receipts import canonical_receipt, find_receipts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The forms seen in the wild (DESIGN.md).
        ("000.00.06.H56-231027-0361", "000.00.06.H56-231027-0361"),
        ("H56.14-240823-0001", "H56.14-240823-0001"),
        ("H15.50-251203-2035", "H15.50-251203-2035"),
        ("38.98.H29-210519-0013", "38.98.H29-210519-0013"),
        ("000.A0.01.H26-210212-9090", "000.A0.01.H26-210212-9090"),
        ("000.00.21.H12-240105-0420", "000.00.21.H12-240105-0420"),
        # Lower case, spaces around dashes, dash variants.
        ("h56.14-240823-0001", "H56.14-240823-0001"),
        ("000.a0.01.h26 - 210212 - 9090", "000.A0.01.H26-210212-9090"),
        ("H56.14 –240823– 0001", "H56.14-240823-0001"),  # en dashes
        ("H56.14—240823—0001", "H56.14-240823-0001"),  # em dashes
        ("H56.14\u2212240823\u22120001", "H56.14-240823-0001"),  # minus sign
        ("H56.14\u2010240823\u20110001", "H56.14-240823-0001"),  # hyphen, non-breaking hyphen
        ("Ｈ５６.１４－２４０８２３－０００１", "H56.14-240823-0001"),  # noqa: RUF001 - full-width keyboard, on purpose
        # Inside sentences, next to punctuation.
        ("cho em hỏi hồ sơ H56.14-240823-0001 của em đến đâu rồi ạ", "H56.14-240823-0001"),
        ("Mã hồ sơ:000.00.06.H56-231027-0361.", "000.00.06.H56-231027-0361"),
        ("(38.98.h29-210519-0013)", "38.98.H29-210519-0013"),
        ("mã hs h15.50-251203-2035, cảm ơn", "H15.50-251203-2035"),
        ('"H56.14-240229-0001"', "H56.14-240229-0001"),  # 29 Feb of a leap year
    ],
)
def test_finds_real_receipts(text: str, expected: str) -> None:
    assert find_receipts(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "03706/2026/07906",  # social-insurance number
        "mã số BHXH 0123456789",
        "1.001193",  # procedure code
        "thủ tục 1.001193.000.00.00.H56",  # procedure code with a province suffix
        "0912345678",
        "0912-345-678",
        "+84 912 345 678",  # phone numbers
        "079203001234",
        "CCCD 079 203 001 234",  # personal id numbers
        "2024-08-23",
        "23-08-2024",
        "ngày 23-08-2024",  # dates
        "H56.14-241323-0001",  # month 13
        "H56.14-230229-0001",  # 29 Feb of a common year
        "H56.14-240431-0001",  # 31 April
        "H56.14-240823-001",  # 3-digit sequence
        "H56.14-240823-00011",  # 5-digit sequence
        "H56.14-24082-0001",  # 5-digit date
        "56.14-240823-0001",  # no province-style segment
        "H56-240823-0001",  # one segment only
        "1.2.3.4.H56-240823-0001",  # five segments
        "H56.14/240823/0001",  # slashes
        "H56.14-240823-0001.5",  # glued to more digits
        "XH56.14-240823-0001",  # glued to a letter before
        "số 12-240823-0001",
        "",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    assert find_receipts(text) == []


def test_several_receipts_in_order_without_repeats() -> None:
    text = "hồ sơ H56.14-240823-0001 và h56.14 - 240823 - 0001, còn 38.98.H29-210519-0013"
    assert find_receipts(text) == ["H56.14-240823-0001", "38.98.H29-210519-0013"]


def test_canonical_receipt_accepts_exactly_one_receipt() -> None:
    assert canonical_receipt(" h56.14 – 240823 – 0001 ") == "H56.14-240823-0001"
    assert canonical_receipt("H56.14-240823-0001 x") is None
    assert canonical_receipt("H56.14-241340-0001") is None
    assert canonical_receipt("1.001193") is None

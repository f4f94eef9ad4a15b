"""The status reply: all ten national states, dates, overdue with the apology note, buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dossiers.model import Dossier
from bot.dossiers.status import STATES, compose_change_notice, compose_status, is_overdue, template_data

NOW = datetime(2024, 9, 10, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def dossier(status: int, **changes: object) -> Dossier:
    values: dict[str, object] = dict(
        receipt="H56.14-240823-0001",
        procedure_name="Đăng ký khai sinh",
        status=status,
        received_at=datetime(2024, 8, 23, 1, 30, tzinfo=UTC),
        due_at=datetime(2024, 9, 20, 9, 0, tzinfo=UTC),
        channel="direct",
        return_method="desk",
        applicant_hashes={"full": "ab" * 32},
    )
    values.update(changes)
    return Dossier(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", range(1, 11))
def test_every_state_has_its_name_and_plain_meaning(status: int) -> None:
    [reply] = compose_status(dossier(status), NOW)
    name, meaning = STATES[status]
    assert f"Trạng thái: {name}" in reply.text
    assert meaning in reply.text
    assert "Hồ sơ H56.14-240823-0001" in reply.text
    assert "Thủ tục: Đăng ký khai sinh" in reply.text
    assert "Ngày tiếp nhận: 08:30 ngày 23/08/2024" in reply.text
    assert [b.title for b in reply.buttons] == ["Nhận thông báo", "Hỏi cán bộ"]
    assert reply.buttons[0].payload == "#dossier H56.14-240823-0001 subscribe"
    assert reply.buttons[1].payload == "#staff dossier H56.14-240823-0001"
    assert "quá hạn" not in reply.text


def test_state_texts_are_distinct_and_polite() -> None:
    meanings = [meaning for _, meaning in STATES.values()]
    assert len(set(meanings)) == 10
    assert [name for name, _ in STATES.values()][8] == "Đã xử lý xong (chờ trả kết quả)"


def test_on_time_due_date() -> None:
    [reply] = compose_status(dossier(4), NOW)
    assert "Ngày hẹn trả: 16:00 ngày 20/09/2024 (đúng hạn)" in reply.text


@pytest.mark.parametrize("status", [1, 2, 4, 5, 6])
def test_overdue_while_in_progress_carries_the_apology_note(status: int) -> None:
    late = NOW.replace(month=10)
    assert is_overdue(dossier(status), late)
    [reply] = compose_status(dossier(status), late)
    assert "(đã quá hạn)" in reply.text
    assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in reply.text


@pytest.mark.parametrize("status", [3, 7, 8, 9, 10])
def test_finished_or_ended_dossiers_are_never_overdue(status: int) -> None:
    late = NOW.replace(month=10)
    assert not is_overdue(dossier(status), late)
    assert "Phiếu xin lỗi" not in compose_status(dossier(status), late)[0].text


def test_missing_documents_when_a_supplement_is_requested() -> None:
    [reply] = compose_status(
        dossier(5, missing_documents=("Bản sao giấy chứng sinh", "Tờ khai có chữ ký")), NOW
    )
    assert "Giấy tờ cần bổ sung:\n• Bản sao giấy chứng sinh\n• Tờ khai có chữ ký" in reply.text


def test_fee_due() -> None:
    [reply] = compose_status(dossier(6, fee_amount=1250000), NOW)
    assert "Số tiền cần nộp: 1.250.000 đồng" in reply.text


def test_how_the_result_is_returned() -> None:
    assert "bộ phận một cửa" in compose_status(dossier(9), NOW)[0].text
    assert "bưu chính công ích" in compose_status(dossier(9, return_method="post"), NOW)[0].text


def test_subscribed_citizen_gets_the_unsubscribe_button() -> None:
    [reply] = compose_status(dossier(4), NOW, subscribed=True)
    assert reply.buttons[0].title == "Hủy thông báo"
    assert reply.buttons[0].payload == "#dossier H56.14-240823-0001 unsubscribe"


def test_no_personal_data_in_any_text() -> None:
    record = dossier(5, note="Bổ sung bản sao", missing_documents=("Giấy chứng sinh",))
    texts = [
        compose_status(record, NOW)[0].text,
        compose_change_notice(record, NOW)[0].text,
        str(template_data(record)),
    ]
    for text in texts:
        assert "ab" * 32 not in text
        assert "applicant" not in text


def test_change_notice() -> None:
    [reply] = compose_change_notice(dossier(9), NOW)
    assert reply.text.startswith("Hồ sơ H56.14-240823-0001 có cập nhật mới.")
    assert "Đã xử lý xong" in reply.text
    assert [b.payload for b in reply.buttons] == [
        "#dossier H56.14-240823-0001",
        "#dossier H56.14-240823-0001 unsubscribe",
    ]

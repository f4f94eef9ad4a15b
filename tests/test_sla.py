"""Office hours and SLA clocks: counted in office time, skipping nights, weekends and holidays. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.office.hours import OfficeHoursError, load_office_hours, office_hours_from_dict
from bot.tickets.model import OPEN, PENDING, RESOLVED, Ticket
from bot.tickets.sla import AMBER, GREEN, MET, MISSED, RED, SlaTargets, format_duration, ticket_sla
from bot.tickets.wording import expectation

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS = office_hours_from_dict(
    {
        "timezone": "Asia/Ho_Chi_Minh",
        "summary": "thứ Hai đến thứ Sáu",
        "week": {
            day: [["07:30", "11:30"], ["13:30", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
        },
        "holidays": ["2026-04-30", "2026-05-01"],
        "working_days": ["2026-05-16"],
    }
)


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)


def test_open_within_sessions_only() -> None:
    assert HOURS.is_open(vn(2026, 5, 4, 8, 0))  # Monday morning
    assert not HOURS.is_open(vn(2026, 5, 4, 12, 0))  # lunch break
    assert not HOURS.is_open(vn(2026, 5, 4, 17, 0))  # closing time itself is closed
    assert not HOURS.is_open(vn(2026, 5, 3, 9, 0))  # Sunday
    assert not HOURS.is_open(vn(2026, 4, 30, 9, 0))  # holiday (a Thursday)
    assert HOURS.is_open(vn(2026, 5, 16, 9, 0))  # make-up Saturday
    assert HOURS.is_open(datetime(2026, 5, 4, 1, 0, tzinfo=UTC))  # 08:00 in Hanoi


def test_office_seconds_skip_lunch_nights_weekends_and_holidays() -> None:
    assert HOURS.office_seconds_between(vn(2026, 5, 4, 11, 0), vn(2026, 5, 4, 14, 0)) == 3600
    # Friday 16:00 → Monday 08:30: one hour on Friday, one on Monday.
    assert HOURS.office_seconds_between(vn(2026, 5, 8, 16, 0), vn(2026, 5, 11, 8, 30)) == 3600 * 2
    # Wednesday 16:30 → Monday 8:00 over the 30/4–1/5 holidays and a weekend: 30 + 30 minutes.
    assert HOURS.office_seconds_between(vn(2026, 4, 29, 16, 30), vn(2026, 5, 4, 8, 0)) == 3600
    assert HOURS.office_seconds_between(vn(2026, 5, 4, 9, 0), vn(2026, 5, 4, 8, 0)) == 0


def test_due_time_is_counted_in_office_hours() -> None:
    assert HOURS.add_office_seconds(vn(2026, 5, 4, 9, 0), 3600) == vn(2026, 5, 4, 10, 0)
    assert HOURS.add_office_seconds(vn(2026, 5, 4, 11, 0), 3600) == vn(2026, 5, 4, 14, 0)
    # Asked on Wednesday evening before the holidays: answered Monday 8:30.
    assert HOURS.add_office_seconds(vn(2026, 4, 29, 20, 0), 3600) == vn(2026, 5, 4, 8, 30)
    assert HOURS.next_opening(vn(2026, 5, 2, 10, 0)) == vn(2026, 5, 4, 7, 30)
    assert HOURS.next_opening(vn(2026, 5, 4, 10, 0)) == vn(2026, 5, 4, 10, 0)


def ticket(
    created: datetime, status: str = OPEN, first: datetime | None = None, resolved: datetime | None = None
) -> Ticket:
    return Ticket(
        id="1", user_id="u", status=status, created_at=created, first_response_at=first, resolved_at=resolved
    )


TARGETS = SlaTargets(first_response_seconds=3600, resolution_seconds=8 * 3600)


def test_first_response_clock_colours() -> None:
    created = vn(2026, 5, 4, 9, 0)
    assert ticket_sla(ticket(created), vn(2026, 5, 4, 9, 30), HOURS, TARGETS).colour == GREEN
    assert ticket_sla(ticket(created), vn(2026, 5, 4, 9, 50), HOURS, TARGETS).colour == AMBER
    assert ticket_sla(ticket(created), vn(2026, 5, 4, 10, 1), HOURS, TARGETS).colour == RED


def test_a_question_at_night_is_not_late_next_morning() -> None:
    sla = ticket_sla(ticket(vn(2026, 5, 8, 21, 0)), vn(2026, 5, 11, 8, 0), HOURS, TARGETS)
    assert sla.first_response.elapsed_seconds == 30 * 60  # Friday night and the weekend do not count
    assert sla.first_response.due_at == vn(2026, 5, 11, 8, 30)
    assert sla.colour == GREEN


def test_stopped_clocks_are_met_or_missed() -> None:
    created = vn(2026, 5, 4, 9, 0)
    answered = ticket(created, PENDING, first=vn(2026, 5, 4, 9, 20))
    sla = ticket_sla(answered, vn(2026, 5, 5, 9, 0), HOURS, TARGETS)
    assert sla.first_response.state == MET
    assert sla.colour == AMBER  # resolution: 7.5 of 8 office hours by Tuesday 9:00
    assert ticket_sla(answered, vn(2026, 5, 5, 10, 0), HOURS, TARGETS).colour == RED
    late = ticket(created, RESOLVED, first=vn(2026, 5, 4, 13, 45), resolved=vn(2026, 5, 4, 16, 0))
    sla = ticket_sla(late, vn(2026, 5, 6, 9, 0), HOURS, TARGETS)
    assert (sla.first_response.state, sla.resolution.state, sla.colour) == (MISSED, MET, MET)


def test_expectation_text_knows_office_hours_and_holidays() -> None:
    during = expectation(vn(2026, 5, 4, 9, 0), HOURS, 3600)
    assert "10:00 hôm nay" in during
    night = expectation(vn(2026, 5, 4, 20, 0), HOURS, 3600)
    assert "ngoài giờ làm việc" in night and "8:30 ngày mai (thứ Ba, 05/05)" in night
    holiday = expectation(vn(2026, 4, 30, 9, 0), HOURS, 3600)
    assert holiday.startswith("Hôm nay là ngày nghỉ") and "8:30 thứ Hai, 04/05" in holiday


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(OfficeHoursError):
        office_hours_from_dict({"week": {"mon": [["17:00", "07:30"]]}})
    with pytest.raises(OfficeHoursError):
        office_hours_from_dict({"week": {"monday": []}})
    with pytest.raises(OfficeHoursError):
        office_hours_from_dict({"week": {}}).next_opening(vn(2026, 5, 4, 9, 0))


def test_shipped_configuration_loads_with_extra_holidays_from_env() -> None:
    hours = load_office_hours(Settings(office_holidays=("2026-05-04",)))
    assert not hours.is_open(vn(2026, 5, 4, 9, 0))
    assert hours.is_open(vn(2026, 5, 5, 9, 0))
    assert not hours.is_open(vn(2026, 2, 17, 9, 0))  # Tết


def test_format_duration() -> None:
    assert format_duration(45 * 60) == "45 phút"
    assert format_duration(timedelta(hours=2, minutes=5).total_seconds()) == "2 giờ 5 phút"
    assert format_duration(timedelta(days=3, hours=4).total_seconds()) == "3 ngày 4 giờ"

"""The check-in board as officials and the API read it: counts per area, the help requests with their
state and who handles each, and the CSV export (Vietnamese headers, Vietnam time)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import redis

from bot.broadcasts.areas import Areas
from bot.broadcasts.checkins import NO_AREA, Answer, AreaCounts, CheckinStore, totals
from bot.config import VIETNAM, Settings
from bot.tickets.store import TicketStore

ANSWER_LABELS = {"safe": "An toàn", "help": "Cần giúp", "": "Chưa trả lời"}
STATE_LABELS = {"new": "Mới", "assigned": "Đã có người nhận", "reached": "Đã tiếp cận", "resolved": "Đã xong"}
CSV_HEADER = ("Mã tham chiếu", "Khu vực", "Trả lời", "Thời điểm", "Mã yêu cầu cứu giúp", "Trạng thái", "Người xử lý")


@dataclass(frozen=True)
class HelpRequest:
    ticket_id: str
    user_id: str
    state: str  # new, assigned, reached, resolved
    handled_by: str
    area: str
    map_link: str
    situation: str
    phone: str
    at: float


def help_requests(client: redis.Redis, settings: Settings, board: str) -> list[HelpRequest]:
    """The board's SOS tickets, the newest first."""
    tickets = TicketStore(client, settings)
    found = []
    for user_id, ticket_id in CheckinStore(client, settings).tickets(board).items():
        ticket = tickets.get(ticket_id)
        if ticket is None:
            continue
        found.append(HelpRequest(ticket.id, user_id, ticket.help_state, ticket.reached_by or ticket.assignee,
                                 ticket.area, ticket.map_link, ticket.situation, ticket.phone,
                                 ticket.created_at.timestamp()))
    return sorted(found, key=lambda h: -h.at)


def board_rows(areas: Areas, rows: Iterable[AreaCounts]) -> list[dict[str, object]]:
    """One row per area in the commune's order (areas nobody was sent to included), then "no area"."""
    by_area = {row.area: row for row in rows}
    ordered = [by_area.get(area.id, AreaCounts(area.id, 0, 0, 0)) for area in areas]
    ordered += [row for key, row in by_area.items() if key not in {a.id for a in areas}]
    out = [{"area": row.area, "name": areas.name(row.area) if row.area != NO_AREA else "Chưa rõ khu vực",
            **row.as_dict()} for row in ordered]
    out.append({"area": "", "name": "Tổng cộng", **totals(ordered).as_dict()})
    return out


def vn(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%H:%M %d/%m/%Y") if epoch else ""


def csv_lines(answers: Iterable[Answer], areas: Areas, requests: list[HelpRequest],
              reference: Callable[[str], str]) -> Iterator[str]:
    """The board as CSV, one row per recipient; streamed in 64 KB pieces."""
    by_user = {h.user_id: h for h in requests}
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the Vietnamese as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for answer in answers:
        request = by_user.get(answer.user_id)
        writer.writerow((reference(answer.user_id), areas.name(answer.area) if answer.area else "",
                         ANSWER_LABELS.get(answer.kind, answer.kind), vn(answer.at),
                         request.ticket_id if request else "", STATE_LABELS[request.state] if request else "",
                         request.handled_by if request else ""))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

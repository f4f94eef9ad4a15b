"""The delivery report: one CSV row per recipient, and the progress figures. Pure formatting."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from bot.broadcasts.store import Broadcast

# The report officials open in Excel: Vietnamese headers and states (the API's JSON keeps the machine names).
HEADER = ("Mã người nhận (Zalo)", "Trạng thái", "Kênh", "Mã tin nhắn", "Mã lỗi")
STATE_LABELS = {"sent": "Đã gửi", "failed": "Lỗi", "unreachable": "Ngoài 7 ngày, không có tin mẫu",
                "cancelled": "Đã dừng", "queued": "Đang chờ"}
CHANNEL_LABELS = {"cs": "Tin tư vấn", "template": "Tin mẫu"}


def delivery_row(user_id: str, state: str) -> tuple[str, str, str, str, str]:
    """'sent cs 123' → (user, sent, cs, 123, ''); 'failed cs -213' → (user, failed, cs, '', -213)."""
    kind, *rest = state.split()
    channel = rest[0] if rest else ""
    detail = rest[1] if len(rest) > 1 else ""
    return (user_id, kind, channel, detail if kind == "sent" else "", detail if kind == "failed" else "")


def csv_lines(deliveries: Iterable[tuple[str, str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for user_id, state in deliveries:
        user, kind, channel, message_id, error = delivery_row(user_id, state)
        writer.writerow((user, STATE_LABELS.get(kind, kind), CHANNEL_LABELS.get(channel, channel), message_id, error))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def progress(broadcast: Broadcast, counts: dict[str, int]) -> dict[str, object]:
    done = counts["sent"] + counts["failed"] + counts["unreachable"] + counts["cancelled"]
    total = broadcast.total or sum(counts[k] for k in ("queued", "sent", "failed", "unreachable", "cancelled"))
    return {"id": broadcast.id, "status": broadcast.status, "msg_type": broadcast.announcement.msg_type,
            "total": total, "queued": counts["queued"], "sent": counts["sent"], "failed": counts["failed"],
            "unreachable": counts["unreachable"], "cancelled": counts["cancelled"],
            "sent_cs": counts["sent_cs"], "sent_template": counts["sent_template"],
            "sent_zns": counts["sent_zns"],
            "percent": round(100 * done / total, 1) if total else (100.0 if broadcast.status == "done" else 0.0),
            "reason": broadcast.reason}

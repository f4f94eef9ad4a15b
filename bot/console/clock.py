"""Times as staff read them: Vietnam time, whatever the server's own time zone. Pure."""

from __future__ import annotations

from datetime import datetime

from bot.config import VIETNAM


def vietnam_time(moment: float | str | datetime | None) -> str:
    """Epoch seconds or a datetime as "HH:MM dd/mm/YYYY" in Vietnam time; "" for nothing."""
    if not moment:
        return ""
    at = moment if isinstance(moment, datetime) else datetime.fromtimestamp(float(moment), VIETNAM)
    return at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")

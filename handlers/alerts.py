"""Citizen side of emergency announcements: read the active ones, choose an area, opt out.

Wired in handlers/__init__.py: `handle_alerts_text` when `is_alerts_question` (before the matcher),
"#alerts" = alerts_command, "#area" = area_command.
"""

from __future__ import annotations

import re

from bot.broadcasts.areas import Areas
from bot.broadcasts.compose import announcement_text
from bot.broadcasts.store import Broadcast, BroadcastStore
from bot.broadcasts.targeting import in_target
from bot.conversation.context import Context
from bot.conversation.replies import Button, Reply
from bot.office.current import office_config
from bot.procedures.textnorm import fold
from bot.stores.followers import FollowerRegistry

MAX_SHOWN = 3
# Folded phrases that can only mean "announcements" (a procedure like "thông báo lưu trú" must not match).
PHRASES = ("co thong bao gi", "thong bao khan", "thong bao moi", "canh bao", "tin khan", "tin bao", "bao lu",
           "lu lut", "dich benh", "co bao khong", "co dich khong")
WHOLE = {"thong bao", "bao", "lu", "dich", "bao lu", "thong bao khan"}
# With diacritics, storm / flood / epidemic words are unambiguous in a short message ("dịch vụ" is not).
HAZARD_WORDS = re.compile(r"(?<!\w)(bão|lũ|lụt|dịch(?!\s+vụ))(?!\w)")


def is_alerts_question(text: str) -> bool:
    folded = fold(text).strip(" ?!.")
    padded = f" {folded} "
    if folded in WHOLE or any(f" {phrase} " in padded for phrase in PHRASES):
        return True
    return len(text.split()) <= 6 and bool(HAZARD_WORDS.search(text.lower()))


def _area_of(ctx: Context) -> str | None:
    return FollowerRegistry(ctx.redis, ctx.settings).get(ctx.user_id).get("area") or None


def active_for(ctx: Context) -> list[Broadcast]:
    """Not expired, not cancelled, for everyone or the citizen's area; the newest first."""
    store = BroadcastStore(ctx.redis, ctx.settings)
    area = _area_of(ctx)
    live = [b for b in store.live(ctx.now.timestamp()) if b.status in ("sending", "done")]
    return sorted((b for b in live if in_target(area, b.announcement)), key=lambda b: -b.created_at)


def alerts_reply(ctx: Context) -> list[Reply]:
    area = _area_of(ctx)
    buttons = (Button("Chọn khu vực", "#area"), Button("Menu", "#menu"))
    active = active_for(ctx)
    if not active:
        where = f" cho {office_config(ctx.redis, ctx.settings).areas.name(area)}" if area else ""
        hint = "" if area else "\nAnh/Chị chọn khu vực (ấp/khu phố) để nhận đúng thông báo nơi mình ở."
        return [Reply(f"Hiện không có thông báo khẩn nào{where}.{hint}", buttons)]
    replies = [Reply(announcement_text(b.announcement, ctx.settings.commune_name,
                                       invite=not area and not b.announcement.targets_all))
               for b in active[:MAX_SHOWN]]
    more = f"\n(Còn {len(active) - MAX_SHOWN} thông báo cũ hơn.)" if len(active) > MAX_SHOWN else ""
    replies.append(Reply(f"Đó là {min(len(active), MAX_SHOWN)} thông báo đang có hiệu lực.{more}", buttons))
    return replies


def handle_alerts_text(ctx: Context, text: str) -> list[Reply]:
    """Routed only when `is_alerts_question(text)`."""
    return alerts_reply(ctx)


def alerts_command(ctx: Context, args: list[str]) -> list[Reply]:
    """#alerts → the active announcements; #alerts off / on → opt out of (back into) non-emergency notices."""
    if args and args[0].lower() in ("off", "on"):
        opted_out = args[0].lower() == "off"
        FollowerRegistry(ctx.redis, ctx.settings).set_alerts_opt_out(ctx.user_id, opted_out)
        if opted_out:
            text = ("Đã tắt thông báo thông thường. Anh/Chị vẫn nhận cảnh báo khẩn cấp (bão, lũ, dịch bệnh) "
                    "để giữ an toàn.")
            return [Reply(text, (Button("Bật lại", "#alerts on"),))]
        return [Reply("Đã bật lại mọi thông báo của xã.", (Button("Thông báo khẩn", "#alerts"),))]
    return alerts_reply(ctx)


def area_command(ctx: Context, args: list[str]) -> list[Reply]:
    """#area → the areas as buttons; #area <id> → remember the citizen's area."""
    areas = office_config(ctx.redis, ctx.settings).areas
    if args:
        area = areas.find(" ".join(args))
        if area is None:
            return [Reply("Không tìm thấy khu vực này. Anh/Chị chọn lại giúp ạ.", _area_buttons(areas))]
        FollowerRegistry(ctx.redis, ctx.settings).set_area(ctx.user_id, area.id)
        return [Reply(f"Đã ghi nhận khu vực của Anh/Chị: {area.name}. Anh/Chị sẽ nhận thông báo cho khu vực này.",
                      (Button("Thông báo khẩn", "#alerts"), Button("Tắt tin thường", "#alerts off")))]
    current = _area_of(ctx)
    intro = f"Khu vực hiện tại: {areas.name(current)}. " if current else ""
    return [Reply(f"{intro}Anh/Chị ở ấp/khu phố nào ạ?", _area_buttons(areas))]


def _area_buttons(areas: Areas) -> tuple[Button, ...]:
    return tuple(Button(area.name, f"#area {area.id}") for area in areas)


"""Pages, not walls: a long section split into pages of at most two messages (pure).

Blocks (a document, a step, a heading) are packed into messages of at most MESSAGE_CHARS; a block
longer than a message is cut at sentence or clause ends (nothing dropped, no word split). Every page
starts with its heading and "(trang k/n)"; a tap shows one page.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.shorten import split_long

MESSAGE_CHARS = 1900  # Zalo takes 2,000; the margin keeps NFC and a header from tipping over
MESSAGES_PER_PAGE = 2
PAGE_MARK_CHARS = 16  # room for " (trang 12/34)"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    total: int
    messages: tuple[str, ...]


def _pack(blocks: list[str], room: int) -> list[str]:
    """Blocks into messages of at most `room` characters, in order."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for part in split_long(block, room - 1) if len(block) > room - 1 else [block]:
            candidate = f"{current}\n{part}" if current else part
            if len(candidate) > room and current:
                messages.append(current)
                current = part
            else:
                current = candidate
    if current:
        messages.append(current)
    return messages


def paginate(heading: str, blocks: list[str], footer: str = "") -> list[Page]:
    """All pages of a section. Each page's first message starts with `heading (trang k/n)`."""
    head_room = len(heading) + PAGE_MARK_CHARS + 1
    room = MESSAGE_CHARS - head_room  # every message may become a page's first one
    items = [*blocks, footer] if footer else list(blocks)
    messages = _pack(items, room)
    groups = [messages[i:i + MESSAGES_PER_PAGE] for i in range(0, len(messages), MESSAGES_PER_PAGE)] or [[]]
    total = len(groups)
    pages = []
    for number, group in enumerate(groups, 1):
        mark = f" (trang {number}/{total})" if total > 1 else ""
        first = f"{heading}{mark}\n{group[0]}" if group else f"{heading}{mark}"
        pages.append(Page(number, total, (first, *group[1:])))
    return pages

"""One registry of routes: what each handler matches, in which group, and the hooks after them.

The shape follows python-telegram-bot (ordered handler groups; a handler is a check plus a
handle) and bolt-python (listeners registered with matchers). A route's `matches` is pure: it
looks at the event and its text only, never at Redis, so asking "whose is this?" changes
nothing. Routes are tried by group, then in registration order; the first matching route whose
`handle` returns a list (even empty) answers. A handle may still return None after looking at
stored state ("a pick, but no candidates were offered"): the next route then gets the event.
Before hooks run once per event ahead of every route (recording what arrived), after hooks once
with the final replies, whichever route answered: neither decides anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from bot.conversation.commands import parse_command
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.media.attachments import caption_of

Handle = Callable[[Context], list[Reply] | None]
Matcher = Callable[[Context], bool]
TextHandle = Callable[[Context, str], list[Reply] | None]
TextPredicate = Callable[[str], bool]
CommandHandle = Callable[[Context, list[str]], list[Reply]]
BeforeHook = Callable[[Context], None]
AfterHook = Callable[[Context, list[Reply]], None]

TEXT_EVENT = "user_send_text"


class Group(IntEnum):
    """Route groups, tried in this order."""

    GATE = 0  # sees every event first (the staff handoff)
    EVENT = 10  # one handler per event name (follow, media...)
    COMMAND = 20  # "#name args" sent back by buttons
    TEXT = 30  # typed text, in registration order
    FALLBACK = 90  # typed text nobody understood


@dataclass(frozen=True)
class Route:
    name: str
    group: Group
    matches: Matcher
    handle: Handle


def _any_text(text: str) -> bool:
    return True


def _command_of(ctx: Context) -> tuple[str, list[str]] | None:
    return parse_command(ctx.text) if ctx.event.name == TEXT_EVENT else None


def reads_as_text(ctx: Context) -> bool:
    """Typed text, or the caption of a photo, file or link: read as if the citizen had typed it."""
    return ctx.event.name == TEXT_EVENT or bool(caption_of(ctx.event))


class Router:
    def __init__(self, unknown_command: CommandHandle) -> None:
        self._routes: list[Route] = []
        self._commands: dict[str, CommandHandle] = {}
        self._before: list[BeforeHook] = []
        self._after: list[AfterHook] = []
        # Every "#name" goes to the command table; a name nobody registered gets this answer.
        self._unknown_command = unknown_command
        self.add(Route("commands", Group.COMMAND, lambda ctx: _command_of(ctx) is not None, self._run_command))

    # -- registration -----------------------------------------------------------------------------

    def add(self, route: Route) -> None:
        if any(existing.name == route.name for existing in self._routes):
            raise ValueError(f"route {route.name!r} registered twice")
        self._routes.append(route)
        self._routes.sort(key=lambda r: r.group)  # stable: registration order within a group

    def on_event(self, handle: Handle, *names: str, group: Group = Group.EVENT) -> None:
        wanted = frozenset(names)
        self.add(Route("event:" + ",".join(names), group, lambda ctx: ctx.event.name in wanted, handle))

    def on_command(self, name: str, handle: CommandHandle) -> None:
        if name in self._commands:
            raise ValueError(f"command #{name} registered twice")
        self._commands[name] = handle

    def on_text(self, handle: TextHandle, when: TextPredicate = _any_text, group: Group = Group.TEXT,
                name: str = "") -> None:
        """Typed text or a caption (not a "#command") for which `when(text)` holds; handlers get the
        stripped text."""

        def matches(ctx: Context) -> bool:
            return reads_as_text(ctx) and _command_of(ctx) is None and when(ctx.text.strip())

        self.add(Route(name or f"text:{handle.__module__}.{handle.__qualname__}", group, matches,
                       lambda ctx: handle(ctx, ctx.text.strip())))

    def before(self, hook: BeforeHook) -> None:
        self._before.append(hook)

    def after(self, hook: AfterHook) -> None:
        self._after.append(hook)

    # -- dispatch ---------------------------------------------------------------------------------

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)

    @property
    def commands(self) -> frozenset[str]:
        return frozenset(self._commands)

    def dispatch(self, ctx: Context) -> list[Reply]:
        self.prepare(ctx)
        # None: seen, received, reactions, echoes...: nothing to say.
        replies = self.first_answer(ctx) or []
        for hook in self._after:
            hook(ctx, replies)
        return replies

    def prepare(self, ctx: Context) -> None:
        """The before hooks (dispatch runs them; a test calling `first_answer` alone may too)."""
        for hook in self._before:
            hook(ctx)

    def first_answer(self, ctx: Context, only: Group | None = None) -> list[Reply] | None:
        """The first answer (of group `only`, if given), None when no route answered; no hooks."""
        for route in self._routes:
            if only is not None and route.group != only:
                continue
            if not route.matches(ctx):
                continue
            replies = route.handle(ctx)
            if replies is not None:
                return replies
        return None

    def _run_command(self, ctx: Context) -> list[Reply]:
        parsed = _command_of(ctx)
        assert parsed is not None  # the route matched
        name, args = parsed
        return self._commands.get(name, self._unknown_command)(ctx, args)

"""Hidden commands that buttons send back as the citizen's text: "#name arg...". Pure."""

from __future__ import annotations


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """("proc", ["1.001193", "docs"]) for "#proc 1.001193 docs"; None when the text is no command.

    A bare "#" is a command with no name (""), which no handler knows."""
    stripped = text.strip()
    if not stripped.startswith("#"):
        return None
    words = stripped[1:].split()
    return (words[0].lower(), words[1:]) if words else ("", [])

"""`flask --app wsgi match [QUERY]`: match one query, or one per line from standard input.

Prints one JSON object per query: {"query", "decision", "candidates": [{"code", "name", "score"}]}, where
decision is "answer", "clarify" or "fallback" (small talk and receipt numbers are "fallback").
Also runnable as `python -m bot.procedures.cli_match`.
"""

from __future__ import annotations

import json
import sys

import click

from bot.config import Settings
from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import MatchResult
from bot.services import build_matcher


def _line(result: MatchResult) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False)


@click.command("match")
@click.argument("query", required=False)
def match_command(query: str | None) -> None:
    """Match QUERY (or each line of standard input) against the procedure catalogue."""
    matcher = build_matcher(load_catalogue(), Settings.from_env())
    if query is not None:
        click.echo(_line(matcher.match(query)))
        return
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line.strip():
            click.echo(_line(matcher.match(line)))


if __name__ == "__main__":
    match_command()

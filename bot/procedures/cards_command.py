"""`flask --app wsgi cards check|draft`: the commune officer's tools for data/cards.toml."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.procedures.cards import CARDS_FILE, CardsError, catalogue_digest, load_cards
from bot.procedures.cards_draft import draft_card_toml
from bot.procedures.catalogue import load_catalogue


@click.group("cards")
def cards_command() -> None:
    """Thẻ thủ tục bằng lời dễ hiểu (data/cards.toml)."""


@cards_command.command("check")
@click.option("--file", "path", type=click.Path(path_type=Path), default=CARDS_FILE, show_default=True)
def check_command(path: Path) -> None:
    """Đối chiếu từng thẻ với danh mục thủ tục; in dấu mới cho thẻ cần đối chiếu lại."""
    try:
        cards = load_cards(path)
    except CardsError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    catalogue = load_catalogue()
    problems = 0
    for card in cards.values():
        proc = catalogue.get(card.code)
        if proc is None:
            problems += 1
            click.echo(f"✗ {card.code} {card.title}: không có trong danh mục thủ tục")
            continue
        names = {d.name for d in proc.documents}
        unknown = [d.text for d in card.documents if d.source not in names]
        digest = catalogue_digest(proc)
        if digest != card.catalogue_digest or unknown:
            problems += 1
            click.echo(f"✗ {card.code} {card.title}: danh mục đã thay đổi, cần đối chiếu lại "
                       f"(đã đối chiếu {card.checked}); dấu mới: catalogue_digest = \"{digest}\"")
            for text in unknown:
                click.echo(f"    giấy tờ «{text}»: «source» không còn trong bản ghi")
        else:
            click.echo(f"✓ {card.code} {card.title}")
    click.echo(f"{len(cards)} thẻ, {problems} thẻ cần đối chiếu lại.")
    sys.exit(1 if problems else 0)


@cards_command.command("draft")
@click.argument("code")
def draft_command(code: str) -> None:
    """In bản nháp thẻ cho thủ tục CODE, để chép vào data/cards.toml rồi sửa lời."""
    proc = load_catalogue().get(code)
    if proc is None or not proc.has_details:
        click.echo(f"Lỗi: danh mục không có chi tiết thủ tục {code}", err=True)
        sys.exit(1)
    click.echo(draft_card_toml(proc))

"""Printable A4 posters of procedures: the facts (the very lines the bot answers with) and the QR code.

`poster_facts` is pure and reuses bot.procedures.procedure_reply, so the poster never states a fee, a time or a
document differently from the bot. The HTML sheet is a template (bot/procedures/templates/public/posters.html,
with a print stylesheet); `render_posters_pdf` draws the same facts with fpdf2 and a Unicode TTF font
(DejaVu Sans from Debian's fonts-dejavu-core), one A4 page per procedure.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from bot.procedures.catalogue import Procedure
from bot.procedures.procedure_reply import (
    OfficeInfo,
    channel_lines,
    clip,
    document_line,
    key_documents,
    source_line,
    submission_ways,
    where_lines,
)
from bot.procedures.qr import procedure_keyword, qr_png

POSTER_DOCUMENTS = 5
# One procedure must fit one A4 page: long entries are clipped here (the page behind the QR has them whole).
DOCUMENT_CHARS = 170
LINE_CHARS = 260
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts"), Path.home() / ".fonts")
FONT_REGULAR, FONT_BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
# fpdf2 subsets fonts with fontTools, which logs every table at INFO: noise in the web logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class PosterFontMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class PosterFacts:
    code: str
    name: str
    keyword: str
    page_url: str
    lines: tuple[str, ...]  # time and fee (with its note), ways of submitting, the desk's services
    documents: tuple[str, ...]
    more_documents: int  # how many papers the full list has beyond these
    where: str
    source: str


def strip_icons(line: str) -> str:
    """The bot's lines start with emoji; print fonts have none, and paper does not need them."""
    kept = [ch for ch in line if unicodedata.category(ch) not in ("So", "Sk", "Cs") and ch != "\ufe0f"]
    return "".join(kept).strip()


def poster_facts(proc: Procedure, page_url: str, office: OfficeInfo | None = None) -> PosterFacts:
    lines = [strip_icons(line) for line in channel_lines(proc)]
    ways = submission_ways(proc)
    if ways:
        lines.append(f"Cách nộp: {ways}")
    if office:
        lines.extend(service.line for service in office.services if service.applies_to(proc))
    documents = key_documents(proc, POSTER_DOCUMENTS)
    counted = [d for d in proc.documents if d.group != "note"]
    where = "; ".join(strip_icons(line).replace("Nơi nộp: ", "", 1) for line in where_lines(proc, office))
    return PosterFacts(
        code=proc.code, name=proc.name, keyword=procedure_keyword(proc.code), page_url=page_url,
        lines=tuple(clip(line, LINE_CHARS) for line in lines),
        documents=tuple(document_line(d, DOCUMENT_CHARS) for d in documents),
        more_documents=max(0, len(counted) - len(documents)), where=where, source=source_line(proc),
    )


def find_font(name: str = FONT_REGULAR) -> Path:
    for folder in FONT_DIRS:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise PosterFontMissing(f"{name} not found: install Debian's fonts-dejavu-core")


class _PosterPdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(16, 14, 16)
        self.set_auto_page_break(auto=True, margin=14)
        self.add_font("DejaVu", "", str(find_font(FONT_REGULAR)))
        self.add_font("DejaVu", "B", str(find_font(FONT_BOLD)))


def _write_page(pdf: _PosterPdf, facts: PosterFacts, commune_name: str) -> None:
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(width, 6, commune_name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(width, 5, "HƯỚNG DẪN THỦ TỤC HÀNH CHÍNH", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(width, 8, facts.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(width, 6, f"Mã thủ tục: {facts.code}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    qr_size = 54
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(facts.page_url, scale=10)), x=pdf.l_margin + (width - qr_size) / 2, y=top,
              w=qr_size, h=qr_size)
    pdf.set_y(top + qr_size + 1)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(width, 5, "Quét mã để xem hướng dẫn và nhắn hỏi qua Zalo", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 7, f"Hoặc nhắn Zalo: {facts.keyword}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    def heading(text: str) -> None:
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)

    if facts.where:
        heading("Nơi nộp")
        pdf.multi_cell(width, 5.2, facts.where, new_x="LMARGIN", new_y="NEXT")
    if facts.lines:
        heading("Thời hạn, lệ phí, cách nộp")
        for line in facts.lines:
            pdf.multi_cell(width, 5.2, f"• {line}", new_x="LMARGIN", new_y="NEXT")
    if facts.documents:
        heading("Giấy tờ chính")
        for number, doc in enumerate(facts.documents, 1):
            pdf.multi_cell(width, 5.2, f"{number}. {doc}", new_x="LMARGIN", new_y="NEXT")
        if facts.more_documents:
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(width, 5, f"(và {facts.more_documents} giấy tờ khác theo từng trường hợp: xem đủ khi "
                           "quét mã)", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(width, 4.5, f"{facts.source} · {facts.page_url}", new_x="LMARGIN", new_y="NEXT")


def render_posters_pdf(posters: Sequence[PosterFacts], commune_name: str) -> bytes:
    """One A4 page per procedure."""
    pdf = _PosterPdf()
    pdf.set_title("Hướng dẫn thủ tục hành chính")
    pdf.set_creator(commune_name)
    for facts in posters:
        _write_page(pdf, facts, commune_name)
    return bytes(pdf.output())

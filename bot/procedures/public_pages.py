"""Public, mobile-friendly pages per procedure, the QR images that point to them, and printable posters.

GET /p/<code>              the procedure's facts (the same lines as the bot's answer) and "Mở Zalo"
GET /p/<code>/poster       the A4 poster (HTML, print stylesheet)
GET /p/<code>/poster.pdf   the same poster as PDF
GET /qr/<code>.svg|.png    the QR code of /p/<code>
No login: these are what a citizen scanning a poster opens.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Response, current_app, render_template, request

from bot.config import Settings
from bot.conversation.replies import Button
from bot.office.current import effective_settings, office_config
from bot.office.info import CommuneInfo
from bot.procedures.card_lookup import card_for
from bot.procedures.catalogue import Procedure, load_catalogue
from bot.procedures.posters import PosterFacts, poster_facts, render_posters_pdf
from bot.procedures.procedure_reply import (
    SECTION_TITLES,
    answer_facts,
    document_part,
    portal_button,
    section_blocks,
    source_line,
)
from bot.procedures.qr import chat_link, procedure_keyword, procedure_page_url, qr_png, qr_svg

PUBLIC_CACHE = "public, max-age=3600"
# Without PUBLIC_BASE_URL the links inside a page or QR code come from the request's Host header,
# which the client chooses: such a response must not be kept by any cache and served to others.
NO_STORE = "private, no-store"


def public_base_url(settings: Settings) -> str:
    """PUBLIC_BASE_URL when the deployment sets it (behind a proxy), else the address of this request."""
    return effective_settings(current_app.config["REDIS"], settings).public_base_url or request.url_root


def cache_control(settings: Settings) -> str:
    """Shared caching only for responses whose links do not depend on the request's Host header."""
    return PUBLIC_CACHE if effective_settings(current_app.config["REDIS"], settings).public_base_url else NO_STORE


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def current_info() -> CommuneInfo:
    """The commune as its officials set it in the console (or the shipped data/commune.json)."""
    return office_config(current_app.config["REDIS"], _settings()).info


def find_procedure(code: str) -> Procedure | None:
    return load_catalogue().get(code)  # loaded once per process (the loader caches it)


def posters_for(codes: Sequence[str], settings: Settings) -> list[PosterFacts]:
    """Poster facts of the known codes, in the order given (unknown codes are skipped)."""
    info = current_info()
    base = public_base_url(settings)
    found = []
    for code in codes:
        proc = find_procedure(code)
        if proc is not None:
            found.append(poster_facts(proc, procedure_page_url(base, proc.code), info))
    return found


def pdf_response(posters: Sequence[PosterFacts], info: CommuneInfo, filename: str) -> Response:
    pdf = render_posters_pdf(posters, info.name)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _not_found(code: str) -> tuple[str, int]:
    info = current_info()
    return render_template("public/not_found.html", code=code, info=info,
                           chat_url=chat_link(_settings().zalo_oa_id)), 404


def create_public_blueprint() -> Blueprint:
    bp = Blueprint("public", __name__, template_folder="templates")

    @bp.get("/p/<code>")
    def procedure_page(code: str):
        proc = find_procedure(code)
        if proc is None:
            return _not_found(code)
        settings = _settings()
        info = current_info()
        card = card_for(proc.code)
        # The bot's first answer, line for line (without its length budget: a page has room).
        facts = [line for part in answer_facts(proc, info, card) for line in part]
        key_docs = document_part(proc, card, 6, 400)
        sections = [(SECTION_TITLES[s], section_blocks(proc, s, chat=False)) for s in ("docs", "steps", "legal")]
        page = render_template(
            "public/procedure.html", proc=proc, info=info, title=card.title if card else proc.name,
            portal_title=(portal_button(proc) or Button("Cổng DVC", "")).title,
            facts=facts, key_docs=key_docs, sections=[(t, b) for t, b in sections if b],
            source=source_line(proc), keyword=procedure_keyword(proc.code),
            chat_url=chat_link(settings.zalo_oa_id),
        )
        return Response(page, headers={"Cache-Control": cache_control(settings)})

    @bp.get("/p/<code>/poster")
    def poster_page(code: str):
        posters = posters_for([code], _settings())
        if not posters:
            return _not_found(code)
        return render_template("public/posters.html", posters=posters, info=current_info())

    @bp.get("/p/<code>/poster.pdf")
    def poster_pdf(code: str):
        posters = posters_for([code], _settings())
        if not posters:
            return _not_found(code)
        return pdf_response(posters, current_info(), f"tthc-{posters[0].code}.pdf")

    @bp.get("/qr/<code>.<kind>")
    def qr_image(code: str, kind: str):
        """The procedure's QR code as SVG (for print) or PNG (for screens and chat)."""
        renderers = {"svg": (qr_svg, "image/svg+xml"), "png": (qr_png, "image/png")}
        proc = find_procedure(code)
        if proc is None or kind not in renderers:
            return _not_found(code)
        render, mimetype = renderers[kind]
        url = procedure_page_url(public_base_url(_settings()), proc.code)
        return Response(render(url), mimetype=mimetype, headers={"Cache-Control": cache_control(_settings())})

    return bp

"""Console pages of the commune's toolkit: the statistics dashboard and the QR-poster picker.

/console/stats            charts (questions per day, outcomes, top procedures), unanswered questions with
                          "add as an alias of procedure X", escalations and SLA, broadcast deliveries
/console/stats/data.json  the figures the charts draw
/console/stats/export.csv one row per day
/console/posters          choose procedures (the desk's most asked first) and print their A4 posters
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for

from bot.config import DATA_DIR, Settings
from bot.console import NavItem, register_nav
from bot.console.auth import current_user, login_required
from bot.procedures.catalogue import load_catalogue
from bot.procedures.public_pages import current_info, pdf_response, posters_for
from bot.procedures.textnorm import fold
from bot.stores.aliases import AliasError, AliasStore
from bot.stores.statistics import (
    COUNTER_LABELS,
    COUNTERS,
    STATS_TZ,
    StatsReader,
    broadcast_figures,
    days_to_csv,
    local_day,
    ticket_figures,
)

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_PROCEDURES = 10
POSTER_PICKS = 24
SEARCH_RESULTS = 20
MAX_POSTERS = 60
ROLES = ("official",)


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _reader() -> StatsReader:
    return StatsReader(current_app.config["REDIS"], _settings())


def _days_asked() -> int:
    try:
        return max(1, min(MAX_DAYS, int(request.args.get("days", DEFAULT_DAYS))))
    except ValueError:
        return DEFAULT_DAYS


def _now() -> datetime:
    return datetime.now(STATS_TZ)


def _name_of(code: str) -> str:
    proc = load_catalogue().get(code)
    return proc.name if proc else code


def dashboard_data(days: int, now: datetime) -> dict:
    reader = _reader()
    series = reader.days(local_day(now), days)
    top = reader.top_procedures(local_day(now), days, TOP_PROCEDURES)
    return {
        "days": [d.day.strftime("%d/%m") for d in series],
        "series": {name: [d.get(name) for d in series] for name in COUNTERS},
        "labels": COUNTER_LABELS,
        "totals": {name: sum(d.get(name) for d in series) for name in COUNTERS},
        "top": [{"code": code, "name": _name_of(code), "count": count} for code, count in top],
    }


def create_stats_blueprint() -> Blueprint:
    bp = Blueprint("stats", __name__, url_prefix="/console/stats", template_folder="templates")
    register_nav(bp, NavItem("Thống kê", "stats.dashboard", ROLES))

    @bp.get("/")
    @login_required(*ROLES)
    def dashboard():
        days = _days_asked()
        now = _now()
        data = dashboard_data(days, now)
        since = now - timedelta(days=days)
        redis_client = current_app.config["REDIS"]
        return render_template(
            "stats/dashboard.html", user=current_user(), days=days, data=data,
            unanswered=_reader().unanswered(local_day(now), days, limit=50),
            aliases=AliasStore(redis_client, _settings()).all()[:50],
            tickets=ticket_figures(redis_client, _settings(), since, now),
            broadcasts=broadcast_figures(redis_client, _settings()),
        )

    @bp.get("/data.json")
    @login_required(*ROLES)
    def data_json():
        return dashboard_data(_days_asked(), _now())

    @bp.get("/export.csv")
    @login_required(*ROLES)
    def export_csv():
        days = _days_asked()
        series = _reader().days(local_day(_now()), days)
        # The BOM lets Excel open the UTF-8 file with the right encoding.
        return Response("\ufeff" + days_to_csv(series), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="thong-ke-{days}-ngay.csv"'})

    @bp.post("/aliases")
    @login_required(*ROLES)
    def add_alias():
        phrase = request.form.get("phrase", "")
        proc = load_catalogue().get(request.form.get("code", ""))
        if proc is None:
            flash("Không có thủ tục với mã này.", "error")
            return redirect(url_for("stats.dashboard"))
        try:
            alias = AliasStore(current_app.config["REDIS"], _settings()).add(
                proc.code, phrase, current_user().name, _now())
        except AliasError as exc:
            flash(str(exc), "error")
            return redirect(url_for("stats.dashboard"))
        _reader().mark_handled(phrase)
        flash(f"Đã thêm «{alias.phrase}» làm cách gọi của thủ tục {proc.code}.", "success")
        return redirect(url_for("stats.dashboard"))

    @bp.post("/aliases/remove")
    @login_required(*ROLES)
    def remove_alias():
        if AliasStore(current_app.config["REDIS"], _settings()).remove(request.form.get("phrase", "")):
            flash("Đã xóa cách gọi.", "success")
        return redirect(url_for("stats.dashboard"))

    @bp.post("/unanswered/dismiss")
    @login_required(*ROLES)
    def dismiss():
        _reader().mark_handled(request.form.get("text", ""))
        return redirect(url_for("stats.dashboard"))

    return bp


# -- posters -------------------------------------------------------------------------------------


def shipped_alias_codes() -> list[str]:
    """Codes of data/aliases.tsv in file order: the procedures citizens ask about most, by design."""
    codes: list[str] = []
    for line in (DATA_DIR / "aliases.tsv").read_text(encoding="utf-8").splitlines():
        code = line.split("\t", 1)[0].strip()
        if code and not code.startswith("#") and "\t" in line and code not in codes:
            codes.append(code)
    return codes


def poster_choices(limit: int = POSTER_PICKS) -> list[tuple[str, str, int]]:
    """(code, name, times asked in 90 days): the desk's most asked first, then the usual ones."""
    catalogue = load_catalogue()
    asked = _reader().top_procedures(local_day(_now()), 90, limit)
    picks: dict[str, int] = {code: count for code, count in asked if catalogue.get(code)}
    for code in shipped_alias_codes():
        if len(picks) >= limit:
            break
        if code not in picks and catalogue.get(code):
            picks[code] = 0
    return [(code, proc.name, count) for code, count in picks.items() if (proc := catalogue.get(code))]


@lru_cache(maxsize=1)
def _folded_names() -> tuple[tuple[str, str, str], ...]:
    """(code, name, folded "code name") of every procedure, folded once per process."""
    procedures = load_catalogue().procedures.values()
    return tuple((p.code, p.name, fold(f"{p.code} {p.name}")) for p in procedures)


def search_procedures(query: str, limit: int = SEARCH_RESULTS) -> list[tuple[str, str]]:
    """(code, name) of procedures whose code or name holds every word typed, shortest names first."""
    words = fold(query).split()
    if not words:
        return []
    found = [(code, name) for code, name, folded in _folded_names() if all(w in folded for w in words)]
    return sorted(found, key=lambda item: len(item[1]))[:limit]


def _codes_asked() -> list[str]:
    raw = request.args.getlist("code") + request.args.get("codes", "").replace(",", " ").split()
    return list(dict.fromkeys(c.strip() for c in raw if c.strip()))[:MAX_POSTERS]


def create_posters_blueprint() -> Blueprint:
    bp = Blueprint("posters", __name__, url_prefix="/console/posters", template_folder="templates")
    register_nav(bp, NavItem("Mã QR", "posters.picker", ("official", "staff")))

    @bp.get("/")
    @login_required("official", "staff")
    def picker():
        return render_template("stats/posters.html", user=current_user(), choices=poster_choices())

    @bp.get("/search.json")
    @login_required("official", "staff")
    def search():
        query = request.args.get("q", "")[:100]
        return {"results": [{"code": c, "name": n} for c, n in search_procedures(query)]}

    @bp.get("/top")
    @login_required("official", "staff")
    def print_top():
        """One click from the statistics: the posters of the desk's most asked procedures."""
        return redirect(url_for("posters.print_sheet", code=[code for code, _, _ in poster_choices()]))

    @bp.get("/print")
    @login_required("official", "staff")
    def print_sheet():
        codes = _codes_asked()
        posters = posters_for(codes, _settings())
        if not posters:
            abort(404)
        return render_template("public/posters.html", posters=posters, info=current_info(),
                               pdf_url=url_for("posters.print_pdf", code=[p.code for p in posters]))

    @bp.get("/print.pdf")
    @login_required("official", "staff")
    def print_pdf():
        posters = posters_for(_codes_asked(), _settings())
        if not posters:
            abort(404)
        return pdf_response(posters, current_info(), "tthc-posters.pdf")

    return bp

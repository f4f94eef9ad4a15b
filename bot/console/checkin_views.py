"""The check-in board of an alert (/console/broadcasts/<id>/checkins): counts per area, live; the help
requests with their state and who handles each; CSV export; a follow-up only to those who have not
answered, or only to one area. Staff mark a request reached; claiming and replying stay in the inbox.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from bot.broadcasts.areas import Areas
from bot.broadcasts.board import STATE_LABELS, board_rows, csv_lines, help_requests, vn
from bot.broadcasts.cap import CapError
from bot.broadcasts.checkins import CheckinStore
from bot.broadcasts.service import Broadcasts
from bot.broadcasts.store import Broadcast
from bot.console.auth import current_user, login_required
from bot.logs import hash_user
from bot.office.current import office_config
from bot.tickets.model import TranscriptEntry
from bot.tickets.store import TicketStore

BOARD_ROLES = ("official", "staff")


def _service() -> Broadcasts:
    return Broadcasts(current_app.config["REDIS"], current_app.config["SETTINGS"], current_app.config["QUEUE"])


def _board_or_404(broadcast_id: str) -> tuple[Broadcast, str]:
    broadcast = _service().store.get(broadcast_id)
    if broadcast is None or not broadcast.checkin_board:
        abort(404)
    return broadcast, broadcast.checkin_board


def _me() -> str:
    user = current_user()
    assert user is not None  # login_required ran first
    return user.name


def _areas() -> Areas:
    """The commune's areas as its officials set them (each commune its own)."""
    return office_config(current_app.config["REDIS"], current_app.config["SETTINGS"]).areas


def board_data(board: str) -> dict[str, object]:
    """What the board shows, as the page renders it and as its poll reads it."""
    client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
    store = CheckinStore(client, settings)
    areas = _areas()
    requests = [{"ticket": h.ticket_id, "state": h.state, "state_label": STATE_LABELS[h.state],
                 "handled_by": h.handled_by, "area": areas.name(h.area) if h.area else "", "map_link": h.map_link,
                 "situation": h.situation, "phone": h.phone, "at": vn(h.at)}
                for h in help_requests(client, settings, board)]
    return {"version": store.version(board), "rows": board_rows(areas, store.counts(board)), "help": requests}


def register_checkin_views(bp: Blueprint) -> None:
    @bp.app_template_global()
    def area_name(area_id: str) -> str:
        return _areas().name(area_id) if area_id else ""

    @bp.get("/broadcasts/<broadcast_id>/checkins")
    @login_required(*BOARD_ROLES)
    def checkin_board(broadcast_id: str):
        broadcast, board = _board_or_404(broadcast_id)
        return render_template("console/checkins.html", b=broadcast, board=board, data=board_data(board),
                               areas=list(_areas()))

    @bp.get("/broadcasts/<broadcast_id>/checkins.json")
    @login_required(*BOARD_ROLES)
    def checkin_board_json(broadcast_id: str):
        _broadcast, board = _board_or_404(broadcast_id)
        return jsonify(board_data(board))

    @bp.get("/broadcasts/<broadcast_id>/checkins.csv")
    @login_required(*BOARD_ROLES)
    def checkin_board_csv(broadcast_id: str):
        _broadcast, board = _board_or_404(broadcast_id)
        client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
        lines = csv_lines(CheckinStore(client, settings).answers(board), _areas(),
                          help_requests(client, settings, board), lambda uid: hash_user(uid, settings))
        return Response(lines, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="diem-danh-{broadcast_id}.csv"'})

    @bp.post("/broadcasts/<broadcast_id>/checkins/follow-up")
    @login_required("official")
    def checkin_follow_up(broadcast_id: str):
        _broadcast, board = _board_or_404(broadcast_id)
        form = request.form
        try:
            sent = _service().checkin_follow_up(board, form.get("audience", ""), form.get("area", ""),
                                                form.get("headline", ""), form.get("instruction", ""),
                                                _me())
        except CapError as exc:
            flash(f"Chưa gửi được tin nhắc: {_problem(exc)}", "error")
            return redirect(url_for("console.checkin_board", broadcast_id=broadcast_id))
        flash("Đã gửi tin nhắc. Tiến độ gửi xem ở trang của tin nhắc.")
        return redirect(url_for("console.broadcast_detail", broadcast_id=sent.id))

    @bp.post("/broadcasts/<broadcast_id>/checkins/<ticket_id>/reached")
    @login_required(*BOARD_ROLES)
    def checkin_reached(broadcast_id: str, ticket_id: str):
        _broadcast, board = _board_or_404(broadcast_id)
        tickets = TicketStore(current_app.config["REDIS"], current_app.config["SETTINGS"])
        ticket = tickets.get(ticket_id)
        if ticket is None or ticket.broadcast_id != board:
            abort(404)
        now, who = datetime.now(UTC), _me()
        tickets.claim(ticket_id, who, now)  # the one who reached them handles it, unless someone already does
        tickets.set_fields(ticket_id, {"reached_at": f"{now.timestamp():.3f}", "reached_by": who})
        tickets.append(ticket_id, TranscriptEntry(now, "system", "Đã tiếp cận người cần giúp", author=who))
        CheckinStore(current_app.config["REDIS"], current_app.config["SETTINGS"]).touch(board)
        return redirect(url_for("console.checkin_board", broadcast_id=broadcast_id))


def _problem(exc: CapError) -> str:
    return {"audience": "chưa chọn gửi cho ai.", "area": "chưa chọn khu vực.", "headline": "chưa viết nội dung.",
            "status": "thông báo chưa được gửi đi."}.get(exc.field, "dữ liệu không hợp lệ.")

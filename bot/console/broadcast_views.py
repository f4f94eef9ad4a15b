"""Officials' broadcast pages: list, compose with live preview, confirm, progress, report, follow-ups,
and the approval of alerts that came from a CAP feed or a draft-only API token (approve or reject,
seeing the original, the Vietnamese rendering, the area overlap and the reach)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)

from bot.broadcasts.areas import Areas
from bot.broadcasts.cap import (
    CERTAINTIES,
    CERTAINTY_LABELS,
    SEVERITIES,
    SEVERITY_LABELS,
    URGENCIES,
    URGENCY_LABELS,
    CapError,
    announcement_from_dict,
)
from bot.broadcasts.compose import announcement_text, first_screen
from bot.broadcasts.feed_config import feed_config
from bot.broadcasts.report import csv_lines, progress
from bot.broadcasts.retention import archived_report
from bot.broadcasts.service import SENT_STATUSES, Broadcasts
from bot.broadcasts.store import Broadcast
from bot.broadcasts.targeting import plan, reaches_unplaced
from bot.config import VIETNAM
from bot.console.auth import logged_in_user, login_required
from bot.console.clock import vietnam_time
from bot.console.labels import audit_action
from bot.office.current import office_config

OFFICIALS = ("official",)

# Officials read Vietnamese: CAP validation speaks English to integrators, the console translates.
FIELD_LABELS = {"event": "Sự kiện", "headline": "Tiêu đề", "instruction": "Việc người dân cần làm ngay",
                "description": "Chi tiết", "severity": "Mức độ", "urgency": "Khẩn cấp", "certainty": "Độ chắc chắn",
                "expires": "Hiệu lực đến", "target": "Gửi tới", "references": "Thông báo gốc", "area": "Khu vực",
                "status": "Trạng thái"}
PROBLEMS = (("is required", "chưa được điền"), ("is in the past", "đã qua"), ("is longer than", "quá dài"),
            ("must be one of", "chưa chọn đúng"), ("not an ISO 8601", "không đúng định dạng ngày giờ"),
            ("unknown area", "có khu vực không nằm trong danh sách"),
            ("does not cover", "không thuộc địa bàn xã"), ("only a draft", "chỉ áp dụng cho bản nháp"),
            ("a message that is not Actual", "không phải tin thật (Actual) nên không gửi"))


def problem_in_vietnamese(exc: CapError) -> str:
    label = FIELD_LABELS.get(exc.field, exc.field)
    problem = next((vi for en, vi in PROBLEMS if exc.message.startswith(en)), "không hợp lệ")
    return f"Mục «{label}» {problem}."


TYPE_LABELS = {"Alert": "Cảnh báo", "Update": "Cập nhật", "Cancel": "Kết thúc"}
STATUS_LABELS = {"draft": "Bản nháp", "awaiting": "Chờ duyệt", "scheduled": "Đã hẹn giờ",
                 "preparing": "Đang chuẩn bị", "sending": "Đang gửi", "done": "Đã gửi xong", "stopped": "Đã dừng",
                 "recorded": "Chỉ lưu, không gửi", "rejected": "Đã từ chối"}
# CAP statuses other than Actual: recorded and shown, never sent.
CAP_STATUS_LABELS = {"Actual": "Thật", "Test": "Thử nghiệm (Test)", "Exercise": "Diễn tập (Exercise)",
                     "System": "Tin hệ thống (System)", "Draft": "Bản nháp CAP (Draft)"}


def ended_by_all_clear(broadcasts: list[Broadcast]) -> dict[str, Broadcast]:
    """Original id → the all-clear (Cancel) that ended it, among these broadcasts, once it went out. Pure."""
    ended: dict[str, Broadcast] = {}
    for broadcast in broadcasts:
        if broadcast.announcement.msg_type == "Cancel" and broadcast.status in SENT_STATUSES:
            for original in broadcast.announcement.references:
                ended.setdefault(original, broadcast)
    return ended


def _areas() -> Areas:
    return office_config(current_app.config["REDIS"], current_app.config["SETTINGS"]).areas


def _service() -> Broadcasts:
    return Broadcasts(current_app.config["REDIS"], current_app.config["SETTINGS"], current_app.config["QUEUE"])


def _form_data(form: Any) -> dict[str, Any]:
    """The composer's fields → the JSON shape the API also accepts."""
    data = {name: form.get(name, "") for name in ("event", "headline", "description", "instruction", "severity",
                                                   "urgency", "certainty", "msg_type", "references")}
    data["expires"] = form.get("expires", "")
    data["target"] = "all" if form.get("target_mode", "all") == "all" else (form.getlist("areas") or [""])
    if form.get("checkin_shown"):  # the box was on the form: unticked means no check-in buttons
        data["checkin"] = bool(form.get("checkin"))
    return data


def _get_or_404(broadcast_id: str) -> Broadcast:
    broadcast = _service().store.get(broadcast_id)
    if broadcast is None:
        abort(404)
    return broadcast


def register_broadcast_views(bp: Blueprint) -> None:  # noqa: C901 - counts every view it registers; each is small
    bp.add_app_template_filter(vietnam_time, "vn_time")
    bp.add_app_template_filter(audit_action, "audit_action")

    @bp.app_template_global()
    def broadcast_labels() -> dict[str, Any]:
        return {"type": TYPE_LABELS, "status": STATUS_LABELS, "severity": SEVERITY_LABELS,
                "urgency": URGENCY_LABELS, "certainty": CERTAINTY_LABELS, "cap_status": CAP_STATUS_LABELS,
                "default_expiry_hours": feed_config().default_expiry_hours}

    @bp.get("/broadcasts")
    @login_required(*OFFICIALS)
    def broadcasts():
        recent = _service().store.recent(100)
        return render_template("console/broadcasts.html", broadcasts=recent, ended=ended_by_all_clear(recent))

    @bp.get("/broadcasts/new")
    @login_required(*OFFICIALS)
    def broadcast_new():
        values: dict[str, Any] = {"msg_type": "Alert", "severity": "Severe", "urgency": "Immediate",
                                  "certainty": "Likely", "target": ["all"]}
        ref, edit = request.args.get("ref"), request.args.get("edit")
        if edit:  # an alert awaiting approval, rewritten before it goes out
            draft = _get_or_404(edit)
            values = {**draft.announcement.as_dict(), "replaces": edit,
                      "references": " ".join(draft.announcement.references)}
        elif ref:  # an update or all-clear starts from the original
            original = _get_or_404(ref)
            values = {**original.announcement.as_dict(), "references": ref,
                      "msg_type": request.args.get("type", "Update")}
            if values["msg_type"] == "Cancel":
                values.update(headline=original.announcement.headline, instruction="", description="")
        if isinstance(values.get("expires"), str) and values["expires"]:  # the form's field is Vietnam time
            values["expires"] = datetime.fromisoformat(values["expires"]).astimezone(VIETNAM).isoformat()
        return render_template("console/compose.html", values=values, areas=list(_areas()),
                               severities=SEVERITIES, urgencies=URGENCIES, certainties=CERTAINTIES)

    @bp.post("/broadcasts/preview")
    @login_required(*OFFICIALS)
    def broadcast_preview():
        data = _form_data(request.form) if request.form else _json_form(request.get_json(silent=True) or {})
        settings = current_app.config["SETTINGS"]
        try:
            announcement = announcement_from_dict(data, _areas(), default_expiry=feed_config().default_expiry)
        except CapError as exc:
            return jsonify({"ok": False, "field": exc.field, "error": problem_in_vietnamese(exc)})
        text = announcement_text(announcement, settings.commune_name)
        return jsonify({"ok": True, "text": text, "first_screen": first_screen(text), "chars": len(text),
                        "plan": plan(current_app.config["REDIS"], settings, announcement, time.time())})

    @bp.post("/broadcasts")
    @login_required(*OFFICIALS)
    def broadcast_create():
        replaces = request.form.get("replaces", "")
        try:
            if replaces:
                broadcast = _service().replace_draft(replaces, _form_data(request.form), logged_in_user().name)
            else:
                broadcast = _service().accept(_form_data(request.form), logged_in_user().name)
        except CapError as exc:
            flash(f"Chưa lưu được: {problem_in_vietnamese(exc)}", "error")
            values = {**_form_data(request.form), "replaces": replaces}
            return render_template("console/compose.html", values=values, areas=list(_areas()),
                                   severities=SEVERITIES, urgencies=URGENCIES, certainties=CERTAINTIES), 422
        return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast.id))

    @bp.get("/broadcasts/<broadcast_id>")
    @login_required(*OFFICIALS)
    def broadcast_detail(broadcast_id: str):
        broadcast = _get_or_404(broadcast_id)
        settings = current_app.config["SETTINGS"]
        service = _service()
        return render_template(
            "console/broadcast.html", b=broadcast, a=broadcast.announcement,
            text=announcement_text(broadcast.announcement, settings.commune_name),
            plan=broadcast.plan or plan(current_app.config["REDIS"], settings, broadcast.announcement, time.time()),
            progress=progress(broadcast, service.store.counts(broadcast_id)),
            areas=office_config(current_app.config["REDIS"], settings).areas,
            follow_ups=(follow_ups := service.store.follow_ups(broadcast_id)),
            ended_by=ended_by_all_clear(follow_ups).get(broadcast_id),
            history=service.audit.recent(50, subject=f"broadcast:{broadcast_id}"),
            unplaced=reaches_unplaced(broadcast.announcement), original=service.store.original(broadcast_id))

    @bp.post("/broadcasts/<broadcast_id>/reject")
    @login_required(*OFFICIALS)
    def broadcast_reject(broadcast_id: str):
        _get_or_404(broadcast_id)
        try:
            _service().reject(broadcast_id, logged_in_user().name, request.form.get("reason", "").strip()[:300])
            flash("Đã từ chối. Thông báo này sẽ không được gửi.")
        except CapError as exc:
            flash(problem_in_vietnamese(exc), "error")
        return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast_id))

    @bp.post("/broadcasts/<broadcast_id>/send")
    @login_required(*OFFICIALS)
    def broadcast_send(broadcast_id: str):
        broadcast = _get_or_404(broadcast_id)
        if broadcast.to_everyone and request.form.get("confirm_all") != "yes":
            flash("Thông báo gửi tới tất cả người theo dõi: vui lòng đánh dấu ô xác nhận.", "error")
            return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast_id))
        at = None
        if request.form.get("when") == "later" and request.form.get("send_at"):
            try:
                at = datetime.fromisoformat(request.form["send_at"]).replace(tzinfo=VIETNAM)
            except ValueError:
                flash("Thời điểm gửi không hợp lệ.", "error")
                return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast_id))
        settings = current_app.config["SETTINGS"]
        service = _service()
        service.store.update(broadcast_id, plan=plan(current_app.config["REDIS"], settings,
                                                     broadcast.announcement, time.time()))
        try:
            service.approve(broadcast_id, logged_in_user().name, at)
        except CapError as exc:
            flash(problem_in_vietnamese(exc), "error")
        return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast_id))

    @bp.post("/broadcasts/<broadcast_id>/stop")
    @login_required(*OFFICIALS)
    def broadcast_stop(broadcast_id: str):
        _get_or_404(broadcast_id)
        if _service().stop(broadcast_id, logged_in_user().name):
            flash("Đã dừng gửi. Những người chưa nhận sẽ không nhận thông báo này.")
        return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast_id))

    @bp.get("/broadcasts/<broadcast_id>/progress.json")
    @login_required(*OFFICIALS)
    def broadcast_progress(broadcast_id: str):
        broadcast = _get_or_404(broadcast_id)
        return jsonify(progress(broadcast, _service().store.counts(broadcast_id)))

    @bp.get("/broadcasts/<broadcast_id>/report.csv")
    @login_required(*OFFICIALS)
    def broadcast_report(broadcast_id: str):
        _get_or_404(broadcast_id)
        store = _service().store
        name = f"thong-bao-{broadcast_id}.csv"
        archived = archived_report(store.settings, broadcast_id)
        if archived is not None:  # the records may have expired: the archive is the report
            return send_file(archived, mimetype="text/csv", as_attachment=True, download_name=name)
        body = stream_with_context(csv_lines(store.deliveries(broadcast_id)))
        return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _json_form(data: dict[str, Any]) -> dict[str, Any]:
    return data

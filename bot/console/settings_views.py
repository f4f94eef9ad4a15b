"""The commune's settings in the console (/console/settings, admins): office facts, hours and holidays,
the Monday and Friday services, areas, canned replies and the province.

Each section is one form; a saved section is validated with the same parsers the bot uses, stored in
Redis (bot/stores/office_config.py), audited, and read by web and worker on their next request. The
shipped data/*.json files stay the defaults; "Tải về" exports the section in that file format.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from bot.console import NavItem, register_nav
from bot.console.admin import audit_log
from bot.console.auth import current_user, login_required
from bot.office.current import OfficeConfig, SettingsError, office_config, validate_section
from bot.office.settings_form import (
    WEEKDAY_LABELS,
    areas_from_geojson,
    canned_from_form,
    commune_from_form,
    deployment_from_form,
    hours_fields,
    hours_from_form,
    missing_office_facts,
)
from bot.stores.office_config import SECTIONS, OfficeConfigStore

SECTION_LABELS = {"commune": "Thông tin xã", "hours": "Giờ làm việc", "areas": "Khu vực",
                  "canned": "Câu trả lời mẫu", "deployment": "Địa chỉ công khai và mẫu tin Zalo"}
MAX_UPLOAD_BYTES = 2_000_000
BLANK_CANNED_ROWS = 3


def _config() -> OfficeConfig:
    return office_config(current_app.config["REDIS"], current_app.config["SETTINGS"])


def _document_from_request(section: str, config: OfficeConfig) -> Any:
    current = config.documents[section]
    if section == "commune":
        return commune_from_form(request.form, current)
    if section == "hours":
        return hours_from_form(request.form, current)
    if section == "canned":
        return canned_from_form(request.form)
    if section == "deployment":
        return deployment_from_form(request.form)
    upload = request.files.get("geojson")
    raw = upload.read(MAX_UPLOAD_BYTES + 1) if upload else request.form.get("geojson_text", "").encode()
    if not raw.strip():
        raise SettingsError("Chọn tệp GeoJSON các khu vực (ấp, khu phố) để tải lên.")
    if len(raw) > MAX_UPLOAD_BYTES:
        raise SettingsError("Tệp khu vực lớn quá 2 MB.")
    try:
        parsed = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SettingsError("Tệp khu vực không phải JSON hợp lệ.") from exc
    return areas_from_geojson(parsed, current)


def create_settings_blueprint() -> Blueprint:
    bp = Blueprint("settings", __name__, url_prefix="/console/settings", template_folder="templates")
    register_nav(bp, NavItem("Cài đặt", "settings.page", ("admin",)))

    @bp.get("/")
    @login_required("admin")
    def page():
        config = _config()
        canned = [*config.canned, *({"id": "", "title": "", "text": ""} for _ in range(BLANK_CANNED_ROWS))]
        settings = current_app.config["SETTINGS"]
        # ZNS ids come with the OA (the environment, or `flask tenant templates` for another commune's OA).
        zns = {"dossier": settings.reach.dossier_zns_template_id, "broadcast": settings.reach.broadcast_zns_template_id}
        return render_template(
            "console/settings.html", office=config, doc=config.documents["commune"], zns=zns, tenant=settings.tenant,
            offices=config.documents["commune"].get("offices") or {},
            hours=hours_fields(config.documents["hours"]), weekdays=WEEKDAY_LABELS, canned=canned,
            labels=SECTION_LABELS, deployment=config.documents["deployment"],
            missing=missing_office_facts(config.documents["commune"]),
        )

    @bp.post("/<section>")
    @login_required("admin")
    def save(section: str):
        if section not in SECTIONS:
            flash("Mục cài đặt không tồn tại.", "error")
            return redirect(url_for("settings.page"))
        client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
        store = OfficeConfigStore(client, settings)
        actor = current_user()
        assert actor is not None  # login_required ran first
        if request.form.get("action") == "reset":
            store.reset(section)
            audit_log().record(actor.name, "settings.reset", f"settings:{section}")
            flash(f"Đã đưa «{SECTION_LABELS[section]}» về giá trị mặc định.", "ok")
            return redirect(url_for("settings.page", _anchor=section))
        try:
            document = _document_from_request(section, _config())
            validate_section(section, document, settings, _config())
        except SettingsError as exc:
            flash(str(exc), "error")
            return redirect(url_for("settings.page", _anchor=section))
        store.put(section, document)
        audit_log().record(actor.name, "settings.update", f"settings:{section}", SECTION_LABELS[section])
        flash(f"Đã lưu «{SECTION_LABELS[section]}»; bot dùng ngay từ tin nhắn tiếp theo.", "ok")
        return redirect(url_for("settings.page", _anchor=section))

    @bp.get("/export/<section>.json")
    @login_required("admin")
    def export(section: str):
        if section not in SECTIONS:
            return redirect(url_for("settings.page"))
        files = {"commune": "commune.json", "hours": "office.json", "areas": "areas.json",
                 "canned": "canned_replies.json",
                 "deployment": "deployment.json"}
        body = json.dumps(_config().documents[section], ensure_ascii=False, indent=2) + "\n"
        return Response(body, mimetype="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{files[section]}"'})

    return bp

"""The province official's console pages (/console/province): one alert to several communes' followers,
then its progress per commune. Only the deployment's console has them (a commune's own console, under
/t/<slug>/, is that commune's alone); users with the role `province` (and admins) see them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.broadcasts.cap import CapError
from bot.broadcasts.service import Broadcasts, Resolution
from bot.config import VIETNAM
from bot.console import NavItem, register_nav
from bot.console.auth import logged_in_user, login_required
from bot.console.broadcast_views import _form_data, problem_in_vietnamese
from bot.office.current import office_config
from bot.tenants.admin import add_tenant
from bot.tenants.province import (
    GROUP_TTL_SECONDS,
    areas_by_commune,
    group_progress,
    is_group,
    send_to_communes,
)
from bot.tenants.registry import TenantError
from bot.tenants.runtimes import TenantRuntimes

PROVINCE = ("province",)
RECENT_KEEP = 50


def _tenants() -> TenantRuntimes:
    return current_app.extensions["tenants"]


def _recent_key() -> str:
    return f"{current_app.config['SETTINGS'].shared_prefix}province:bc:recent"


def _send_alert() -> ResponseReturnValue:
    """The compose form's POST: the alert to the chosen communes' followers, or to the picked areas."""
    data = _form_data(request.form)
    # Areas are each commune's own: "<slug>/<area id>" picks an area of one commune, and then only
    # the communes of the picked areas get the alert, each for its picked areas.
    picked = areas_by_commune(data["target"]) if data["target"] != "all" else {}
    chosen = list(picked) if picked else request.form.getlist("communes")
    if not chosen:
        flash("Chưa chọn khu vực nào." if data["target"] != "all" else "Chưa chọn xã nào.", "error")
        return redirect(url_for("province.compose"))
    user = logged_in_user()
    actor = user.name if user else "province"

    def data_for(slug: str) -> dict[str, object]:
        return {**data, "target": picked[slug]} if picked else data

    def check(service: Broadcasts) -> Resolution:
        return service.check(service.parse(data_for(service.settings.tenant)))

    try:  # a bad alert (or an area a commune no longer has) is refused before any commune records it
        for slug in picked or [""]:
            rt = _tenants().get(slug)
            if rt is None:
                abort(400)
            Broadcasts(rt.redis, rt.settings).parse(data_for(slug))
        sent = send_to_communes(_tenants(), check, actor, "console", send=True, communes=chosen)
    except CapError as exc:
        flash(problem_in_vietnamese(exc), "error")
        return redirect(url_for("province.compose"))
    client = current_app.config["REDIS"]
    entry = {"id": sent.group_id, "headline": data["headline"], "communes": len(sent.parts), "by": actor,
             "at": datetime.now(VIETNAM).timestamp()}
    pipe = client.pipeline()
    pipe.lpush(_recent_key(), json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(_recent_key(), 0, RECENT_KEEP - 1)
    pipe.expire(_recent_key(), GROUP_TTL_SECONDS)
    pipe.execute()
    return redirect(url_for("province.progress", group_id=sent.group_id))


def create_province_blueprint() -> Blueprint:
    bp = Blueprint("province", __name__, url_prefix="/console/province", template_folder="templates")
    register_nav(bp, NavItem("Cảnh báo toàn tỉnh", "province.compose", PROVINCE))
    register_nav(bp, NavItem("Các xã", "province.communes", PROVINCE))

    @bp.get("/")
    @login_required(*PROVINCE)
    def compose():
        communes = [(rt.settings.tenant, rt.settings.commune_name,
                     [(area.id, area.name) for area in office_config(rt.redis, rt.settings).areas])
                    for rt in _tenants().active()]
        expires = (datetime.now(VIETNAM) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        recent = [json.loads(raw) for raw in current_app.config["REDIS"].lrange(_recent_key(), 0, 19)]
        return render_template("province/compose.html", communes=communes, expires=expires, recent=recent,
                               values=request.args)

    @bp.post("/")
    @login_required(*PROVINCE)
    def send():
        return _send_alert()

    @bp.get("/<group_id>")
    @login_required(*PROVINCE)
    def progress(group_id: str):
        rows = group_progress(_tenants(), group_id) if is_group(group_id) else None
        if rows is None:
            abort(404)
        return render_template("province/progress.html", group_id=group_id, rows=rows,
                               finished=all(r.get("status") in ("done", "stopped", "recorded", "gone") for r in rows))

    @bp.get("/communes")
    @login_required(*PROVINCE)
    def communes():
        registry = _tenants().registry
        return render_template("province/communes.html", tenants=registry.everyone(), values={})

    @bp.post("/communes")
    @login_required(*PROVINCE)
    def commune_add():
        form = request.form
        fields = ("name", "oa_id", "app_id", "oa_secret_key", "app_secret", "access_token", "refresh_token")
        try:
            tenant = add_tenant(_tenants().registry, *(form.get(name, "") for name in fields))
        except TenantError as exc:
            flash(f"Chưa thêm được xã: {exc}", "error")
            values = {"name": form.get("name", ""), "oa_id": form.get("oa_id", ""), "app_id": form.get("app_id", "")}
            return render_template("province/communes.html", tenants=_tenants().registry.everyone(),
                                   values=values), 400
        flash(f"Đã thêm {tenant.name}. Cán bộ của xã đăng nhập tại /t/{tenant.slug}/console/.")
        return redirect(url_for("province.communes"))

    @bp.post("/communes/<slug>/<action>")
    @login_required(*PROVINCE)
    def commune_switch(slug: str, action: str):
        if action not in ("enable", "disable") or not slug:
            abort(404)
        try:
            tenant = _tenants().registry.set_enabled(slug, action == "enable")
        except TenantError:
            abort(404)
        flash(f"{'Đã bật lại' if tenant.enabled else 'Đã tạm dừng'} {tenant.name}.")
        return redirect(url_for("province.communes"))

    return bp

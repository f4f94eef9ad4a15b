"""The go-live checklist on the console's home page: what a commune still has to do before citizens use
the bot, each item with the page where it is done. `checklist` is pure; `gather_facts` reads them and
`webhook_test` sends one signed, harmless event to the webhook through the public address.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis

from bot.config import Settings
from bot.ingress.signature import expected_mac
from bot.office.current import office_config
from bot.office.settings_form import missing_office_facts
from bot.stores.office_config import OfficeConfigStore

WEBHOOK_PATH = "/webhook/zalo"
TEST_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Facts:
    oa_connected: bool
    webhook_url: str
    webhook_check: dict[str, Any] | None
    missing_office: tuple[str, ...]
    staff_users: int
    areas_customised: bool
    dossier_template_id: str
    broadcast_template_id: str
    public_base_url: str


@dataclass(frozen=True)
class Item:
    key: str
    title: str
    ok: bool
    detail: str
    endpoint: str  # where it is fixed
    anchor: str = ""


def checklist(facts: Facts) -> list[Item]:
    check = facts.webhook_check
    return [
        Item("oa", "Kết nối Zalo OA", facts.oa_connected,
             "Đã có token của OA." if facts.oa_connected else "Bấm «Kết nối OA» và đồng ý trên Zalo.",
             "zalo_connect.status"),
        Item("public_url", "Địa chỉ công khai (PUBLIC_BASE_URL)", bool(facts.public_base_url),
             facts.public_base_url or "Chưa đặt: mã QR và trang thủ tục cần địa chỉ https của bot.",
             "settings.page", "deployment"),
        Item("webhook", "Webhook nhận tin từ Zalo", bool(check and check["ok"]),
             (check["detail"] if check else "Đăng ký địa chỉ dưới đây trong trang Zalo cho nhà phát triển, "
              "rồi bấm «Gửi sự kiện thử»."), "console.home", "webhook"),
        Item("office", "Thông tin xã đầy đủ", not facts.missing_office,
             "Đủ tên, địa chỉ, điện thoại." if not facts.missing_office
             else "Còn thiếu: " + ", ".join(facts.missing_office) + ".", "settings.page", "commune"),
        Item("staff", "Có cán bộ trực hộp thư", facts.staff_users > 0,
             f"{facts.staff_users} tài khoản cán bộ." if facts.staff_users else "Tạo ít nhất một tài khoản vai trò "
             "«Cán bộ một cửa».", "console.users"),
        Item("areas", "Khu vực (ấp, khu phố) của xã", facts.areas_customised,
             "Đã tải lên khu vực của xã." if facts.areas_customised else "Đang dùng dữ liệu mẫu: tải lên GeoJSON "
             "các ấp, khu phố.", "settings.page", "areas"),
        Item("templates", "Mẫu tin gửi ngoài 7 ngày", bool(facts.dossier_template_id and facts.broadcast_template_id),
             "Đã có mã mẫu tin hồ sơ và thông báo." if facts.dossier_template_id and facts.broadcast_template_id
             else "Nhập mã mẫu tin Zalo đã được duyệt cho báo trạng thái hồ sơ và thông báo khẩn.",
             "settings.page", "deployment"),
    ]


def gather_facts(client: redis.Redis, settings: Settings, url_root: str, staff_users: int) -> Facts:
    from bot.zalo.tokens import TokenStore

    config = office_config(client, settings)
    current = config.over(settings)
    tokens = TokenStore(client, settings)
    base = (current.public_base_url or url_root).rstrip("/")
    return Facts(
        oa_connected=bool(client.exists(tokens.key)) or bool(settings.zalo_access_token),
        webhook_url=base + WEBHOOK_PATH,
        webhook_check=OfficeConfigStore(client, settings).webhook_check(),
        missing_office=tuple(missing_office_facts(config.documents["commune"])),
        staff_users=staff_users,
        areas_customised="areas" in config.customised,
        dossier_template_id=current.dossier.template_id,
        broadcast_template_id=current.broadcast_template_id,
        public_base_url=current.public_base_url,
    )


def signed_test_event(settings: Settings, now: float) -> tuple[bytes, dict[str, str]]:
    """An OA echo (`oa_send_text`, no admin): the webhook verifies it and ignores it, nothing is sent."""
    timestamp = str(int(now * 1000))
    body = json.dumps({"app_id": settings.zalo_app_id, "event_name": "oa_send_text", "timestamp": timestamp,
                       "sender": {"id": settings.zalo_oa_id or "oa"}, "recipient": {"id": "kiem-tra-webhook"},
                       "message": {"msg_id": f"kiem-tra-{timestamp}", "text": "Kiểm tra webhook"}}).encode()
    mac = expected_mac(settings.zalo_app_id, body, timestamp, settings.zalo_oa_secret_key)
    return body, {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"}


def webhook_test(client: redis.Redis, settings: Settings, webhook_url: str) -> tuple[bool, str]:
    """POST a signed test event to the webhook as Zalo would (through the public address: DNS, TLS and the
    proxy are part of the test); record and return (ok, a sentence for the admin)."""
    import requests

    now = time.time()
    if not settings.zalo_oa_secret_key or not settings.zalo_app_id:
        ok, detail = False, "Chưa cấu hình ZALO_APP_ID và ZALO_OA_SECRET_KEY nên không ký được sự kiện thử."
    else:
        body, headers = signed_test_event(settings, now)
        try:
            response = requests.post(webhook_url, data=body, headers=headers, timeout=TEST_TIMEOUT_SECONDS)
            ok = response.status_code == 200
            detail = ("Sự kiện thử đã đến webhook và được xác thực chữ ký." if ok
                      else f"Webhook trả lời mã {response.status_code}: kiểm tra địa chỉ và khóa bí mật OA.")
        except requests.RequestException as exc:
            ok, detail = False, f"Không gọi được {webhook_url} ({type(exc).__name__}): kiểm tra địa chỉ công khai."
    OfficeConfigStore(client, settings).record_webhook_check(ok, detail, now)
    return ok, detail

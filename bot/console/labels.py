"""What staff read for the machine names the stores keep: audit actions and subjects. Pure.

The stores and the JSON API keep the machine names ("sent", "user.create"); pages and CSV files show these.
"""

from __future__ import annotations

from bot.console.users import ROLE_LABELS

AUDIT_ACTIONS = {
    "composed": "Soạn thông báo",
    "updated": "Soạn bản cập nhật",
    "cancelled": "Soạn tin kết thúc",
    "approved": "Duyệt",
    "sent": "Gửi ngay",
    "scheduled": "Hẹn giờ gửi",
    "replaced": "Sửa bản nháp",
    "rejected": "Từ chối",
    "stopped": "Dừng gửi",
    "user.create": "Tạo tài khoản",
    "user.role": "Đổi vai trò",
    "user.password": "Đặt lại mật khẩu",
    "user.disable": "Khóa tài khoản",
    "user.enable": "Mở khóa tài khoản",
    "settings.update": "Lưu cài đặt",
    "settings.reset": "Đưa cài đặt về mặc định",
    "alias.add": "Thêm cách hỏi",
}
SUBJECT_KINDS = {"broadcast": "Thông báo", "user": "Tài khoản", "settings": "Cài đặt", "alias": "Cách hỏi"}
SETTINGS_SECTIONS = {"commune": "Thông tin xã", "hours": "Giờ làm việc", "areas": "Khu vực",
                     "canned": "Câu trả lời mẫu", "deployment": "Địa chỉ công khai và mẫu tin Zalo"}


def audit_action(action: str) -> str:
    return AUDIT_ACTIONS.get(action, action)


def audit_subject(subject: str) -> str:
    """"broadcast:2026…" → "Thông báo 2026…", "settings:hours" → "Cài đặt: Giờ làm việc"."""
    kind, _, name = subject.partition(":")
    if kind == "settings":
        return f"Cài đặt: {SETTINGS_SECTIONS.get(name, name)}"
    return f"{SUBJECT_KINDS[kind]} {name}" if kind in SUBJECT_KINDS else subject


def audit_detail(action: str, detail: str) -> str:
    """Role names in user changes are machine names in the log."""
    return ROLE_LABELS.get(detail, detail) if action.startswith("user.") else detail

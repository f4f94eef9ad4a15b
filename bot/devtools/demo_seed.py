"""What the demo hands a newcomer: a first admin for the console and a sample dossier to look up.

The password is generated here and shown once; only its hash is stored (bot/console/users.py). The
dossier is a made-up one (status "đang giải quyết"), with the ID number the bot will ask for.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis

from bot.broadcasts.audit import AuditLog
from bot.config import VIETNAM, Settings
from bot.console.users import UserStore
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.validation import parse_dossier

ADMIN_NAME = "quantri"
SAMPLE_APPLICANT_ID = "079300001234"  # a made-up personal ID number: the bot asks for it before showing status
IN_PROGRESS = 4  # "Đang giải quyết" in the national status list


@dataclass(frozen=True)
class DemoSeed:
    admin: str
    password: str  # "" when the admin existed already (its password is not known here)
    receipt: str
    applicant_id: str


def seed_demo(client: redis.Redis, settings: Settings, now: datetime | None = None) -> DemoSeed:
    now = (now or datetime.now(VIETNAM)).astimezone(VIETNAM)
    users = UserStore(client, settings)
    password = ""
    if not any(user.role == "admin" for user in users.all()):
        password = secrets.token_urlsafe(9)
        users.create(ADMIN_NAME, "admin", password, "Quản trị (demo)")
        AuditLog(client, settings).record("demo", "user.create", f"user:{ADMIN_NAME}", "admin")
    admin = next(user.name for user in users.all() if user.role == "admin")
    receipt = f"000.00.21.H12-{now:%y%m%d}-0001"
    record = parse_dossier(receipt, {
        "procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh", "applicant_id": SAMPLE_APPLICANT_ID,
        "status": IN_PROGRESS, "received_at": now.isoformat(timespec="seconds"),
        "due_at": (now + timedelta(days=3)).isoformat(timespec="seconds"), "return_method": "desk",
    }, settings.dossier.id_secret, require_applicant=True)
    RedisDossierStore(client, settings).upsert(record, now)
    return DemoSeed(admin, password, receipt, SAMPLE_APPLICANT_ID)

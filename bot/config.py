"""Configuration from the environment (read through python-dotenv from `.env`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
# Vietnam time (UTC+7, no daylight saving): what staff read and what a commune's "day" is.
VIETNAM = timezone(timedelta(hours=7))


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def _str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _list(name: str, default: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _str(name, default).split(",") if part.strip())


@dataclass(frozen=True)
class DossierConfig:
    """The dossier feature's settings (DOSSIER_*): every value has a safe default, so a commune that sets
    nothing gets the embedded store."""

    # Key for the applicant-id hashes. Set DOSSIER_ID_SECRET in production; changing it makes every
    # stored record unverifiable until the integrator sends it again.
    id_secret: str = "xa-bot-dossier"
    # 0: the citizen types the whole 12-digit id; N: only its last N digits.
    verify_last_digits: int = 0
    # Per citizen: this many wrong ids lock that citizen (only) out for verify_lock_seconds.
    verify_max_attempts: int = 5
    verify_lock_seconds: int = 15 * 60
    # Per receipt, across citizens: past verify_max_attempts wrong ids, each further try waits a gap
    # that doubles from verify_receipt_gap_seconds up to verify_receipt_max_gap_seconds. Never a lock:
    # strangers must not be able to shut the owner out.
    verify_receipt_gap_seconds: int = 2
    verify_receipt_max_gap_seconds: int = 60
    # How long the bot waits for the id after asking for it.
    verify_state_seconds: int = 10 * 60
    # "embedded" (Redis, fed by the API) or "http" (the province's one-stop system).
    source: str = "embedded"
    http_url: str = ""  # with a {receipt} placeholder
    http_auth_header: str = ""  # "Name: value", e.g. "Authorization: Bearer abc"
    # See bot.dossiers.http_source. Left out of the hash: Settings (which holds this) stay hashable.
    http_mapping: dict[str, Any] = field(default_factory=dict, hash=False)
    http_timeout_seconds: float = 3.0
    http_cache_seconds: int = 60
    breaker_failures: int = 3
    breaker_open_seconds: int = 60
    # ZBS template for status pushes to citizens outside Zalo's 7-day window ("" = none).
    template_id: str = ""

    @classmethod
    def from_env(cls) -> DossierConfig:
        """From the environment, which Settings.from_env has completed from `.env`."""
        mapping = _str("DOSSIER_HTTP_MAPPING")
        return cls(
            id_secret=_str("DOSSIER_ID_SECRET", cls.id_secret),
            verify_last_digits=_int("DOSSIER_VERIFY_LAST_DIGITS", cls.verify_last_digits),
            verify_max_attempts=_int("DOSSIER_VERIFY_MAX_ATTEMPTS", cls.verify_max_attempts),
            verify_lock_seconds=_int("DOSSIER_VERIFY_LOCK_SECONDS", cls.verify_lock_seconds),
            verify_state_seconds=_int("DOSSIER_VERIFY_STATE_SECONDS", cls.verify_state_seconds),
            verify_receipt_gap_seconds=_int("DOSSIER_VERIFY_RECEIPT_GAP_SECONDS", cls.verify_receipt_gap_seconds),
            verify_receipt_max_gap_seconds=_int("DOSSIER_VERIFY_RECEIPT_MAX_GAP_SECONDS",
                                                cls.verify_receipt_max_gap_seconds),
            source=_str("DOSSIER_SOURCE", cls.source).lower(),
            http_url=_str("DOSSIER_HTTP_URL"),
            http_auth_header=_str("DOSSIER_HTTP_AUTH_HEADER"),
            http_mapping=json.loads(mapping) if mapping else {},
            http_timeout_seconds=_float("DOSSIER_HTTP_TIMEOUT_SECONDS", cls.http_timeout_seconds),
            http_cache_seconds=_int("DOSSIER_HTTP_CACHE_SECONDS", cls.http_cache_seconds),
            breaker_failures=_int("DOSSIER_BREAKER_FAILURES", cls.breaker_failures),
            breaker_open_seconds=_int("DOSSIER_BREAKER_OPEN_SECONDS", cls.breaker_open_seconds),
            template_id=_str("DOSSIER_TEMPLATE_ID"),
        )


@dataclass(frozen=True)
class MediaConfig:
    """Reading what citizens send besides text (MEDIA_*): the receipt-photo download's limits."""

    # Hosts a photo may be fetched from: these names and their subdomains (Zalo's media CDNs), plus the
    # host of ZALO_API_BASE (the sandbox). Nothing else, whatever an event says (no SSRF).
    allowed_hosts: tuple[str, ...] = ("zadn.vn", "zdn.vn", "zalo.me", "zaloapp.com")
    max_bytes: int = 8 * 1024 * 1024
    timeout_seconds: float = 10.0
    # Tesseract's languages for the OCR fallback (Debian's tesseract-ocr-vie gives "vie").
    ocr_languages: str = "vie+eng"

    @classmethod
    def from_env(cls) -> MediaConfig:
        return cls(
            allowed_hosts=_list("MEDIA_ALLOWED_HOSTS", ",".join(cls.allowed_hosts)),
            max_bytes=_int("MEDIA_MAX_BYTES", cls.max_bytes),
            timeout_seconds=_float("MEDIA_TIMEOUT_SECONDS", cls.timeout_seconds),
            ocr_languages=_str("MEDIA_OCR_LANGUAGES", cls.ocr_languages),
        )


@dataclass(frozen=True)
class ReachConfig:
    """Reaching a citizen outside Zalo's 7-day window by the phone number they shared (ZNS)."""

    # Fernet key (cryptography) that encrypts stored phone numbers; without it no phone is kept.
    phone_encryption_key: str = ""
    # Zalo's ZNS endpoint host (business.openapi.zalo.me); tests point it at the sandbox.
    zns_api_base: str = "https://business.openapi.zalo.me"
    # Pre-approved ZNS template ids ("" = that kind of message never goes by phone).
    dossier_zns_template_id: str = ""
    broadcast_zns_template_id: str = ""
    # Told to the citizen when the bot asks for the phone number (Decree 13/2023: say why).
    phone_purpose: str = "báo tình trạng hồ sơ và cảnh báo khẩn cấp khi Zalo không gửi tin nhắn thường được"
    # The picture Zalo shows on the form (a public https URL, e.g. the commune's logo; "" = none).
    phone_form_image_url: str = ""

    @classmethod
    def from_env(cls) -> ReachConfig:
        return cls(
            phone_encryption_key=_str("PHONE_ENCRYPTION_KEY"),
            zns_api_base=(_str("ZALO_ZNS_API_BASE") or cls.zns_api_base).rstrip("/"),
            dossier_zns_template_id=_str("DOSSIER_ZNS_TEMPLATE_ID"),
            broadcast_zns_template_id=_str("BROADCAST_ZNS_TEMPLATE_ID"),
            phone_purpose=_str("PHONE_PURPOSE") or cls.phone_purpose,
            phone_form_image_url=_str("PHONE_FORM_IMAGE_URL"),
        )


@dataclass(frozen=True)
class Settings:
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Redis Sentinel (bot/stores/connection.py): "host:port" of each sentinel, the primary's name, and
    # the sentinels' own password; REDIS_URL then gives only the database number and password.
    redis_sentinels: tuple[str, ...] = ()
    redis_sentinel_master: str = "mymaster"
    redis_sentinel_password: str = ""
    # With replicas: the webhook acknowledges an event only once this many replicas have it (WAIT), else
    # answers 503 and Zalo resends (0 = acknowledge once the primary has it).
    redis_wait_replicas: int = 0
    redis_wait_timeout_ms: int = 500
    # Prefix of every key the bot writes, so that several deployments (or test runs) share one Redis.
    key_prefix: str = "xa:"
    queue_name: str = "xa-events"
    # Tenants (bot/tenants): "" is the OA configured here; another commune's OA has its slug, and its
    # key_prefix is the deployment's (kept here) plus a hash-tagged part of its own.
    tenant: str = ""
    deployment_prefix: str = ""
    # Fernet key (cryptography) that encrypts the tenants' OA secrets in Redis; unset: stored as given.
    tenant_secrets_key: str = ""

    zalo_app_id: str = ""
    zalo_app_secret: str = ""
    zalo_oa_secret_key: str = ""
    zalo_oa_id: str = ""
    zalo_access_token: str = ""
    zalo_refresh_token: str = ""
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_timeout_seconds: float = 5.0
    # An outbound proxy for Zalo's API, where the commune's network requires one.
    zalo_http_proxy: str = ""
    # The code Zalo gives to verify the webhook's domain (served as a file and as a meta tag).
    zalo_site_verification: str = ""

    # Webhook: resends may carry the original timestamp for about 2 hours, so the window is longer.
    webhook_replay_window_seconds: int = 3 * 3600
    webhook_max_body_bytes: int = 64 * 1024
    dedupe_ttl_seconds: int = 3 * 24 * 3600

    # Worker: how often a failing event is retried, and how long a citizen's lock lives unrenewed.
    job_max_attempts: int = 5
    job_retry_intervals: tuple[int, ...] = (2, 10, 30, 120)
    user_lock_ttl_seconds: int = 30
    # At most this many drain jobs queued or running per OA: each serves every pending citizen it can lock,
    # so a burst costs a few rq jobs, not one per citizen, while several workers still share the load.
    drainers_max: int = 4
    # Bearer token Prometheus scrapes /metrics with; unset: /metrics is off (404).
    metrics_token: str = ""

    # Commune settings used in replies.
    commune_name: str = "UBND xã"
    office_phone: str = ""
    portal_url: str = "https://dichvucong.gov.vn"
    # Where citizens reach this server's public pages (QR codes point here), e.g. https://bot.xa.gov.vn
    public_base_url: str = ""
    # A search page on the portal with a `{q}` placeholder for the citizen's words (optional).
    portal_search_url: str = ""
    # Levels a commune bot prefers when procedures exist in several variants.
    preferred_levels: tuple[str, ...] = ("xa",)
    # The commune's province by name ("Bắc Ninh"): its own local procedures join the national ones.
    province: str = ""

    log_level: str = "INFO"
    # Salt for hashing citizen ids in logs (so logs carry no personal data).
    log_salt: str = "xa-bot"

    # Web console (bot/console): the session key is generated and kept in Redis when unset.
    console_secret_key: str = ""
    console_cookie_secure: bool = False
    console_session_hours: int = 12
    console_max_failed_logins: int = 5
    console_lockout_minutes: int = 15

    # Emergency broadcasts (bot/broadcasts): one send rate shared by every worker (0 = unlimited).
    broadcast_rate_per_second: float = 50.0
    broadcast_batch_size: int = 500
    # How long a dead worker's batch stays locked before another worker takes it over.
    broadcast_lease_seconds: float = 10.0
    # A pre-approved ZBS template for followers outside the 7-day window ("" = record them unreachable).
    broadcast_template_id: str = ""
    interaction_window_days: int = 7
    # A finished broadcast's report is archived as CSV in this directory, then its per-recipient records
    # leave Redis after this many days (bot.broadcasts.retention).
    broadcast_record_retention_days: int = 30
    broadcast_archive_dir: str = str(ROOT / "var" / "broadcasts")

    # Staff inbox (bot/tickets): office hours file (default data/office.json), extra holidays, SLA targets
    # counted in office time, how long a resolved ticket reopens on a new message, fallbacks before a ticket.
    office_hours_file: str = ""
    office_holidays: tuple[str, ...] = ()
    ticket_first_response_minutes: int = 60
    ticket_resolution_minutes: int = 480
    ticket_reopen_window_minutes: int = 60
    # A resolved ticket (record and transcript, phone numbers masked at resolution) is deleted after this.
    ticket_retention_days: int = 90
    handoff_fallback_limit: int = 2
    handoff_transcript_size: int = 30
    # Dossier look-ups, verification and status pushes (DOSSIER_*).
    dossier: DossierConfig = field(default_factory=DossierConfig)
    # Photos, locations and voice notes (MEDIA_*); phone numbers and ZNS (PHONE_*, *_ZNS_*).
    media: MediaConfig = field(default_factory=MediaConfig)
    reach: ReachConfig = field(default_factory=ReachConfig)

    @property
    def shared_prefix(self) -> str:
        """The deployment's own prefix: what every tenant shares (the tenant registry, the app's rate)."""
        return self.deployment_prefix or self.key_prefix

    @classmethod
    def from_env(cls, env_file: str | os.PathLike[str] | None = None, **overrides: object) -> Settings:
        load_dotenv(env_file or ROOT / ".env", override=False)
        values: dict[str, object] = {
            "redis_url": _str("REDIS_URL", cls.redis_url),
            "redis_sentinels": _list("REDIS_SENTINELS", ""),
            "redis_sentinel_master": _str("REDIS_SENTINEL_MASTER", cls.redis_sentinel_master),
            "redis_sentinel_password": _str("REDIS_SENTINEL_PASSWORD"),
            "redis_wait_replicas": _int("REDIS_WAIT_REPLICAS", cls.redis_wait_replicas),
            "redis_wait_timeout_ms": _int("REDIS_WAIT_TIMEOUT_MS", cls.redis_wait_timeout_ms),
            "key_prefix": _str("REDIS_KEY_PREFIX", cls.key_prefix),
            "queue_name": _str("QUEUE_NAME", cls.queue_name),
            "tenant_secrets_key": _str("TENANT_SECRETS_KEY"),
            "metrics_token": _str("METRICS_TOKEN"),
            "zalo_app_id": _str("ZALO_APP_ID"),
            "zalo_app_secret": _str("ZALO_APP_SECRET"),
            "zalo_oa_secret_key": _str("ZALO_OA_SECRET_KEY"),
            "zalo_oa_id": _str("ZALO_OA_ID"),
            "zalo_access_token": _str("ZALO_ACCESS_TOKEN"),
            "zalo_refresh_token": _str("ZALO_REFRESH_TOKEN"),
            "zalo_api_base": _str("ZALO_API_BASE", cls.zalo_api_base).rstrip("/"),
            "zalo_oauth_base": _str("ZALO_OAUTH_BASE", cls.zalo_oauth_base).rstrip("/"),
            "zalo_timeout_seconds": _float("ZALO_TIMEOUT_SECONDS", cls.zalo_timeout_seconds),
            "zalo_http_proxy": _str("ZALO_HTTP_PROXY"),
            "zalo_site_verification": _str("ZALO_SITE_VERIFICATION"),
            "webhook_replay_window_seconds": _int(
                "WEBHOOK_REPLAY_WINDOW_SECONDS", cls.webhook_replay_window_seconds
            ),
            "webhook_max_body_bytes": _int("WEBHOOK_MAX_BODY_BYTES", cls.webhook_max_body_bytes),
            "dedupe_ttl_seconds": _int("DEDUPE_TTL_SECONDS", cls.dedupe_ttl_seconds),
            "job_max_attempts": _int("JOB_MAX_ATTEMPTS", cls.job_max_attempts),
            "job_retry_intervals": tuple(
                int(x) for x in _list("JOB_RETRY_INTERVALS", ",".join(map(str, cls.job_retry_intervals)))
            ),
            "user_lock_ttl_seconds": _int("USER_LOCK_TTL_SECONDS", cls.user_lock_ttl_seconds),
            "drainers_max": max(1, _int("DRAINERS_MAX", cls.drainers_max)),
            "commune_name": _str("COMMUNE_NAME", cls.commune_name),
            "office_phone": _str("OFFICE_PHONE"),
            "portal_url": _str("PORTAL_URL", cls.portal_url),
            "public_base_url": _str("PUBLIC_BASE_URL").rstrip("/"),
            "portal_search_url": _str("PORTAL_SEARCH_URL"),
            "preferred_levels": _list("PREFERRED_LEVELS", ",".join(cls.preferred_levels)),
            "province": _str("PROVINCE"),
            "log_level": _str("LOG_LEVEL", cls.log_level).upper(),
            "log_salt": _str("LOG_SALT", cls.log_salt),
            "console_secret_key": _str("CONSOLE_SECRET_KEY"),
            "console_cookie_secure": _str("CONSOLE_COOKIE_SECURE").lower() in ("1", "true", "yes"),
            "console_session_hours": _int("CONSOLE_SESSION_HOURS", cls.console_session_hours),
            "console_max_failed_logins": _int("CONSOLE_MAX_FAILED_LOGINS", cls.console_max_failed_logins),
            "console_lockout_minutes": _int("CONSOLE_LOCKOUT_MINUTES", cls.console_lockout_minutes),
            "broadcast_rate_per_second": _float("BROADCAST_RATE_PER_SECOND", cls.broadcast_rate_per_second),
            "broadcast_batch_size": _int("BROADCAST_BATCH_SIZE", cls.broadcast_batch_size),
            "broadcast_lease_seconds": _float("BROADCAST_LEASE_SECONDS", cls.broadcast_lease_seconds),
            "broadcast_template_id": _str("BROADCAST_TEMPLATE_ID"),
            "interaction_window_days": _int("INTERACTION_WINDOW_DAYS", cls.interaction_window_days),
            "broadcast_record_retention_days": _int("BROADCAST_RECORD_RETENTION_DAYS",
                                                    cls.broadcast_record_retention_days),
            "broadcast_archive_dir": _str("BROADCAST_ARCHIVE_DIR", cls.broadcast_archive_dir),
            "office_hours_file": _str("OFFICE_HOURS_FILE"),
            "office_holidays": _list("OFFICE_HOLIDAYS", ""),
            "ticket_first_response_minutes": _int("TICKET_FIRST_RESPONSE_MINUTES",
                                                  cls.ticket_first_response_minutes),
            "ticket_resolution_minutes": _int("TICKET_RESOLUTION_MINUTES", cls.ticket_resolution_minutes),
            "ticket_reopen_window_minutes": _int("TICKET_REOPEN_WINDOW_MINUTES", cls.ticket_reopen_window_minutes),
            "ticket_retention_days": _int("TICKET_RETENTION_DAYS", cls.ticket_retention_days),
            "handoff_fallback_limit": _int("HANDOFF_FALLBACK_LIMIT", cls.handoff_fallback_limit),
            "handoff_transcript_size": _int("HANDOFF_TRANSCRIPT_SIZE", cls.handoff_transcript_size),
            "dossier": DossierConfig.from_env(),
            "media": MediaConfig.from_env(),
            "reach": ReachConfig.from_env(),
        }
        known = {f.name for f in fields(cls)}
        for key, value in overrides.items():
            if key not in known:
                raise TypeError(f"unknown setting {key!r}")
            values[key] = value
        return cls(**values)  # type: ignore[arg-type]

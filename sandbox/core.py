"""The sandbox as one object: state, faults, the webhook poster, and what a citizen can do."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sandbox import events
from sandbox.config import SandboxConfig
from sandbox.faults import FaultQueue
from sandbox.state import Citizen, CitizenEvent, SandboxState, now_ms
from sandbox.webhooks import Delivery, WebhookPoster

# Sample media the chat page's citizen sends (served from sandbox/static).
SAMPLE_MEDIA = {
    "image": "media/sample-receipt.jpg",  # a receipt-like page with a QR code (sandbox/receipt_samples.py)
    "sticker": "static/sample-sticker.svg",
    "file": "static/to-khai-mau.txt",
    "audio": "static/sample-voice.wav",
}


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState(config)
        self.faults = FaultQueue()
        self.webhooks = WebhookPoster(config)

    def start(self) -> None:
        self.webhooks.start()

    def stop(self) -> None:
        self.webhooks.stop()

    def reset(self, keep_users: bool = False) -> None:
        self.state.reset(keep_users=keep_users)
        self.faults.clear()

    # --- citizen actions: record the event (it opens the messaging window), then post it ----------

    def _emit(self, citizen: Citizen, event: dict[str, Any], hidden: bool = False,
              label: str | None = None) -> tuple[CitizenEvent, Delivery]:
        body = events.encode(event)
        record = self.state.record_citizen_event(citizen.user_id, event["event_name"], body, hidden,
                                                 int(event["timestamp"]), label)
        delivery = self.webhooks.post(event["event_name"], body, event["timestamp"],
                                      secret=self.state.oa_secret(citizen.oa_id))
        record.status = delivery.status
        return record, delivery

    def _citizen_event(self, citizen: Citizen, event_name: str, message: dict[str, Any] | None = None,
                       **extra: Any) -> dict[str, Any]:
        return events.citizen_event(self.config.app_id, self.state.public_oa_id(citizen.oa_id), citizen.user_id,
                                    citizen.user_id_by_app, event_name, now_ms(), message, **extra)

    def send_text(self, citizen: Citizen, text: str, hidden: bool = False, quote_msg_id: str | None = None,
                  label: str | None = None) -> tuple[CitizenEvent, Delivery]:
        """`hidden`: a tapped oa.query.hide button (the citizen's chat shows `label`, not the payload)."""
        event = self._citizen_event(citizen, "user_send_text", events.text_message(text, quote_msg_id=quote_msg_id))
        return self._emit(citizen, event, hidden, label)

    def set_following(self, citizen: Citizen, follow: bool,
                      source: str = "oa_profile") -> tuple[CitizenEvent, Delivery]:
        self.state.update_user(citizen.user_id, follower=follow)
        event = events.follow_event(self.config.app_id, self.state.public_oa_id(citizen.oa_id), citizen.user_id,
                                    follow, now_ms(), source)
        return self._emit(citizen, event)

    def send_attachment(self, citizen: Citizen, kind: str, base_url: str, overrides: dict[str, Any] | None = None,
                        text: str | None = None) -> tuple[CitizenEvent, Delivery]:
        payload = sample_payload(kind, base_url)
        payload.update(overrides or {})
        event = self._citizen_event(citizen, f"user_send_{kind}", events.attachment_message(kind, payload, text))
        return self._emit(citizen, event)

    def submit_info(self, citizen: Citizen, info: dict[str, Any]) -> tuple[CitizenEvent, Delivery]:
        self.state.update_user(citizen.user_id, shared_info=info)
        event = self._citizen_event(citizen, "user_submit_info", info=info)
        return self._emit(citizen, event)

    def post_raw(self, event: dict[str, Any], resend: bool = False,
                 signature: str | None = None) -> list[Delivery]:
        """Post any event (app_id and timestamp filled in when missing); `resend` posts the identical
        body a second time, as Zalo's at-least-once delivery does."""
        event = {"app_id": self.config.app_id, **event}
        event.setdefault("timestamp", str(now_ms()))
        event["timestamp"] = str(event["timestamp"])
        body = events.encode(event)
        name = str(event.get("event_name", ""))
        subject = _subject_id(event)
        if subject and subject in self.state.users:
            self.state.touch(subject, now_ms())
        deliveries = [self.webhooks.post(name, body, event["timestamp"], signature=signature)]
        if resend:
            deliveries.append(self.webhooks.post(name, body, event["timestamp"], signature=signature, resend=True))
        return deliveries

    def resend_last(self) -> Delivery | None:
        last = self.webhooks.last_body
        if last is None:
            return None
        name, body = last
        return self.webhooks.post(name, body, str(json.loads(body)["timestamp"]), resend=True)


def _subject_id(event: dict[str, Any]) -> str | None:
    for container in ("sender", "follower"):
        value = event.get(container)
        if isinstance(value, dict) and value.get("id"):
            return str(value["id"])
    return None


def sample_payload(kind: str, base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/") + "/"
    if kind == "image":
        url = base + SAMPLE_MEDIA["image"]
        return {"thumbnail": url, "url": url}
    if kind == "sticker":
        return {"id": "bfe4a3ab9aee73b02aff", "url": base + SAMPLE_MEDIA["sticker"]}
    if kind == "audio":
        return {"url": base + SAMPLE_MEDIA["audio"]}
    if kind == "location":
        return {"coordinates": {"latitude": "10.7769", "longitude": "106.7009"}}
    if kind == "file":
        url = base + SAMPLE_MEDIA["file"]
        return {"name": "to-khai-mau.txt", "size": "512", "type": "txt", "url": url,
                "checksum": hashlib.md5(url.encode()).hexdigest()}
    raise ValueError(f"unknown attachment kind {kind!r}")

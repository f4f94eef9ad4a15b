"""Faults injected on demand, consumed first-in first-out by the Zalo endpoints they match."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("error", "http_status", "timeout", "delay")


@dataclass
class Fault:
    kind: str
    count: int = 1
    # A substring of the request path ("message/cs", "access_token"); None matches every Zalo endpoint.
    endpoint: str | None = None
    code: int = -200  # kind "error": the Zalo error code answered
    status: int = 503  # kind "http_status"
    seconds: float = 0.0  # kind "timeout" / "delay"
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Validate a fault request; raises ValueError with a readable reason."""
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join((*KINDS, 'expire_token'))}")
    count = int(spec.get("count", 1))
    if count < 1:
        raise ValueError("count must be at least 1")
    endpoint = spec.get("endpoint") or None
    fault = Fault(kind=kind, count=count, endpoint=str(endpoint) if endpoint else None)
    if kind == "error":
        fault.code = int(spec.get("code", -200))
        fault.message = str(spec.get("message") or f"Injected error {fault.code}")
    elif kind == "http_status":
        fault.status = int(spec.get("status", 503))
    else:
        fault.seconds = float(spec.get("seconds", 3.0 if kind == "timeout" else 0.5))
    return fault


class FaultQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def take(self, path: str) -> Fault | None:
        """Consume one use of the oldest fault matching `path`, or None."""
        if not self._faults:  # fast path for the benchmark: no lock when nothing is injected
            return None
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.endpoint is None or fault.endpoint in path:
                    fault.count -= 1
                    if fault.count <= 0:
                        del self._faults[index]
                    return fault
        return None

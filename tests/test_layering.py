"""Import boundaries: the ingress answers Zalo within 2 seconds and never sends, so importing it must
not load the Zalo client or an HTTP client library."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.config import ROOT


def loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_the_ingress_loads_neither_the_zalo_client_nor_requests() -> None:
    loaded = loaded_after_import("bot.ingress.webhook")
    assert "bot.ingress.webhook" in loaded
    assert not {"bot.zalo.client", "requests"} & loaded

"""pip-audit against a local advisory database (tools/local_osv.py), as CI runs it where neither PyPI's
JSON API nor osv.dev answers. The advisory is a real one (PYSEC-2023-62, Flask's session cookie)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.local_osv import affects, load_records, make_server

DATABASE = Path(__file__).parent / "data" / "osv"


@pytest.fixture(scope="module")
def osv_url() -> Iterator[str]:
    server = make_server(load_records(DATABASE))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1/query"
    server.shutdown()


@pytest.mark.parametrize("version,affected", [("0.12", True), ("2.2.4", True), ("2.2.5", False), ("2.3.0", True),
                                              ("2.3.1", True), ("2.3.2", False), ("3.1.0", False)])
def test_ranges_are_read_as_osv_defines_them(version: str, affected: bool) -> None:
    [record] = load_records(DATABASE)["flask"]
    assert affects(record, "flask", version) is affected


@pytest.mark.parametrize("pin,found", [("flask==2.2.4", True), ("Flask==3.1.0", False)])
def test_pip_audit_uses_the_local_database(osv_url: str, tmp_path: Path, pin: str, found: bool) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(pin + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "-r", str(requirements),
         "-s", "osv", "--osv-url", osv_url, "--progress-spinner", "off"],
        capture_output=True, text=True, timeout=120,
    )
    assert ("PYSEC-2023-62" in result.stdout) is found, result.stdout + result.stderr
    assert result.returncode == (1 if found else 0), result.stdout + result.stderr

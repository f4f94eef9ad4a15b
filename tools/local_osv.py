"""A local stand-in for OSV's query API, so that pip-audit can audit against an advisory database kept
on disk when neither PyPI's JSON API nor osv.dev can be reached (as on this project's machines).

    python -m tools.local_osv DIR [--port 0]      # prints the URL to pass as pip-audit --osv-url

DIR holds OSV records, one per file: JSON (osv.dev's dumps) or YAML (a checkout of
pypa/advisory-database, with PyYAML installed). Only what pip-audit asks is answered: POST with
{"package": {"name", "ecosystem": "PyPI"}, "version"} → {"vulns": [records affecting that version]}.
Binds to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

Record = dict[str, Any]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def load_records(directory: Path) -> dict[str, list[Record]]:
    """PyPI records by canonical package name."""
    by_package: dict[str, list[Record]] = defaultdict(list)
    for path in sorted(directory.rglob("*")):
        record = _read(path)
        for affected in (record or {}).get("affected") or []:
            package = affected.get("package") or {}
            if package.get("ecosystem") == "PyPI" and package.get("name"):
                by_package[canonical(package["name"])].append(record)  # type: ignore[arg-type]
    return by_package


def _read(path: Path) -> Record | None:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix in (".yaml", ".yml"):
        import yaml  # only for YAML databases

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader
    return None


def _in_ranges(version: Version, events: Iterable[dict[str, str]]) -> bool:
    """OSV ECOSYSTEM events, in version order: introduced opens a range, fixed/last_affected close it."""
    points: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, value in event.items():
            try:
                at = Version("0") if value == "0" else Version(value)
            except InvalidVersion:
                continue
            points.append((at, 0 if kind == "introduced" else 1, kind))
    affected = False
    for at, _, kind in sorted(points):
        if kind == "introduced" and version >= at:
            affected = True
        elif (kind == "fixed" and version >= at) or (kind == "last_affected" and version > at):
            affected = False
    return affected


def affects(record: Record, name: str, version: str) -> bool:
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    for affected in record.get("affected") or []:
        package = affected.get("package") or {}
        if package.get("ecosystem") != "PyPI" or canonical(package.get("name", "")) != name:
            continue
        if version in (affected.get("versions") or []):
            return True
        for ranges in affected.get("ranges") or []:
            if ranges.get("type") == "ECOSYSTEM" and _in_ranges(parsed, ranges.get("events") or []):
                return True
    return False


def make_server(records: dict[str, list[Record]], port: int = 0) -> ThreadingHTTPServer:
    class Query(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the http.server convention
            length = int(self.headers.get("Content-Length") or 0)
            try:
                query = json.loads(self.rfile.read(length))
                name, version = canonical(query["package"]["name"]), str(query["version"])
            except (ValueError, KeyError, TypeError):
                self.send_error(400, "expected {package: {name, ecosystem}, version}")
                return
            vulns = [r for r in records.get(name, []) if affects(r, name, version)]
            body = json.dumps({"vulns": vulns} if vulns else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    return ThreadingHTTPServer(("127.0.0.1", port), Query)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    records = load_records(args.directory)
    server = make_server(records, args.port)
    print(f"http://127.0.0.1:{server.server_port}/v1/query", flush=True)
    count = sum(len(v) for v in records.values())
    print(f"{count} advisories for {len(records)} packages", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

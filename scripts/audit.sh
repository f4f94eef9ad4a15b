#!/usr/bin/env bash
# pip-audit of the installed dependencies against a LOCAL advisory database.
#
# Here pip-audit cannot use its own sources: the package registry these machines reach serves
# packages but not PyPI's JSON API (pip-audit's default service then reports every package as "not
# found on PyPI" and still prints "No known vulnerabilities found", which audits nothing), and
# osv.dev cannot be reached. So the audit runs against OSV records on disk, served on loopback by
# tools/local_osv.py: set PIP_AUDIT_OSV_DIR to a directory of them (a copy of pypa/advisory-database's
# vulns/, or osv.dev's PyPI dump); by default tools/advisories (a dated snapshot, see its README).
# Without one the audit is skipped, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${PIP_AUDIT_OSV_DIR:-tools/advisories}
if [ ! -d "$DB" ]; then
  echo "pip-audit: SKIPPED. No local advisory database at '$DB' (set PIP_AUDIT_OSV_DIR), and neither"
  echo "PyPI's JSON API nor osv.dev is reachable from this machine: dependencies are NOT audited."
  exit 0
fi
url_file=$(mktemp)
.venv/bin/python -m tools.local_osv "$DB" >"$url_file" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$url_file"' EXIT
# Loading a few thousand YAML records takes a while on a busy machine.
for _ in $(seq 1 1200); do [ -s "$url_file" ] && break; kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if [ ! -s "$url_file" ]; then echo "pip-audit: the local advisory server did not start" >&2; exit 1; fi
.venv/bin/python -m pip_audit --local --skip-editable --progress-spinner off -s osv --osv-url "$(head -1 "$url_file")"

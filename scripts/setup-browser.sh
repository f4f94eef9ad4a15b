#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright's Python package (browsers cannot be
# downloaded here). Installs both when missing; the browser tests skip only if this is impossible.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
fi
# The bot's answers start their lines with emoji; without a colour emoji font the screenshots kept as test
# artefacts (var/artifacts/) show empty boxes instead.
if [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq fonts-noto-color-emoji >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq fonts-noto-color-emoji >/dev/null; }
fi
exit 0

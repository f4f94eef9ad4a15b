#!/usr/bin/env bash
# Set up and run everything: Redis (embedded when none answers), the Zalo sandbox, web and worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m bot.devtools.stack "$@"

#!/usr/bin/env bash
# Sets up and runs the service (SQLite in data/ by default, demo municipality loaded).
# Without TELEGRAM_BOT_TOKEN the Telegram channel stays off and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python main.py "${@:-serve}"

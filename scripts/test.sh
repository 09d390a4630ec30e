#!/usr/bin/env bash
# Sets up and runs the whole test suite, on SQLite and on a real PostgreSQL that this
# script installs (if needed) and starts on 127.0.0.1, after the static checks (ruff and
# mypy, scripts/lint.sh). Extra arguments go to pytest. The tests run in KAIRYL_TEST_WORKERS
# processes (pytest-xdist; default 2, one per core here; 0 runs them in this process).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
scripts/lint.sh
scripts/pg.sh start
scripts/chromium.sh
export KAIRYL_TEST_PG_URL="$(scripts/pg.sh url)"
export KAIRYL_REQUIRE_PG=1
workers=${KAIRYL_TEST_WORKERS:-2}
if [ "$workers" = 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest -n "$workers" "$@"

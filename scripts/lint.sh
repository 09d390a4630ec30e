#!/usr/bin/env bash
# Static checks: ruff (with the [tool.ruff] settings in pyproject.toml) and mypy (with [tool.mypy]).
# Runs both and exits non-zero if either finds anything.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
.venv/bin/ruff check . || status=1
.venv/bin/mypy || status=1
exit $status

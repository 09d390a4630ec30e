#!/usr/bin/env bash
# Sets up the project: a virtualenv in .venv with the pinned packages, and compiled catalogs.
#   scripts/setup.sh        runtime packages
#   scripts/setup.sh dev    runtime + test packages
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Kairyl needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)." >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
requirements=requirements.txt
[ "${1:-}" = dev ] && requirements=requirements-dev.txt
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
scripts/i18n.sh compile

#!/usr/bin/env bash
# Translation catalogs: `scripts/i18n.sh extract` refreshes locales/messages.pot and merges it
# into the ky and ru catalogs; `scripts/i18n.sh compile` builds the .mo files the service reads.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
case "${1:-compile}" in
  extract)
    "$PYBABEL" extract -F babel.cfg --no-default-keywords \
      -k _ -k N_ -k n_:1,2 -k gettext:2 -k ngettext:2,3 -k both -k option:2 \
      --no-location --sort-output --omit-header -o locales/messages.pot . >/dev/null 2>&1
    "$PYBABEL" update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
    ;;
  compile)
    "$PYBABEL" compile -d locales -D messages --statistics
    ;;
  *) echo "usage: $0 extract|compile" >&2; exit 2 ;;
esac

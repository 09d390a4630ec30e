#!/usr/bin/env bash
# Translation catalogs, one gettext domain per locales/<domain>.cfg (which lists its sources):
#   scripts/i18n.sh extract [domain]   refresh locales/<domain>.pot and merge it into ky and ru
#   scripts/i18n.sh compile            build the .mo files the service reads (all domains)
# The service merges all domains; a text must be in exactly one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
KEYWORDS=(-k _ -k N_ -k n_:1,2 -k gettext:2 -k ngettext:2,3 -k both -k option:2)
domains() { for cfg in locales/*.cfg; do basename "$cfg" .cfg; done; }
case "${1:-compile}" in
  extract)
    for domain in ${2:-$(domains)}; do
      "$PYBABEL" extract -F "locales/$domain.cfg" --no-default-keywords "${KEYWORDS[@]}" \
        --no-location --sort-output --omit-header -o "locales/$domain.pot" . >/dev/null 2>&1
      for language in ky ru; do
        po="locales/$language/LC_MESSAGES/$domain.po"
        if [ -f "$po" ]; then
          "$PYBABEL" update -i "locales/$domain.pot" -d locales -l "$language" -D "$domain" \
            --no-fuzzy-matching --ignore-obsolete
        else
          "$PYBABEL" init -i "locales/$domain.pot" -d locales -l "$language" -D "$domain"
        fi
      done
    done
    ;;
  compile)  # one summary line, not one per catalog; pybabel's own words only when it fails
    compiled=0
    for domain in $(domains); do
      [ -f "locales/ky/LC_MESSAGES/$domain.po" ] || continue
      if ! output=$("$PYBABEL" compile -d locales -D "$domain" 2>&1); then
        echo "$output" >&2
        exit 1
      fi
      compiled=$((compiled + $(grep -c '^compiling catalog' <<<"$output" || true)))
    done
    echo "catalogs: $compiled compiled (locales/*/LC_MESSAGES)"
    ;;
  *) echo "usage: $0 extract [domain] | compile" >&2; exit 2 ;;
esac

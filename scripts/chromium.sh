#!/usr/bin/env bash
# Debian's Chromium for the back office's browser tests (driven by Playwright through
# executable_path; `playwright install` is never run). Installs it with apt-get if
# /usr/bin/chromium is missing (needs root, like scripts/pg.sh); idempotent.
set -euo pipefail
CHROMIUM="${KAIRYL_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "chromium.sh: $CHROMIUM is missing; install Debian's chromium (apt-get install chromium) as root" >&2
    exit 1
fi
echo "chromium.sh: installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
[ -x "$CHROMIUM" ] || { echo "chromium.sh: apt-get did not give $CHROMIUM" >&2; exit 1; }

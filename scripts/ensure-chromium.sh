#!/usr/bin/env bash
# Make sure the browser tests (tests/e2e) have what they drive: Debian's chromium, and a CJK font
# so that screenshots of failures are readable. Playwright's own browser download is not used
# (it cannot reach its CDN from the extranet); the tests launch /usr/bin/chromium.
#
#   scripts/ensure-chromium.sh
#
# Installs the missing Debian packages with apt-get (root or sudo). Exits non-zero when
# chromium is still missing, so that `make test` stops instead of skipping the e2e suite.
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }

# shellcheck source=scripts/apt.sh
. "$(dirname "$0")/apt.sh"

CHROMIUM="${PEIXUN_CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-wqy-microhei 2>/dev/null | grep -q "ok installed" || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (apt-get)"
  apt_install "${missing[@]}"
fi
if [ ! -x "$CHROMIUM" ]; then
  log "chromium is not at $CHROMIUM: the browser tests (tests/e2e) cannot run"
  exit 1
fi
log "$("$CHROMIUM" --version 2>/dev/null | head -n 1)"

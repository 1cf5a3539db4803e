#!/usr/bin/env bash
# The test suite: SQLite by default, PostgreSQL when DATABASE_URL points at one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# The browser tests drive Debian's Chromium (Playwright cannot download a browser here); the
# catalogue check extracts texts with gettext's xgettext.
need=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
command -v xgettext >/dev/null || need+=(gettext)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "Install Debian's ${need[*]} (browser tests and the catalogue check need them)." >&2
  fi
fi
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"

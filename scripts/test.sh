#!/usr/bin/env bash
# The test suite: SQLite by default, PostgreSQL when DATABASE_URL points at one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# The browser tests drive Debian's Chromium (Playwright cannot download a browser here).
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Install Debian's chromium (the browser tests need /usr/bin/chromium, or set CHROMIUM)." >&2
  fi
fi
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"

#!/usr/bin/env bash
# The test suite: SQLite by default, PostgreSQL when DATABASE_URL points at one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"

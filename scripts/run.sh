#!/usr/bin/env bash
# The portal on this machine: SQLite, django-q2 ORM broker, web server and a
# qcluster together. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
PY=.venv/bin/python
PORT=${PORT:-8000}
$PY manage.py migrate --noinput

$PY manage.py install_schedules
$PY manage.py ensure_admin --base-url "http://127.0.0.1:${PORT}"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT
$PY manage.py qcluster & pids+=($!)
$PY manage.py runserver --noreload "127.0.0.1:${PORT}" & pids+=($!)
# Whichever stops first (or Ctrl-C) stops the other.
wait -n

#!/usr/bin/env bash
# The portal on this machine: SQLite, django-q2 ORM broker, web server, a
# qcluster and the demo emulators (Magento shop, Visma.net ERP) together.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
PY=.venv/bin/python
PORT=${PORT:-8000}
VISMA_PORT=${VISMA_PORT:-8101}
MAGENTO_PORT=${MAGENTO_PORT:-8102}

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$PY -m connectors.platforms.visma_net.emulator --port "$VISMA_PORT" --demo & pids+=($!)
$PY -m connectors.platforms.magento.emulator --port "$MAGENTO_PORT" --demo & pids+=($!)

$PY manage.py migrate --noinput
$PY manage.py install_schedules
$PY manage.py setup_demo --visma-port "$VISMA_PORT" --magento-port "$MAGENTO_PORT"
$PY manage.py ensure_admin --base-url "http://127.0.0.1:${PORT}"

$PY manage.py qcluster & pids+=($!)
$PY manage.py runserver --noreload "127.0.0.1:${PORT}" & pids+=($!)
# Whichever stops first (or Ctrl-C) stops the rest.
wait -n

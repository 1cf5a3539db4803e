#!/usr/bin/env bash
# The portal on this machine: SQLite, django-q2 ORM broker, web server, a
# qcluster and the demo emulators (Magento, ShopRenter and Vendre shops, Visma.net, Specter and Subiekt
# (its bridge) ERPs, Bring, Nexi Checkout) together.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
PY=.venv/bin/python
PORT=${PORT:-8000}
VISMA_PORT=${VISMA_PORT:-8101}
MAGENTO_PORT=${MAGENTO_PORT:-8102}
TRYTON_PORT=${TRYTON_PORT:-8103}
BRING_PORT=${BRING_PORT:-8104}
NETS_PORT=${NETS_PORT:-8105}
SHOPRENTER_PORT=${SHOPRENTER_PORT:-8106}
SPECTER_PORT=${SPECTER_PORT:-8107}
VENDRE_PORT=${VENDRE_PORT:-8108}
SUBIEKT_PORT=${SUBIEKT_PORT:-8109}
MAGENTO_PL_PORT=${MAGENTO_PL_PORT:-8110}
DEMO_ERP=${DEMO_ERP:-visma}   # visma (emulator) or tryton (a real Tryton 8.2, built on first use)

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # qcluster lets its workers finish their task first; after 5 s they are stopped hard (safe: a
  # transfer cut off mid-call is looked up before it is sent again).
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$PY -m connectors.platforms.visma_net.emulator --port "$VISMA_PORT" --demo & pids+=($!)
$PY -m connectors.platforms.magento.emulator --port "$MAGENTO_PORT" --demo & pids+=($!)
$PY -m connectors.platforms.bring.emulator --port "$BRING_PORT" & pids+=($!)
$PY -m connectors.platforms.nets_easy.emulator --port "$NETS_PORT" --demo & pids+=($!)
$PY -m connectors.platforms.shoprenter.emulator --port "$SHOPRENTER_PORT" --demo & pids+=($!)
$PY -m connectors.platforms.specter.emulator --port "$SPECTER_PORT" --demo & pids+=($!)
$PY -m connectors.platforms.vendre.emulator --port "$VENDRE_PORT" --demo & pids+=($!)
$PY -m connectors.platforms.subiekt.emulator --port "$SUBIEKT_PORT" --demo & pids+=($!)
$PY -m connectors.platforms.magento.emulator --port "$MAGENTO_PL_PORT" --demo-poland & pids+=($!)
if [ "$DEMO_ERP" = tryton ]; then
  $PY -m sync_portal.peers.tryton --port "$TRYTON_PORT" --demo > tryton-demo.log 2>&1 & pids+=($!)
  echo "Building, starting and seeding Tryton on port $TRYTON_PORT (about a minute) ..."
  until grep -q "^Tryton on" tryton-demo.log 2>/dev/null; do
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "Tryton failed to start:"; tail -20 tryton-demo.log; exit 1; }
    sleep 1
  done
fi

$PY manage.py migrate --noinput
$PY manage.py install_schedules
$PY manage.py setup_demo --erp "$DEMO_ERP" --visma-port "$VISMA_PORT" --magento-port "$MAGENTO_PORT" \
  --tryton-port "$TRYTON_PORT" --bring-port "$BRING_PORT" --nets-port "$NETS_PORT" \
  --shoprenter-port "$SHOPRENTER_PORT" --specter-port "$SPECTER_PORT" --vendre-port "$VENDRE_PORT" \
  --subiekt-port "$SUBIEKT_PORT" --magento-pl-port "$MAGENTO_PL_PORT" --portal-url "http://127.0.0.1:${PORT}"
$PY manage.py ensure_admin --base-url "http://127.0.0.1:${PORT}"

$PY manage.py qcluster & pids+=($!)
$PY manage.py runserver --noreload "127.0.0.1:${PORT}" & pids+=($!)
# Whichever stops first (or Ctrl-C) stops the rest.
wait -n

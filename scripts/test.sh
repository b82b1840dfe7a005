#!/usr/bin/env bash
# The whole suite, in two pytest runs: the service tiers need eventlet's monkey-patching
# (Nameko's test helpers hang without it), the platform tiers (gateway, e2e, browser) must
# not have it. Each run starts its own embedded servers on free ports.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
which=${1:-all}
rabbitmqctl status >/dev/null 2>&1 || nc -z 127.0.0.1 5672 2>/dev/null || rabbitmq-server -detached || true
status=0
if [ "$which" = all ] || [ "$which" = services ]; then
  echo "== service tiers: unit, contract, integration"
  $PY -m pytest tests/services -q || status=1
fi
if [ "$which" = all ] || [ "$which" = platform ]; then
  echo "== platform tiers: gateway unit, compose, e2e, browser"
  $PY -m pytest tests/platform -q || status=1
fi
exit $status

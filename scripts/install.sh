#!/usr/bin/env bash
# Installs what the project needs on a fresh machine; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip 'setuptools<82' wheel
.venv/bin/pip install -q -r requirements-dev.txt
.venv/bin/pip install -q -e shared
# Web client translations (.mo files are build output, not committed).
.venv/bin/pybabel compile -q -d gateway/translations 2>/dev/null || true
# RabbitMQ (the system broker) and Chromium for browser tests come from Debian.
need_apt=()
command -v rabbitmq-server >/dev/null 2>&1 || need_apt+=(rabbitmq-server)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)  # the finance PDF report check
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing from Debian: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "warning: please install ${need_apt[*]} (Debian packages); related tests will be skipped" >&2
  fi
fi

"""Faults: a service or the broker restarting while the gateway runs.

During the outage requests get a clear 503; afterwards everything works again without
restarting the gateway, and nothing confirmed before the outage is lost.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import requests

from tests.platform.helpers import auth, signup


def wait_until(predicate, timeout: float = 60, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def me(platform, token):
    return requests.get(f"{platform.base_url}/api/v1/me", headers=auth(token), timeout=30)


def test_identity_restart_gives_503_then_recovers(platform):
    account = signup(platform.base_url)
    token = account["tokens"]["access_token"]
    assert me(platform, token).status_code == 200

    platform.processes.stop("identity")
    try:
        during = me(platform, token)
        assert during.status_code == 503
        body = during.json()["error"]
        assert body["code"] == "service_unavailable"
        assert "identity" in body["message"]
        assert requests.get(f"{platform.base_url}/readyz", timeout=30).status_code == 503
    finally:
        platform.processes.start_service("identity")

    wait_until(lambda: me(platform, token).status_code == 200)
    assert me(platform, token).json()["user"]["id"] == account["user_id"]


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="rabbitmqctl is not available to restart the broker")
def test_broker_restart_gives_503_then_recovers(platform):
    account = signup(platform.base_url)
    token = account["tokens"]["access_token"]
    assert me(platform, token).status_code == 200

    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=120)
    try:
        during = me(platform, token)
        assert during.status_code == 503
        assert during.json()["error"]["code"] == "service_unavailable"
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)

    wait_until(lambda: me(platform, token).status_code == 200, timeout=90)
    # data written before the outage is intact, and writes work again
    login = requests.post(f"{platform.base_url}/api/v1/auth/login",
                          json={"email": account["email"], "password": account["password"]}, timeout=30)
    assert login.status_code == 200

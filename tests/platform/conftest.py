"""Fixtures of the platform tiers: the real platform, started once per test session.

Embedded servers on free ports (Mongo-wire, S3, SMTP sink) and a dedicated RabbitMQ
vhost, then the services and the gateway as real processes — exactly what `make run`
starts. No eventlet here: the gateway and the browser tests must not be monkey-patched.
"""
from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.local.platform import PlatformProcesses
from infra.local.servers import LocalServers, create_vhost, delete_vhost, ensure_rabbitmq, start_local_servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Platform:
    base_url: str
    mail_dir: Path
    servers: LocalServers
    processes: PlatformProcesses
    gateway_port: int

    def restart(self, name: str) -> None:
        """Stop a service (or the gateway) and start it again, for fault tests."""
        self.processes.stop(name)
        if name == "gateway":
            self.processes.start_gateway(self.gateway_port)
        else:
            self.processes.start_service(name)
        self.processes.wait_ready(self.base_url)


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Platform:
    data_dir = tmp_path_factory.mktemp("platform")
    ensure_rabbitmq()
    vhost = f"maillage-e2e-{uuid.uuid4().hex[:8]}"
    amqp_uri = create_vhost(vhost)
    servers, stop_servers = start_local_servers(data_dir, vhost=vhost)
    gateway_port = free_port()
    env = {
        **servers.env(),
        "MAILLAGE_AMQP_URI": amqp_uri,
        "MAILLAGE_ENV": "test",
        "MAILLAGE_DATA_DIR": str(data_dir),
        "MAILLAGE_DB_PREFIX": f"e2e{uuid.uuid4().hex[:6]}_",
        "MAILLAGE_PUBLIC_URL": f"http://127.0.0.1:{gateway_port}",
        "MAILLAGE_RPC_TIMEOUT_SECONDS": "5",
    }
    processes = PlatformProcesses(env=env, log_dir=data_dir / "logs")
    base_url = f"http://127.0.0.1:{gateway_port}"
    try:
        processes.start_all(gateway_port, gateway_workers=1)
        processes.wait_ready(base_url, timeout=90)
        yield Platform(base_url, servers.mail_dir, servers, processes, gateway_port)
    finally:
        processes.stop_all()
        stop_servers()
        delete_vhost(vhost)

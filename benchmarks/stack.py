"""The platform under measurement, started the way the end-to-end tests start it.

A temporary data directory, embedded servers on free ports, a dedicated RabbitMQ vhost,
a unique database prefix, then the services and the gateway (with its production default
of 2 gunicorn gthread workers). Everything started here is stopped on the way out, even on
failure or Ctrl-C; the data directory is kept only when the start failed, for its logs.
"""
from __future__ import annotations

import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from maillage_shared.settings import Settings

from infra.local.platform import SERVICES, PlatformProcesses
from infra.local.servers import LocalServers, create_vhost, delete_vhost, ensure_rabbitmq, start_local_servers

from .cpu import Component, children_of


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    base_url: str
    data_dir: Path
    mail_dir: Path
    servers: LocalServers
    processes: PlatformProcesses
    settings: Settings
    service_metrics: dict[str, str]   # service -> its /metrics URL

    def nameko_config(self) -> dict:
        return self.settings.nameko_config()

    def gateway_workers(self) -> int:
        """The gunicorn workers actually running (children of the master)."""
        return len(children_of(self.processes.processes["gateway"].pid))

    def cpu_components(self, client_pid: int) -> list[Component]:
        """The processes whose CPU time the report splits out."""
        data_dir = str(self.data_dir)
        components = [Component(name, root_pid=proc.pid) for name, proc in self.processes.processes.items()]
        components += [
            Component("mongo-wire", matches=lambda cmd: "nx-27017" in cmd and data_dir in cmd),
            Component("rabbitmq", matches=lambda cmd: "beam" in cmd and "rabbit" in cmd),
            # alone: the platform's processes are its children too
            Component("bench client", root_pid=client_pid, children=False),
        ]
        return components


@contextmanager
def running_platform(log=print) -> Iterator[Stack]:
    data_dir = Path(tempfile.mkdtemp(prefix="maillage-bench-")).resolve()
    vhost = f"maillage-bench-{uuid.uuid4().hex[:8]}"
    gateway_port = free_port()
    base_url = f"http://127.0.0.1:{gateway_port}"
    processes: PlatformProcesses | None = None
    stop_servers = None
    vhost_created = False
    failed = True
    try:
        log("starting RabbitMQ (if needed), the embedded servers, the services and the gateway…")
        ensure_rabbitmq()
        amqp_uri = create_vhost(vhost)
        vhost_created = True
        servers, stop_servers = start_local_servers(data_dir, vhost=vhost)
        env = {
            **servers.env(),
            "MAILLAGE_AMQP_URI": amqp_uri,
            "MAILLAGE_ENV": "test",
            "MAILLAGE_DATA_DIR": str(data_dir),
            "MAILLAGE_DB_PREFIX": f"bench{uuid.uuid4().hex[:6]}_",
            "MAILLAGE_PUBLIC_URL": base_url,
        }
        settings = Settings.from_env(env)
        processes = PlatformProcesses(env=env, log_dir=data_dir / "logs")
        # start_all() with metrics would take fixed ports (9101…), which `make run` may hold:
        # the same steps, each service's metrics on a free port
        metrics_ports = {name: free_port() for name in SERVICES}
        for name, port in metrics_ports.items():
            processes.start_service(name, port)
        processes.start_gateway(gateway_port)  # its default workers, as in production
        processes.wait_ready(base_url, timeout=90)
        yield Stack(base_url, data_dir, Path(servers.mail_dir), servers, processes, settings,
                    {name: f"http://127.0.0.1:{port}/metrics" for name, port in metrics_ports.items()})
        failed = False
    finally:
        log("stopping everything that was started…")
        # each step in its own guard: one failing stop must not leave the others running
        steps = [("services and gateway", processes.stop_all if processes is not None else None),
                 ("embedded servers", stop_servers),
                 (f"vhost {vhost}", (lambda: delete_vhost(vhost)) if vhost_created else None)]
        for what, step in steps:
            if step is None:
                continue
            try:
                step()
            except Exception as exc:  # report and go on stopping the rest
                failed = True
                log(f"could not stop the {what}: {exc!r}")
        if failed:
            log(f"data and logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

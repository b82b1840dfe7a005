"""`make run`: the whole platform on this machine with embedded defaults.

Starts (or reuses) RabbitMQ, the Mongo-wire server, SeaweedFS S3 and the SMTP sink under
var/dev, then every service and the gateway, loads the demo structure (idempotently;
never in production), prints the URL and the demo logins, and stops what it started on
Ctrl-C.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

from maillage_shared.settings import Settings, SettingsError

from .platform import ROOT, PlatformProcesses
from .servers import ensure_rabbitmq, start_local_servers


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


# Services (besides identity) whose ensure_demo_data(identity_demo) adds demo content.
DEMO_SERVICES: tuple[str, ...] = ("projects", "meetings", "documents", "finance")


def load_demo_data(settings: Settings, amqp_uri: str, attempts: int = 5) -> dict:
    """Ask identity to create the demo structure (idempotent); retried while the broker settles."""
    from nameko.standalone.rpc import ClusterRpcProxy

    for attempt in range(1, attempts + 1):
        try:
            with ClusterRpcProxy({**settings.nameko_config(), "AMQP_URI": amqp_uri}, timeout=60) as cluster:
                demo = cluster.identity.ensure_demo_data()
                # Then each other service adds its own demo data about those people (idempotently).
                for service in DEMO_SERVICES:
                    getattr(cluster, service).ensure_demo_data(demo)
                return demo
        except OSError:
            if attempt == attempts:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


def main() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    data_dir = ROOT / settings.data_dir if not Path(settings.data_dir).is_absolute() else Path(settings.data_dir)
    base_url = f"http://127.0.0.1:{settings.gateway_port}"
    if port_in_use(settings.gateway_port):
        print(f"Port {settings.gateway_port} is already in use — is Maillage already running at {base_url}?\n"
              f"Set MAILLAGE_GATEWAY_PORT to use another port.", file=sys.stderr)
        return 1

    print("Starting the embedded servers (RabbitMQ, Mongo-wire, S3, SMTP sink)…", flush=True)
    ensure_rabbitmq()
    servers, stop_servers = start_local_servers(
        data_dir, fixed_ports=True,
        mongo_port=int(os.environ.get("MAILLAGE_MONGO_PORT", "27017")),
        s3_port=int(os.environ.get("MAILLAGE_S3_PORT", "8333")),
        smtp_port=int(os.environ.get("MAILLAGE_SMTP_PORT", "8025")))
    env = {**servers.env(), "MAILLAGE_DATA_DIR": str(data_dir), "MAILLAGE_PUBLIC_URL": settings.public_url,
           "MAILLAGE_ENV": settings.env}
    if "MAILLAGE_AMQP_URI" in os.environ:
        env["MAILLAGE_AMQP_URI"] = os.environ["MAILLAGE_AMQP_URI"]
    processes = PlatformProcesses(env=env, log_dir=data_dir / "logs")
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nStopping Maillage…", flush=True)
        processes.stop_all()
        stop_servers()
        print("Stopped.", flush=True)

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    # Ctrl-C must stop us even when started from a shell that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        print("Starting the services and the gateway…", flush=True)
        processes.start_all(settings.gateway_port, with_metrics=True)
        processes.wait_ready(base_url, timeout=120)
        demo = None
        if settings.is_production:
            print("MAILLAGE_ENV=production: no demo data is loaded.")
        else:
            demo = load_demo_data(settings, env.get("MAILLAGE_AMQP_URI", servers.amqp_uri))
        print("\n  Maillage is running at", base_url)
        print("  API documentation:    ", base_url + "/api/v1/docs")
        print("  E-mails sent (SMTP sink):", servers.mail_dir)
        print("  Logs:                 ", data_dir / "logs")
        if demo:
            state = "loaded" if demo.get("created") else "already present"
            print(f"\n  Demo structure « MSP des Tilleuls » {state}. Logins (password for all: "
                  f"{demo['logins'][0]['password']}):")
            for login in demo["logins"]:
                print(f"    {login['email']:<45} {login['role']}")
        print("\n  Ctrl-C stops everything that was started.", flush=True)
        while all(p.poll() is None for p in processes.processes.values()):
            time.sleep(1)
        dead = [n for n, p in processes.processes.items() if p.poll() is not None]
        print(f"A process stopped unexpectedly: {', '.join(dead)}\n{processes.log_tail(dead[0])}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # report and clean up rather than leave servers behind
        print(f"Maillage could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())

"""``python -m infra.local start|stop|status [--data-dir var/dev]``: the embedded dev servers.

``start`` uses the well-known ports (27017, 8333, 8025; MAILLAGE_MONGO_PORT, MAILLAGE_S3_PORT,
MAILLAGE_SMTP_PORT change them), leaves the servers running and prints the ``MAILLAGE_*``
variables pointing at them as ``export`` lines; ``stop`` stops the servers of the data dir
whoever started them; ``status`` exits 0 only if all of them answer.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from infra.local.servers import (
    PORT_ENV,
    SERVER_NAMES,
    LocalServerError,
    local_servers_status,
    start_local_servers,
    stop_local_servers,
)


def _port_from_env(name: str) -> int | None:
    raw = os.environ.get(PORT_ENV[name], "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise LocalServerError(f"{PORT_ENV[name]} must be a TCP port number, got {raw!r}")
    return int(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--data-dir", type=Path, default=Path("var/dev"))
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            servers, _ = start_local_servers(
                args.data_dir, fixed_ports=True, mongo_port=_port_from_env("mongo"),
                s3_port=_port_from_env("s3"), smtp_port=_port_from_env("smtp"))
            reused = [n for n in SERVER_NAMES if n not in servers.started]
            print(f"# started: {', '.join(servers.started) or '-'}; reused: {', '.join(reused) or '-'}; "
                  f"mail in {servers.mail_dir}", file=sys.stderr)
            for key, value in servers.env().items():
                print(f"export {key}={shlex.quote(value)}")
        elif args.command == "stop":
            stopped = stop_local_servers(args.data_dir)
            print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        else:
            status = local_servers_status(args.data_dir)
            for name, state in status.items():
                print(f"{name:6} " + (f"running, pid {state[0]}, port {state[1]}" if state else "not running"))
            return 0 if all(status.values()) else 1
    except LocalServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

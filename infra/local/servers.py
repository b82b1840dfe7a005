"""Embedded development servers on loopback, started idempotently per data directory.

Used by ``make run`` (fixed, well-known ports) and by the test suite (free ports, a tmp dir),
so both exercise the same start/stop code. Per ``data_dir``::

    mongo/  nx-27017 databases (MongoDB wire protocol on SQLite)
    s3/     SeaweedFS ``weed mini`` data;  s3-credentials.json, s3-identities.json, s3-ports.json
    mail/   one .eml file per message received by the SMTP sink
    logs/   <server>.log: stdout+stderr of each server, appended across runs
    pids/   <server>.pid and <server>.port of the processes currently running
    .start.lock  serialises concurrent starts on the same data_dir

RabbitMQ is not embedded: the system broker is reused (or started), and isolation between
runs comes from vhosts. Servers run in their own session so that they outlive ``python -m
infra.local start`` and ignore a Ctrl-C meant for the parent; whoever started them stops them
through the returned callable (or ``python -m infra.local stop``).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pymongo
import urllib3
from minio import Minio

HOST = "127.0.0.1"
RABBITMQ_PORT = 5672
DEFAULT_PORTS = {"mongo": 27017, "s3": 8333, "smtp": 8025}
PORT_ENV = {"mongo": "MAILLAGE_MONGO_PORT", "s3": "MAILLAGE_S3_PORT", "smtp": "MAILLAGE_SMTP_PORT"}
SERVER_NAMES = ("mongo", "s3", "smtp")  # start order; stopped in reverse
# What must appear in /proc/<pid>/cmdline for a pid to be our server (guards against reused pids).
CMDLINE_MARKERS = {"mongo": "nx-27017", "s3": "weed", "smtp": "infra.local.smtp_sink"}
READY_TIMEOUT = {"mongo": 30.0, "s3": 60.0, "smtp": 30.0}
STOP_TIMEOUT = 15.0  # before SIGKILL; weed needs 1-4 s to stop cleanly
# weed mini also listens on master/volume/filer/admin HTTP ports plus a gRPC port for each
# (and for S3). Its admin worker dials admin.port + 10000 whatever -admin.port.grpc says, so
# every internal port gets its gRPC twin at +10000, as in weed's own defaults.
WEED_INTERNAL = ("master", "volume", "filer", "admin")
GRPC_OFFSET = 10000
REPO_ROOT = Path(__file__).resolve().parents[2]


class LocalServerError(RuntimeError):
    """A development server could not be started, reused or stopped."""


@dataclass
class LocalServers:
    """Where the running development servers answer."""

    amqp_uri: str
    mongo_uri: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    smtp_host: str
    smtp_port: int
    mail_dir: Path
    started: tuple[str, ...] = field(default=())  # servers this call started (the others were reused)

    def env(self) -> dict[str, str]:
        """``MAILLAGE_*`` variables pointing child processes at these servers."""
        return {
            "MAILLAGE_AMQP_URI": self.amqp_uri,
            "MAILLAGE_MONGO_URI": self.mongo_uri,
            "MAILLAGE_S3_ENDPOINT": self.s3_endpoint,
            "MAILLAGE_S3_ACCESS_KEY": self.s3_access_key,
            "MAILLAGE_S3_SECRET_KEY": self.s3_secret_key,
            "MAILLAGE_S3_SECURE": "false",
            "MAILLAGE_SMTP_HOST": self.smtp_host,
            "MAILLAGE_SMTP_PORT": str(self.smtp_port),
        }


def port_answers(port: int, host: str = HOST, timeout: float = 0.3) -> bool:
    """True if something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _port_free(port: int) -> bool:
    """True if we could listen on the port. SO_REUSEADDR like the servers, so TIME_WAIT is no conflict."""
    if not 0 < port < 65536 or port_answers(port):
        return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _free_pair(taken: set[int]) -> int:
    """A port P with P and P + GRPC_OFFSET free, below the kernel's ephemeral range."""
    for _ in range(500):
        port = random.randrange(20000, 30000)
        if not {port, port + GRPC_OFFSET} & taken and _port_free(port) and _port_free(port + GRPC_OFFSET):
            return port
    raise LocalServerError("no free port pair (P, P+10000) found in 20000-40000 for weed mini")


def _is_our_process(pid: int, name: str, data_dir: Path) -> bool:
    """Alive, not a zombie, and (where /proc exists) really our server for this data_dir."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    proc = Path(f"/proc/{pid}")
    if not proc.exists():
        return True
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return state != "Z" and CMDLINE_MARKERS[name] in cmdline and f"{data_dir}{os.sep}" in cmdline


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


@dataclass
class _Proc:
    """One server process and what identifies it on disk."""

    name: str
    data_dir: Path
    pid: int
    port: int
    popen: subprocess.Popen | None = None  # set when this process is our child (reaped by wait)

    @classmethod
    def from_files(cls, data_dir: Path, name: str) -> _Proc | None:
        pid, port = (_read_int(data_dir / "pids" / f"{name}.{ext}") for ext in ("pid", "port"))
        return None if pid is None or port is None else cls(name, data_dir, pid, port)

    def path(self, kind: str) -> Path:
        """pids/<name>.pid, pids/<name>.port or logs/<name>.log."""
        return self.data_dir / ("logs" if kind == "log" else "pids") / f"{self.name}.{kind}"

    def forget(self) -> None:
        """Remove what the (now dead) process left: pid/port files, and weed's unix sockets."""
        if self.name == "s3":
            _remove_weed_sockets(self.data_dir)  # needs the port files, so before removing them
        self.path("pid").unlink(missing_ok=True)
        self.path("port").unlink(missing_ok=True)

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        return _is_our_process(self.pid, self.name, self.data_dir)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; returns once the process is gone."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.alive():
                break
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + timeout
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
        if self.alive():
            raise LocalServerError(f"{self.name} (pid {self.pid}) survived SIGKILL")
        self.forget()


def _find_running(data_dir: Path, name: str) -> _Proc | None:
    """The server of this data_dir if its pid is alive and its port answers; stale files are removed."""
    proc = _Proc.from_files(data_dir, name)
    if proc is None or not proc.alive():
        if proc is not None:
            proc.forget()
        return None
    if not port_answers(proc.port):
        raise LocalServerError(
            f"{name} of {data_dir} (pid {proc.pid}) does not answer on port {proc.port}; stop it with "
            f"`python -m infra.local stop --data-dir {data_dir}`; last lines of its log:\n{_tail(proc.path('log'))}")
    return proc


def _launch(data_dir: Path, name: str, argv: list[str], port: int, ready: Callable[[], bool],
            env: dict[str, str] | None = None) -> _Proc:
    """Start one server, record its pid/port, poll ``ready`` until it answers or fails."""
    log = data_dir / "logs" / f"{name}.log"
    with open(log, "ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(argv)}\n".encode())
        out.flush()
        popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 cwd=data_dir, env={**os.environ, **(env or {})}, start_new_session=True)
    proc = _Proc(name, data_dir, popen.pid, port, popen)
    proc.path("pid").write_text(f"{popen.pid}\n")
    proc.path("port").write_text(f"{port}\n")
    deadline = time.monotonic() + READY_TIMEOUT[name]
    while True:
        if popen.poll() is not None:
            proc.forget()
            raise LocalServerError(f"{name} exited with code {popen.returncode} while starting on port {port}; "
                                   f"last lines of {log}:\n{_tail(log)}")
        try:
            if ready():
                return proc
        except Exception:  # any error while polling means "not ready yet"
            pass
        if time.monotonic() > deadline:
            proc.stop()
            raise LocalServerError(f"{name} did not answer on port {port} within {READY_TIMEOUT[name]:.0f} s; "
                                   f"last lines of {log}:\n{_tail(log)}")
        time.sleep(0.05)


def _binary(name: str) -> str:
    """Binaries installed in the virtualenv next to the running interpreter, else on PATH."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise LocalServerError(f"{name} not found next to {sys.executable} nor on PATH; run `make install`")
    return found


def _mongo_ping(port: int) -> bool:
    client = pymongo.MongoClient(f"mongodb://{HOST}:{port}/?directConnection=true",
                                 serverSelectionTimeoutMS=300, connectTimeoutMS=300)
    try:
        client.admin.command("ping")
        return True
    finally:
        client.close()


def _start_mongo(data_dir: Path, port: int) -> _Proc:
    # nx-27017 writes its own pid file and refuses to start if that pid is alive (even a reused
    # pid), so it gets a private one, removed first; ours lives in pids/. Its --log-file would
    # duplicate stdout and miss start-up tracebacks, so stdout+stderr are the log.
    nx_pid = data_dir / "mongo" / "nx-27017.pid"
    nx_pid.unlink(missing_ok=True)
    argv = [_binary("nx-27017"), "--data-dir", str(data_dir / "mongo"), "-p", str(port), "--host", HOST,
            "--log-file", os.devnull, "--pid-file", str(nx_pid)]
    return _launch(data_dir, "mongo", argv, port, lambda: _mongo_ping(port))


def _s3_credentials(data_dir: Path) -> dict[str, str]:
    """Random dev credentials, generated once per data_dir and kept there (never in the repo)."""
    path = data_dir / "s3-credentials.json"
    if not path.exists():
        creds = {"access_key": "maillage-" + secrets.token_hex(6), "secret_key": secrets.token_urlsafe(30)}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(creds, indent=2) + "\n")
        tmp.chmod(0o600)
        os.replace(tmp, path)
    return json.loads(path.read_text())


def _weed_ports(data_dir: Path, s3_port: int) -> dict[str, int]:
    """Every port flag of ``weed mini`` (it listens on 10): those of the last run if still free.

    Kept stable across runs because the master keeps its state in s3/m<master port>/.
    """
    path = data_dir / "s3-ports.json"
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    twin = s3_port + GRPC_OFFSET
    ports = {"s3.port": s3_port, "s3.port.grpc": twin if _port_free(twin) else _free_port()}
    taken = set(ports.values())
    for component in WEED_INTERNAL:
        port = saved.get(f"{component}.port")
        if not (isinstance(port, int) and not {port, port + GRPC_OFFSET} & taken
                and _port_free(port) and _port_free(port + GRPC_OFFSET)):
            port = _free_pair(taken)
        ports |= {f"{component}.port": port, f"{component}.port.grpc": port + GRPC_OFFSET}
        taken |= {port, port + GRPC_OFFSET}
    path.write_text(json.dumps(ports, indent=2) + "\n")
    return ports


def _remove_weed_sockets(data_dir: Path) -> None:
    """Remove the /tmp/seaweedfs-<component>-<port>.sock files weed leaves behind after it exits.

    Ours are named after our ports; one whose port answers belongs to a live process, not to us.
    """
    try:
        ports = json.loads((data_dir / "s3-ports.json").read_text()).values()
    except (OSError, ValueError):
        return
    tmp = Path(os.environ.get("TMPDIR") or "/tmp")
    for port in ports:
        for sock in tmp.glob(f"seaweedfs-*-{port}.sock"):
            if sock.is_socket() and not port_answers(port):
                sock.unlink(missing_ok=True)


def _start_s3(data_dir: Path, port: int) -> _Proc:
    creds = _s3_credentials(data_dir)
    identities = data_dir / "s3-identities.json"
    identities.write_text(json.dumps({"identities": [{
        "name": "maillage",
        "credentials": [{"accessKey": creds["access_key"], "secretKey": creds["secret_key"]}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    identities.chmod(0o600)
    # weed saves its flags in s3/mini.options and reloads them; the command line must stay the truth.
    (data_dir / "s3" / "mini.options").unlink(missing_ok=True)
    # preStopSeconds=0: a lone volume server has nobody to warn before stopping (saves 1 s per stop).
    argv = [_binary("weed"), "mini", f"-dir={data_dir / 's3'}", f"-ip={HOST}", f"-ip.bind={HOST}",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-volume.preStopSeconds=0", f"-s3.config={identities}"]
    argv += [f"-{flag}={value}" for flag, value in _weed_ports(data_dir, port).items()]
    # minio's own HTTP layer, without its retries and back-off, so that polling stays fast
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=1, read=5), retries=False)
    client = Minio(f"{HOST}:{port}", access_key=creds["access_key"], secret_key=creds["secret_key"],
                   secure=False, http_client=http)
    return _launch(data_dir, "s3", argv, port, lambda: client.list_buckets() is not None,
                   env={"GOMEMLIMIT": "512MiB"})


def _start_smtp(data_dir: Path, port: int) -> _Proc:
    argv = [sys.executable, "-m", "infra.local.smtp_sink", "--host", HOST, "--port", str(port),
            "--dir", str(data_dir / "mail")]
    pythonpath = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return _launch(data_dir, "smtp", argv, port, lambda: port_answers(port), env={"PYTHONPATH": pythonpath})


_STARTERS = {"mongo": _start_mongo, "s3": _start_s3, "smtp": _start_smtp}


def _rabbitmqctl(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("rabbitmqctl")
    if not exe:
        raise LocalServerError("rabbitmqctl not found; install Debian's rabbitmq-server")
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)


def ensure_rabbitmq(timeout: float = 60) -> None:
    """Reuse the broker answering on 127.0.0.1:5672, else start the system one and wait for it."""
    if port_answers(RABBITMQ_PORT):
        return
    exe = shutil.which("rabbitmq-server")
    if not exe:
        raise LocalServerError(f"nothing answers on {HOST}:{RABBITMQ_PORT} and rabbitmq-server is not installed")
    subprocess.run([exe, "-detached"], capture_output=True, timeout=60)
    deadline = time.monotonic() + timeout
    while not port_answers(RABBITMQ_PORT):
        if time.monotonic() > deadline:
            raise LocalServerError(f"rabbitmq-server -detached: port {RABBITMQ_PORT} still closed after {timeout:.0f} s; "
                                   "see /var/log/rabbitmq/")
        time.sleep(0.1)


def amqp_uri(vhost: str | None = None) -> str:
    return f"amqp://guest:guest@{HOST}:{RABBITMQ_PORT}/{quote(vhost or '', safe='')}"


def vhost_exists(name: str) -> bool:
    result = _rabbitmqctl("-q", "list_vhosts", "name")
    return name in result.stdout.splitlines()


def create_vhost(name: str) -> str:
    """Create the vhost (idempotent) with full rights for guest; returns its AMQP URI."""
    ensure_rabbitmq()
    for args in (("add_vhost", name), ("set_permissions", "-p", name, "guest", ".*", ".*", ".*")):
        result = _rabbitmqctl(*args)
        if result.returncode != 0:
            raise LocalServerError(f"rabbitmqctl {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return amqp_uri(name)


def delete_vhost(name: str) -> None:
    """Delete the vhost and everything in it; a vhost that does not exist is not an error."""
    result = _rabbitmqctl("delete_vhost", name)
    if result.returncode != 0 and "does not exist" not in result.stdout + result.stderr:
        raise LocalServerError(f"rabbitmqctl delete_vhost {name} failed: {result.stdout}{result.stderr}")


def _choose_port(name: str, requested: int | None, fixed_ports: bool) -> int:
    if requested is None and not fixed_ports:
        return _free_port()
    port = requested or DEFAULT_PORTS[name]
    if not _port_free(port):
        raise LocalServerError(f"port {port} wanted by the {name} server is already used by another process; "
                               f"set {PORT_ENV[name]} to a free port (or stop that process)")
    return port


def start_local_servers(data_dir: Path, *, mongo_port: int | None = None, s3_port: int | None = None,
                        smtp_port: int | None = None, vhost: str | None = None,
                        fixed_ports: bool = False) -> tuple[LocalServers, Callable[[], None]]:
    """Start (or reuse) the servers of ``data_dir``; returns where they are and how to stop them.

    The stop callable only stops what this call started (and deletes ``vhost`` only if this call
    created it), so a test run can share a data_dir with ``make run`` without breaking it.
    """
    data_dir = Path(data_dir).resolve()
    for sub in ("mongo", "s3", "mail", "logs", "pids"):
        (data_dir / sub).mkdir(parents=True, exist_ok=True)
    requested = {"mongo": mongo_port, "s3": s3_port, "smtp": smtp_port}
    started: list[_Proc] = []
    created_vhost = False

    def stop() -> None:
        nonlocal created_vhost
        errors = []
        while started:
            proc = started.pop()
            try:
                proc.stop()
            except LocalServerError as exc:
                errors.append(str(exc))
        if created_vhost:
            created_vhost = False
            delete_vhost(vhost)
        if errors:
            raise LocalServerError("; ".join(errors))

    ensure_rabbitmq()  # first: cheap, and no point starting the others without a broker
    try:
        ports = {}
        with open(data_dir / ".start.lock", "w") as lock:  # two `make run` at once must not both start
            fcntl.flock(lock, fcntl.LOCK_EX)
            for name in SERVER_NAMES:
                running = _find_running(data_dir, name)
                if running is None:
                    ports[name] = _choose_port(name, requested[name], fixed_ports)
                    started.append(_STARTERS[name](data_dir, ports[name]))
                elif requested[name] in (None, running.port):
                    ports[name] = running.port
                else:
                    raise LocalServerError(f"{name} of {data_dir} already runs on port {running.port}, "
                                           f"not {requested[name]}; stop it first")
        if vhost:
            created_vhost = not vhost_exists(vhost)
            create_vhost(vhost)
    except BaseException:
        with contextlib.suppress(Exception):  # the start error matters more than a failed cleanup
            stop()
        raise
    creds = _s3_credentials(data_dir)
    servers = LocalServers(
        amqp_uri=amqp_uri(vhost), mongo_uri=f"mongodb://{HOST}:{ports['mongo']}/?directConnection=true",
        s3_endpoint=f"{HOST}:{ports['s3']}", s3_access_key=creds["access_key"], s3_secret_key=creds["secret_key"],
        smtp_host=HOST, smtp_port=ports["smtp"], mail_dir=data_dir / "mail",
        started=tuple(p.name for p in started))
    return servers, stop


def stop_local_servers(data_dir: Path) -> list[str]:
    """Stop whatever servers of ``data_dir`` are running, whoever started them; returns their names."""
    data_dir = Path(data_dir).resolve()
    stopped = []
    for name in reversed(SERVER_NAMES):
        proc = _Proc.from_files(data_dir, name)
        if proc is not None and proc.alive():
            stopped.append(name)
        if proc is not None:
            proc.stop()  # or only removes the files of a dead one
    return stopped


def local_servers_status(data_dir: Path) -> dict[str, tuple[int, int] | None]:
    """``{name: (pid, port)}`` for each server of ``data_dir`` that runs and answers, else None."""
    data_dir = Path(data_dir).resolve()
    status: dict[str, tuple[int, int] | None] = {}
    for name in SERVER_NAMES:
        proc = _Proc.from_files(data_dir, name)
        ok = proc is not None and proc.alive() and port_answers(proc.port)
        status[name] = (proc.pid, proc.port) if ok else None
    return status

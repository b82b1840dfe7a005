"""Start the platform's own processes (services and gateway) against running servers.

Used by `make run` (infra/local/run.py) and by the end-to-end tests, so both run the
platform the same way: real processes, real broker, real Mongo-wire and S3 servers.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# name -> Nameko service class path; new services are added here.
SERVICES = {
    "identity": "services.identity.service:IdentityService",
    "projects": "services.projects.service:ProjectsService",
    "meetings": "services.meetings.service:MeetingsService",
    "documents": "services.documents.service:DocumentsService",
    "finance": "services.finance.service:FinanceService",
}
METRICS_BASE_PORT = 9101


@dataclass
class PlatformProcesses:
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def _spawn(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        env = {**os.environ, **self.env, **(extra_env or {}), "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.processes[name] = proc
        return proc

    def start_service(self, name: str, metrics_port: int | None = None) -> subprocess.Popen:
        extra = {"MAILLAGE_METRICS_PORT": str(metrics_port)} if metrics_port else {}
        return self._spawn(name, [sys.executable, "-m", "maillage_shared.runner", SERVICES[name]], extra)

    def start_gateway(self, port: int, workers: int = 2) -> subprocess.Popen:
        return self._spawn("gateway", [sys.executable, "-m", "gunicorn", "--config", "gateway/gunicorn.conf.py",
                                       "gateway.app:create_app()"],
                           {"MAILLAGE_GATEWAY_PORT": str(port), "MAILLAGE_GATEWAY_WORKERS": str(workers)})

    def start_all(self, gateway_port: int, with_metrics: bool = False, gateway_workers: int = 2) -> None:
        for index, name in enumerate(SERVICES):
            self.start_service(name, METRICS_BASE_PORT + index if with_metrics else None)
        self.start_gateway(gateway_port, gateway_workers)

    def stop(self, name: str, timeout: float = 15) -> None:
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def stop_all(self) -> None:
        for name in ["gateway", *reversed(list(SERVICES))]:
            self.stop(name)
        for name in list(self.processes):
            self.stop(name)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, base_url: str, timeout: float = 60) -> None:
        """Poll /readyz until the gateway, the broker and every service answer."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(base_url + "/readyz", timeout=5) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                last = exc.read().decode(errors="replace")
            except OSError as exc:
                last = str(exc)
            time.sleep(0.3)
        tails = "\n".join(f"--- {n}\n{self.log_tail(n)}" for n in self.processes)
        raise RuntimeError(f"platform not ready after {timeout}s: {last}\n{tails}")

"""`make bench`: start the platform, load a structure, measure, write BENCHMARKS.md, stop.

    .venv/bin/python -m benchmarks.run [--quick] [--output PATH]

Measured in one run: raw Nameko RPC round trips (`identity.health()` sequentially and from
8 threads, plus the calls the gateway makes for the measured endpoints), then, through the
gateway, `GET /api/v1/me` and a directory search with 1, 8 and 32 keep-alive clients.
"""
from __future__ import annotations

import argparse
import email
import os
import signal
import sys
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import requests

from tests.platform.helpers import LINK_RE, signup_payload

from . import analysis, names
from .cpu import CpuMeter
from .load import run_http_cell, time_calls, time_threaded_rpc
from .metrics import Breakdown, MetricsProbe
from .report import Run, machine_facts, render
from .stack import Stack, running_platform

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
PASSWORD = "un mot de passe de banc d'essai"
CLIENT_COUNTS = (1, 8, 32)
RPC_THREADS = 8
QUIET_MACHINE = 0.25  # share of all cores busy with other work below which a run may start
DIRECTORY_PREFIX = "Le"
# 40 members; 8 last names start with the searched prefix and no other name contains it
# (the directory matches anywhere in the folded first and last names).
MEMBERS = [
    ("Paul", "Leroy", "medecin_generaliste"), ("Anne", "Lefebvre", "infirmier"), ("Marc", "Lemaire", "pharmacien"),
    ("Julie", "Legrand", "kinesitherapeute"), ("Hugo", "Leblanc", "medecin_generaliste"),
    ("Emma", "Lecomte", "sage_femme"), ("Noah", "Lemoine", "infirmier"), ("Chloe", "Lebrun", "orthophoniste"),
    ("Sophie", "Bernard", "medecin_generaliste"), ("Thomas", "Dubois", "infirmier"), ("Manon", "Thomas", "ipa"),
    ("Nicolas", "Robert", "pharmacien"), ("Margaux", "Richard", "kinesitherapeute"), ("Pierre", "Petit", "dieteticien"),
    ("Sarah", "Durand", "psychologue"), ("Antoine", "Moreau", "medecin_generaliste"), ("Ines", "Laurent", "infirmier"),
    ("Julien", "Simon", "pedicure_podologue"), ("Alice", "Michel", "secretaire"), ("Romain", "Garcia", "infirmier"),
    ("Eva", "David", "medecin_specialiste"), ("Agnès", "Bertrand", "sage_femme"), ("Yann", "Roux", "ergotherapeute"),
    ("Zoé", "Vincent", "orthoptiste"), ("Bruno", "Fournier", "chirurgien_dentiste"), ("Agathe", "Morel", "infirmier"),
    ("Denis", "Girard", "medecin_generaliste"), ("Rose", "André", "assistant_medical"), ("Victor", "Mercier", "ipa"),
    ("Nina", "Dupont", "kinesitherapeute"), ("Olivier", "Bonnet", "pharmacien"), ("Jeanne", "François", "infirmier"),
    ("Gabriel", "Martinez", "medecin_generaliste"), ("Maya", "Guérin", "psychologue"), ("Simon", "Boyer", "autre"),
    ("Claire", "Chevalier", "infirmier"), ("Arthur", "Gauthier", "dieteticien"), ("Iris", "Perrin", "sage_femme"),
    ("Tom", "Robin", "medecin_generaliste"), ("Jade", "Colin", "secretaire"),
]


@dataclass(frozen=True)
class BenchSettings:
    rpc_calls: int = 2000
    rpc_warmup: int = 200
    service_calls: int = 400
    warmup_s: float = 1.0
    duration_s: float = 8.0
    floor_duration_s: float = 3.0
    max_requests: int = 20000
    members: int = len(MEMBERS)
    quiet_patience_s: float = 60

    @classmethod
    def quick(cls) -> BenchSettings:
        return cls(rpc_calls=200, rpc_warmup=20, service_calls=50, warmup_s=0.5, duration_s=1.5,
                   floor_duration_s=1.0, members=10, quiet_patience_s=0)


@dataclass(frozen=True)
class Dataset:
    structure_id: str
    user_id: str
    email: str
    password: str
    members: int
    directory_hits: int


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _check(response: requests.Response, expected: tuple[int, ...], what: str) -> dict:
    if response.status_code not in expected:
        raise RuntimeError(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    return response.json() if response.content else {}


def login(base_url: str, dataset: Dataset) -> str:
    """A fresh access token (they live 15 minutes)."""
    response = requests.post(f"{base_url}{API}/auth/login", json={"email": dataset.email, "password": dataset.password},
                             timeout=30)
    return _check(response, (200,), "login")["access_token"]


def invitation_links(mail_dir: Path, addresses: list[str], timeout: float = 60) -> dict[str, str]:
    """The invitation link e-mailed to each address: one pass over the SMTP sink's files per
    poll, each file parsed once (the tests' ``read_invitation_link`` reparses every file
    for every address)."""
    pending = {address.lower() for address in addresses}
    links: dict[str, str] = {}
    seen: set[Path] = set()
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime):
            if path in seen:
                continue
            seen.add(path)
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            recipients = str(message.get("To", "")).lower()
            body = message.get_body(preferencelist=("plain", "html"))
            match = LINK_RE.search(body.get_content() if body else "")
            for address in [a for a in pending if a in recipients]:
                if match:
                    links[address] = match.group(0)
                    pending.discard(address)
        if pending:
            time.sleep(0.2)
    if pending:
        raise RuntimeError(f"no invitation e-mail for {len(pending)} of {len(addresses)} addresses in {mail_dir}")
    return links


def populate(stack: Stack, cluster, settings: BenchSettings) -> Dataset:
    """A structure through the API, then members: invited by RPC (faster than HTTP, and the
    token only travels by e-mail), accepted through the e-mailed links over HTTP."""
    payload = signup_payload()
    signed = _check(requests.post(f"{stack.base_url}{API}/signup", json=payload, timeout=30), (201,), "signup")
    structure_id, user_id = signed["structure"]["id"], signed["user_id"]
    suffix = uuid.uuid4().hex[:6]
    people = MEMBERS[:settings.members]
    addresses = [f"bench.{index}.{suffix}@example.org" for index in range(len(people))]
    for address, (_, _, profession) in zip(addresses, people, strict=True):
        cluster.identity.invite(user_id, structure_id, {"email": address, "role": "member", "profession": profession})
    links = invitation_links(stack.mail_dir, addresses)

    def accept(item) -> None:
        address, (first_name, last_name, _) = item
        token = links[address].rstrip("/").rsplit("/", 1)[-1]
        response = requests.post(f"{stack.base_url}{API}/invitations/{token}/accept", timeout=60,
                                 json={"first_name": first_name, "last_name": last_name, "password": PASSWORD})
        _check(response, (200, 201), f"accepting the invitation of {address}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(accept, zip(addresses, people, strict=True)))
    hits = cluster.identity.directory(structure_id, {"q": DIRECTORY_PREFIX})
    if not hits:
        raise RuntimeError(f"the directory search q={DIRECTORY_PREFIX!r} found nobody; the benchmark would be empty")
    return Dataset(structure_id, user_id, payload["coordinator"]["email"], payload["coordinator"]["password"],
                   len(people), len(hits))


class Observation:
    """The measured window of one cell: CPU by component, and the platform's histograms."""

    def __init__(self, meter: CpuMeter, probe: MetricsProbe):
        self.meter, self.probe = meter, probe

    def open(self) -> None:
        self.metrics_before = self.probe.snapshot()  # scraped outside the CPU window
        self.cpu_before = self.meter.sample()

    def close(self) -> None:
        self.cpu = self.meter.usage(self.cpu_before, self.meter.sample())
        self.metrics_after = self.probe.snapshot()

    def breakdown(self, http_endpoint: str | None, rpc_methods: list[str]) -> Breakdown:
        return self.probe.breakdown(self.metrics_before, self.metrics_after, http_endpoint, rpc_methods)


def measure_rpc(stack: Stack, cluster, dataset: Dataset, settings: BenchSettings, probe: MetricsProbe):
    """Raw round trips; each with the mean time spent inside the service's worker."""
    in_service: dict[str, float | None] = {}

    def timed(label: str, method: str, measure):
        before = probe.snapshot()
        latency = measure()
        in_service[label] = probe.breakdown(before, probe.snapshot(), None, [method]).in_service_ms
        return latency

    log(f"raw RPC: identity.health() × {settings.rpc_calls}, sequential")
    sequential = timed(names.HEALTH, "health", lambda: time_calls(
        lambda: cluster.identity.health(), settings.rpc_calls, settings.rpc_warmup))
    log(f"raw RPC: identity.health() × {settings.rpc_calls}, {RPC_THREADS} threads")
    threaded = time_threaded_rpc(stack.nameko_config(), RPC_THREADS, settings.rpc_calls // RPC_THREADS,
                                 max(1, settings.rpc_warmup // RPC_THREADS), lambda c: c.identity.health())
    sid, uid = dataset.structure_id, dataset.user_id
    calls = {
        names.GET_ME: ("get_me", lambda: cluster.identity.get_me(uid)),
        names.GET_MEMBERSHIP: ("get_membership", lambda: cluster.identity.get_membership(uid, sid)),
        names.DIRECTORY_RPC: ("directory", lambda: cluster.identity.directory(sid, {"q": DIRECTORY_PREFIX})),
    }
    service_calls = {}
    for label, (method, call) in calls.items():
        log(f"raw RPC: {label} × {settings.service_calls}")
        service_calls[label] = timed(label, method, lambda call=call: time_calls(
            call, settings.service_calls, max(1, settings.service_calls // 10)))
    return sequential, threaded, service_calls, in_service


def measure_gateway(stack: Stack, dataset: Dataset, meter: CpuMeter, probe: MetricsProbe, settings: BenchSettings):
    def cell(url: str, headers: dict, clients: int, duration_s: float, rule: str, rpc_methods: list[str]):
        meter.refresh()  # which processes are which, looked up outside the measured window
        observation = Observation(meter, probe)
        result = run_http_cell(url, headers, clients, warmup_s=settings.warmup_s, duration_s=duration_s,
                               max_requests=settings.max_requests, window=observation)
        result.cpu = observation.cpu
        result.breakdown = observation.breakdown(rule, rpc_methods)
        return result

    log(f"gateway: GET /healthz, 1 client, {settings.floor_duration_s:g} s")
    floor = cell(f"{stack.base_url}/healthz", {}, 1, settings.floor_duration_s, "/healthz", [])
    targets = {
        names.ME_ENDPOINT: (f"{stack.base_url}{API}/me", f"{API}/me", ["get_me"]),
        names.DIRECTORY_ENDPOINT: (
            f"{stack.base_url}{API}/structures/{dataset.structure_id}/directory?q={DIRECTORY_PREFIX}",
            f"{API}/structures/<sid>/directory", ["get_membership", "directory"]),
    }
    endpoints = {}
    for label, (url, rule, rpc_methods) in targets.items():
        headers = {"Authorization": f"Bearer {login(stack.base_url, dataset)}"}
        cells = []
        for clients in CLIENT_COUNTS:
            log(f"gateway: {label}, {clients} client(s), {settings.warmup_s:g} s + {settings.duration_s:g} s")
            result = cell(url, headers, clients, settings.duration_s, rule, rpc_methods)
            log(f"  p50 {result.latency.p50_ms:.2f} ms, p99 {result.latency.p99_ms:.2f} ms, "
                f"{result.latency.rate:.0f} req/s, {result.errors} errors, "
                f"CPU {result.cpu.machine_busy_fraction:.0%} busy")
            cells.append(result)
        endpoints[label] = cells
    return floor, endpoints


def machine_busy(seconds: float = 2.0) -> float:
    """How busy the machine is (0..1 of all cores) over a short while."""
    meter = CpuMeter([])
    before = meter.sample()
    time.sleep(seconds)
    return meter.usage(before, meter.sample()).machine_busy_fraction


def wait_for_quiet(patience_s: float, quiet: float = QUIET_MACHINE) -> float:
    """Other work on the machine skews every number: give it ``patience_s`` to calm down,
    then go on anyway (the report says how busy it was)."""
    deadline = time.monotonic() + patience_s
    busy = machine_busy()
    while busy > quiet and time.monotonic() < deadline:
        log(f"machine {busy:.0%} busy with other work; waiting for it to calm down…")
        time.sleep(3)
        busy = machine_busy()
    return busy


def benchmark(settings: BenchSettings) -> Run:
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from maillage_shared import errors
    from nameko.standalone.rpc import ClusterRpcProxy

    errors.register_with_nameko()  # domain errors come back typed, with their message
    started_utc = datetime.now(UTC)
    machine = machine_facts()
    baseline = wait_for_quiet(settings.quiet_patience_s)
    log(f"machine {baseline:.0%} busy before the run")
    with running_platform(log) as stack:
        probe = MetricsProbe(f"{stack.base_url}/metrics", stack.service_metrics)
        proxy = ClusterRpcProxy(stack.nameko_config(), timeout=30)
        cluster = proxy.start()
        try:
            log(f"loading a structure with {settings.members} members…")
            dataset = populate(stack, cluster, settings)
            sequential, threaded, service_calls, in_service = measure_rpc(stack, cluster, dataset, settings, probe)
        finally:
            proxy.stop()
        meter = CpuMeter(stack.cpu_components(os.getpid()))
        floor, endpoints = measure_gateway(stack, dataset, meter, probe, settings)
        gateway = (f"{stack.gateway_workers()} gunicorn gthread workers × "
                   f"{os.environ.get('MAILLAGE_GATEWAY_THREADS', '8')} threads, an RPC pool of "
                   f"{stack.settings.rpc_pool_size} proxies per worker; identity: one process, "
                   f"{stack.nameko_config()['max_workers']} Nameko workers")
    method = {"members": dataset.members, "prefix": DIRECTORY_PREFIX, "directory_hits": dataset.directory_hits,
              "rpc_calls": settings.rpc_calls, "rpc_warmup": settings.rpc_warmup, "warmup_s": settings.warmup_s,
              "duration_s": settings.duration_s, "max_requests": settings.max_requests, "gateway": gateway}
    return Run(started_utc, machine, method, sequential, threaded, RPC_THREADS, service_calls, in_service, floor,
               endpoints, baseline_busy=baseline)


def _broker_went_away(exc: BaseException) -> bool:
    from kombu.exceptions import OperationalError

    while exc is not None:
        if isinstance(exc, (OperationalError, ConnectionRefusedError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # unwinds through the finally blocks that stop the platform


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short cells, for trying the harness (not for numbers)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help="where to write (BENCHMARKS.md)")
    args = parser.parse_args(argv)
    settings = BenchSettings.quick() if args.quick else BenchSettings()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    began = time.monotonic()
    try:
        run = benchmark(settings)
    except KeyboardInterrupt:
        log("interrupted; nothing written")
        return 130
    except Exception as exc:
        log(f"benchmark failed: {exc!r}")
        if _broker_went_away(exc):
            log("RabbitMQ stopped answering during the run. Was it restarted? The fault tests "
                "(tests/platform/e2e/test_faults.py) stop the shared broker: bench when no test run is going on.")
        raise
    run.duration_s = time.monotonic() - began
    previous = args.output.read_text() if args.output.exists() else None
    args.output.write_text(render(run, analysis.what_dominates(run), previous))
    log(f"wrote {args.output} ({run.duration_s:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

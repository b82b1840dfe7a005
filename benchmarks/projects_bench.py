"""Projects: the structure dashboard and the personal view (« Mes tâches ») of a structure
with 200 projects and 3,000 tasks, through the gateway, at 1, 8 and 32 keep-alive clients,
and what dominates their time. Writes (or replaces) its own section of BENCHMARKS.md.

    .venv/bin/python -m benchmarks.projects_bench [--quick] [--output PATH]

The platform is started as `make bench` starts it (``benchmarks.stack.running_platform``).
The data is created through the projects service's own RPCs (``create_project``,
``create_task``) from a few standalone proxies, so every rule and write path is the real one.
Then, per endpoint and client count, the platform's Prometheus histograms (gateway request,
gateway RPC round trips, time inside the projects and identity workers) and the CPU of each
process are read around the measured window. Finally the service's own code is replayed in
this process against the same Mongo-wire database (sequentially, with timers around each
repository and directory call) to split the time inside the projects worker: the Mongo-wire
server answering, pymongo decoding, turning documents into entities, the view's computation,
the marshmallow dump.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import signal
import statistics
import sys
import threading
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

from tests.platform.helpers import signup_payload

from .cpu import CpuMeter, CpuUsage
from .load import time_calls
from .metrics import GATEWAY_RPC, HTTP, SERVICE_RPC, Histogram, MetricsProbe
from .report import machine_facts
from .run import wait_for_quiet
from .stack import Stack, running_platform
from .stats import Latency

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
SECTION = "projects"
START, END = f"<!-- section: {SECTION} -->", f"<!-- /section: {SECTION} -->"
CLIENT_COUNTS = (1, 8, 32)
THEMES = ("access", "prevention", "pathways", "quality", "public_health", "team", "training", "other")
ACI = [None, {"kind": "protocol", "theme": "iatrogenic_risk"}, {"kind": "public_health_mission",
                                                                 "topic": "vaccination"}, {"kind": "quality"}]
CPU_COLUMNS = ("gateway", "projects", "identity", "mongo-wire", "rabbitmq", "other services", "bench client")
OTHER_SERVICES = ("meetings", "documents", "finance")
IDLE_S = 5.0
SCRAPE_TIMEOUT_S = 120.0   # a saturated gateway answers /metrics only after the requests queued before it
SETTLE_MAX_S = 30.0


@dataclass(frozen=True)
class Endpoint:
    label: str            # as shown in the report
    rule: str             # the Flask rule (the gateway's metrics label)
    gateway_calls: tuple[tuple[str, str], ...]   # (service, method) the gateway makes per request
    projects_method: str  # the projects RPC that serves it
    inner_call: tuple[str, str]   # the identity call the projects service makes for it


DASHBOARD = Endpoint("GET /api/v1/structures/<sid>/dashboard", f"{API}/structures/<sid>/dashboard",
                     (("identity", "get_membership"), ("projects", "dashboard")), "dashboard",
                     ("identity", "get_membership"))
MY_TASKS = Endpoint("GET /api/v1/me/tasks", f"{API}/me/tasks", (("projects", "my_tasks"),), "my_tasks",
                    ("identity", "get_me"))
ENDPOINTS = (DASHBOARD, MY_TASKS)
RAW_ANSWER = "tasks: Mongo-wire answer (raw BSON, same query)"
DECODING = "tasks: pymongo decoding of those documents"
ENTITIES = "tasks: documents → `Task` entities"
ONE_BATCH = "tasks: the same, in one batch instead of 101 documents per round trip"


@dataclass(frozen=True)
class BenchSettings:
    projects: int = 200
    tasks_per_project: int = 15
    loaders: int = 4
    rpc_calls: int = 10          # per projects RPC; ten times as many for the (fast) identity ones
    replays: int = 3
    warmup_s: float = 1.0
    duration_s: float = 8.0
    max_window_s: float = 16.0   # a slow cell's measured window is lengthened up to this
    max_warmup_s: float = 10.0
    quiet_patience_s: float = 30

    @classmethod
    def quick(cls) -> BenchSettings:
        return cls(projects=20, rpc_calls=5, replays=2, warmup_s=0.5, duration_s=2.0, max_window_s=6.0,
                   max_warmup_s=3.0, quiet_patience_s=0)


@dataclass
class Dataset:
    structure_id: str
    user_id: str
    email: str
    password: str
    projects: int = 0
    tasks: int = 0
    done: int = 0
    dated: int = 0
    dependent: int = 0
    assigned: int = 0
    assigned_open: int = 0
    load_s: float = 0.0


@dataclass
class CellRun:
    """One cell: ``clients`` keep-alive clients sending requests back to back. Latencies are those
    of the requests started inside the measured window; the rate counts the requests completed
    inside it, like the CPU. (``benchmarks.load`` divides the started ones by the time until the
    last of them ends: right for fast requests, but with many clients and multi-second requests
    that counts the drain after the window as if it were load.)"""
    clients: int
    latency: Latency
    served: int                 # requests completed inside the window
    window_s: float
    errors: int                 # failed requests started inside the window
    warmup_errors: int          # and during the warm-up
    first_error: str | None
    cpu: CpuUsage | None = None
    metrics_before: dict = field(default_factory=dict)
    metrics_after: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.served / self.window_s if self.window_s > 0 else 0.0


@dataclass
class Cell:
    result: CellRun
    warmup_s: float
    window_s: float
    in_flask_ms: float | None
    gateway_rpc_ms: dict[str, float | None]        # "service.method" -> mean round trip seen by the gateway
    in_worker_ms: dict[str, float | None]          # "service.method" -> mean time in that service's worker
    settled_s: float = 0.0                         # waited before the cell for the Mongo-wire server to calm down
    relay_passes: float = 0.0                      # projects outbox relay passes during the window
    relay_s: float = 0.0                           # and their total time in the projects worker


@dataclass
class Replay:
    """One view's code run in this process: median ms per step over the replays."""
    steps: dict[str, float]
    total_ms: float
    response_bytes: int
    tasks_read: int


@dataclass
class Idle:
    """The platform with no request: what runs anyway (timers), and what the projects outbox
    relay's pending count costs (it runs every 0.5 s)."""
    seconds: float
    cores: dict[str, float]                 # process -> cores used
    outbox_count_ms: dict[str, float]       # collection -> count_documents({_outbox_count > 0}) ms
    outbox_find_ms: dict[str, float]        # collection -> the same filter as find(...).limit(1), ms


@dataclass
class Results:
    dataset: Dataset
    rpc: dict[str, tuple[Latency, float | None]] = field(default_factory=dict)   # label -> (latency, in worker ms)
    cells: dict[str, list[Cell]] = field(default_factory=dict)
    replays: dict[str, Replay] = field(default_factory=dict)
    replay_error: str | None = None
    idle: Idle | None = None
    shapes: dict[str, str] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"[projects bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# Data ---------------------------------------------------------------------------------------------

def populate(stack: Stack, settings: BenchSettings) -> Dataset:
    """A structure whose coordinator leads every project and is assigned every fifth task.
    ``loaders`` threads, each with its own started RPC proxy (one proxy shared by threads
    hangs), each creating whole projects: the project, then its tasks in order (two thirds
    wait for the previous one; a task is done only when what it waits for is)."""
    from nameko.standalone.rpc import ClusterRpcProxy

    payload = signup_payload()
    response = requests.post(f"{stack.base_url}{API}/signup", json=payload, timeout=30)
    if response.status_code != 201:
        raise RuntimeError(f"signup: HTTP {response.status_code} {response.text[:300]}")
    signed = response.json()
    data = Dataset(signed["structure"]["id"], signed["user_id"], payload["coordinator"]["email"],
                   payload["coordinator"]["password"])
    sid, uid = data.structure_id, data.user_id
    today = date.today()
    config = stack.nameko_config()
    proxies = [ClusterRpcProxy(config, timeout=60) for _ in range(settings.loaders)]
    idle: queue.Queue = queue.Queue()
    counts: dict[str, int] = defaultdict(int)

    def load_project(cluster, index: int) -> dict[str, int]:
        rng = random.Random(index)
        project = cluster.projects.create_project(uid, sid, {
            "title": f"Projet {index:03d}", "theme": THEMES[index % len(THEMES)], "aci": ACI[index % len(ACI)],
            "status": "active" if index % 4 else "idea"})
        made: dict[str, int] = defaultdict(int)
        previous, previous_done = None, False
        for number in range(settings.tasks_per_project):
            dated = rng.random() < 0.7
            due = today + timedelta(days=rng.randint(-14, 90)) if dated else None
            depends = [previous] if previous and number % 3 else []
            done = rng.random() < 0.35 and (not depends or previous_done)
            assigned = number % 5 == 0
            task = cluster.projects.create_task(uid, project["id"], {
                "title": f"Tâche {index:03d}-{number:02d}", "assignee_ids": [uid] if assigned else [],
                "due_on": due.isoformat() if due else None, "depends_on": depends,
                "status": "done" if done else "todo"})
            previous, previous_done = task["id"], done
            made["tasks"] += 1
            made["done"] += done
            made["dated"] += dated
            made["dependent"] += bool(depends)
            made["assigned"] += assigned
            made["assigned_open"] += assigned and not done
        return made

    def make_project(index: int) -> None:
        cluster = idle.get()
        try:
            made = load_project(cluster, index)
        finally:
            idle.put(cluster)
        for key, value in made.items():
            counts[key] += value   # one thread per project finishes at a time under the GIL: fine

    started = time.perf_counter()
    try:
        for proxy in proxies:
            idle.put(proxy.start())
        with ThreadPoolExecutor(settings.loaders) as pool:
            list(pool.map(make_project, range(settings.projects)))
    finally:
        for proxy in proxies:
            proxy.stop()
    data.load_s = time.perf_counter() - started
    data.projects = settings.projects
    for key, value in counts.items():
        setattr(data, key, value)
    return data


def login(base_url: str, data: Dataset) -> str:
    response = requests.post(f"{base_url}{API}/auth/login", json={"email": data.email, "password": data.password},
                             timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"login: HTTP {response.status_code} {response.text[:300]}")
    return response.json()["access_token"]


def endpoint_url(stack: Stack, endpoint: Endpoint, data: Dataset) -> str:
    return stack.base_url + endpoint.rule.replace("<sid>", data.structure_id)


# Measurements --------------------------------------------------------------------------------------

def _mean_ms(before: dict, after: dict, source: str, name: str, labels: dict[str, str]) -> float | None:
    seconds, count = Histogram(name, labels).delta(before.get(source, {}), after.get(source, {}))
    return seconds / count * 1000 if count > 0 else None


def measure_rpc(cluster, data: Dataset, probe: MetricsProbe, settings: BenchSettings) -> dict:
    """The RPCs each request is made of, called directly and sequentially, each with the mean
    time inside the worker that served it (the service's own histogram)."""
    sid, uid = data.structure_id, data.user_id
    parts = {
        "identity.get_membership(user_id, sid)": ("identity", "get_membership",
                                                  lambda: cluster.identity.get_membership(uid, sid)),
        "identity.get_me(user_id)": ("identity", "get_me", lambda: cluster.identity.get_me(uid)),
        "projects.dashboard(user_id, sid)": ("projects", "dashboard", lambda: cluster.projects.dashboard(uid, sid)),
        "projects.my_tasks(user_id)": ("projects", "my_tasks", lambda: cluster.projects.my_tasks(uid, {})),
    }
    measured = {}
    for label, (service, method, call) in parts.items():
        calls = settings.rpc_calls * (10 if service == "identity" else 1)
        log(f"raw RPC: {label} × {calls}")
        before = probe.snapshot()
        latency = time_calls(call, calls, max(2, calls // 10))
        in_worker = _mean_ms(before, probe.snapshot(), service, SERVICE_RPC, {"service": service, "method": method})
        measured[label] = (latency, in_worker)
    return measured


def cell_timing(settings: BenchSettings, clients: int, best_rate: float | None) -> tuple[float, float]:
    """(warm-up, window) for a cell. With many clients and slow requests, a fixed 8 s window would
    record nearly nothing (each client's first request starts in the warm-up and ends after the
    window): the warm-up lasts one expected latency (clients ÷ the best rate seen so far) and the
    window three, up to ``max_window_s``."""
    if best_rate is None or clients == 1 or best_rate <= 0:
        return settings.warmup_s, settings.duration_s
    expected = clients / best_rate
    return (min(max(settings.warmup_s, expected), settings.max_warmup_s),
            min(max(settings.duration_s, 3 * expected), settings.max_window_s))


class PatientProbe(MetricsProbe):
    """``MetricsProbe`` whose scrapes wait for a saturated gateway (the shared one gives up after
    10 s and returns nothing, which would blank the breakdown of the busiest cells)."""

    def snapshot(self) -> dict:
        out = {}
        for name, url in self.urls.items():
            for _ in range(3):
                out[name] = scrape_patiently(url)
                if out[name]:
                    break
        return out


def scrape_patiently(url: str) -> dict:
    """``benchmarks.metrics.scrape`` with a longer timeout: every ``*_sum`` and ``*_count`` sample."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        response = requests.get(url, timeout=SCRAPE_TIMEOUT_S)
        response.raise_for_status()
    except requests.RequestException:
        return {}
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples
            if sample.name.endswith(("_sum", "_count"))}


def settle(meter: CpuMeter, idle_cores: float) -> float:
    """Wait (up to SETTLE_MAX_S) until the Mongo-wire server is back to its idle level: after a
    saturated cell the projects outbox relay, which fell behind its 0.5 s schedule, runs its passes
    back to back until it has caught up, and that work would land in the next cell."""
    began = time.monotonic()
    threshold = idle_cores * 1.5 + 0.1
    while time.monotonic() - began < SETTLE_MAX_S:
        meter.refresh()
        before = meter.sample()
        time.sleep(1.0)
        if meter.usage(before, meter.sample()).cores_used("mongo-wire") <= threshold:
            break
    return time.monotonic() - began


def run_cell(url: str, headers: dict[str, str], clients: int, warmup_s: float, window_s: float, meter: CpuMeter,
             probe: MetricsProbe, timeout_s: float) -> CellRun:
    """Clients start together, warm up, then the window: CPU sampled exactly at its two ends,
    the platform's metrics scraped from its start (on a thread: a saturated gateway answers
    /metrics late) and after its end. Requests started in the window run to completion."""
    start_at = time.perf_counter() + 0.3  # time for every thread to open its session
    window_start = start_at + warmup_s
    window_end = window_start + window_s
    records: list[list[tuple[float, float, bool]]] = [[] for _ in range(clients)]
    first_error: list[str] = []

    def client(index: int) -> None:
        with requests.Session() as session:
            session.headers.update(headers)
            time.sleep(max(0.0, start_at - time.perf_counter()))
            while (began := time.perf_counter()) < window_end:
                try:
                    response = session.get(url, timeout=timeout_s)
                    ok = response.status_code == 200
                    if not ok and not first_error:
                        first_error.append(f"HTTP {response.status_code}: {response.text[:200]}")
                except requests.RequestException as exc:
                    ok = False
                    if not first_error:
                        first_error.append(repr(exc)[:200])
                records[index].append((began, time.perf_counter(), ok))

    threads = [threading.Thread(target=client, args=(i,), daemon=True, name=f"client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window_start - time.perf_counter()))
    cpu_before = meter.sample()
    scraped: dict = {}
    scraper = threading.Thread(target=lambda: scraped.update(before=probe.snapshot()), daemon=True)
    scraper.start()
    time.sleep(max(0.0, window_end - time.perf_counter()))
    cpu = meter.usage(cpu_before, meter.sample())
    scraper.join()
    metrics_after = probe.snapshot()
    for thread in threads:
        thread.join(timeout_s + 5)
    done = [record for per_client in records for record in per_client]
    latencies = [end - began for began, end, ok in done if ok and window_start <= began < window_end]
    return CellRun(clients, Latency.of(latencies, window_s),
                   served=sum(1 for _, end, ok in done if ok and window_start <= end < window_end),
                   window_s=window_s,
                   errors=sum(1 for began, _, ok in done if not ok and began >= window_start),
                   warmup_errors=sum(1 for began, _, ok in done if not ok and began < window_start),
                   first_error=first_error[0] if first_error else None, cpu=cpu,
                   metrics_before=scraped.get("before", {}), metrics_after=metrics_after)


def measure_endpoint(stack: Stack, endpoint: Endpoint, data: Dataset, meter: CpuMeter, probe: MetricsProbe,
                     settings: BenchSettings, idle_cores: float) -> list[Cell]:
    url = endpoint_url(stack, endpoint, data)
    headers = {"Authorization": f"Bearer {login(stack.base_url, data)}"}
    cells: list[Cell] = []
    best_rate = None
    for clients in CLIENT_COUNTS:
        settled = settle(meter, idle_cores)
        if settled > 1.5:
            log(f"waited {settled:.0f} s for the Mongo-wire server to calm down")
        warmup, window = cell_timing(settings, clients, best_rate)
        log(f"{endpoint.label}, {clients} client(s), {warmup:.1f} s + {window:.1f} s")
        meter.refresh()
        result = run_cell(url, headers, clients, warmup, window, meter, probe, timeout_s=max(60.0, 3 * window))
        before, after = result.metrics_before, result.metrics_after
        calls = [*endpoint.gateway_calls, endpoint.inner_call]
        cell = Cell(result, warmup, window,
                    _mean_ms(before, after, "gateway", HTTP, {"endpoint": endpoint.rule, "method": "GET"}),
                    {f"{s}.{m}": _mean_ms(before, after, "gateway", GATEWAY_RPC, {"service": s, "method": m})
                     for s, m in endpoint.gateway_calls},
                    {f"{s}.{m}": _mean_ms(before, after, s, SERVICE_RPC, {"service": s, "method": m})
                     for s, m in calls}, settled)
        cell.relay_s, cell.relay_passes = Histogram(SERVICE_RPC, {"service": "projects", "method": "relay_events"}
                                                    ).delta(before.get("projects", {}), after.get("projects", {}))
        lat = result.latency
        log(f"  p50 {lat.p50_ms:.0f} ms, p99 {lat.p99_ms:.0f} ms, {result.rate:.1f} req/s, {lat.count} requests, "
            f"{result.errors} errors ({result.warmup_errors} in the warm-up)"
            + (f"; first: {result.first_error}" if result.first_error else ""))
        if result.served:
            best_rate = max(best_rate or 0.0, result.rate)
        cells.append(cell)
    return cells


class _Timed:
    """Wraps a repository or the member directory: time spent in each call, by method."""

    def __init__(self, target, name: str, spent: dict[str, float]):
        self._target, self._name, self._spent = target, name, spent

    def __getattr__(self, attribute: str):
        value = getattr(self._target, attribute)
        if not callable(value):
            return value

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                self._spent[f"{self._name}.{attribute}"] += time.perf_counter() - began
        return timed


def replay(stack: Stack, cluster, data: Dataset, settings: BenchSettings) -> dict[str, Replay]:
    """The dashboard and the personal view computed here by the service's own code (its domain,
    repositories and contract schemas) on the same database, the identity calls going over RPC
    as in the service; each step timed. The tasks read is split further: the same query as raw
    BSON (the server's answer and its transfer), then decoding those documents and turning them
    into entities, timed here."""
    import bson
    from bson.codec_options import CodecOptions
    from bson.raw_bson import RawBSONDocument
    from maillage_shared.contracts.projects import DashboardSchema, TaskSummarySchema
    from maillage_shared.mongo import connect, service_database

    from services.projects.adapters.identity import IdentityDirectory
    from services.projects.adapters.mongo import from_document, repositories
    from services.projects.domain import overview
    from services.projects.domain.context import ProjectsContext
    from services.projects.domain.model import Task

    client = connect(stack.settings)
    try:
        db = service_database(client, stack.settings, "projects")
        raw_tasks = db.get_collection("tasks", codec_options=CodecOptions(document_class=RawBSONDocument))
        sid, uid = data.structure_id, data.user_id
        project_ids = [doc["_id"] for doc in db["projects"].find({"structure_id": sid, "archived": {"$ne": True}},
                                                                  {"_id": 1})]
        tasks_query = {"project_id": {"$in": project_ids}}
        views: dict[str, tuple[Callable, Callable]] = {
            DASHBOARD.label: (lambda ctx: overview.dashboard(ctx, uid, sid), DashboardSchema().dump),
            MY_TASKS.label: (lambda ctx: overview.my_tasks(ctx, uid, False), TaskSummarySchema(many=True).dump),
        }
        replays = {}
        for label, (compute, dump) in views.items():
            samples: dict[str, list[float]] = defaultdict(list)
            totals, size = [], 0
            for _ in range(settings.replays + 1):   # the first one warms up, unrecorded
                spent: dict[str, float] = defaultdict(float)
                repos = {name: _Timed(repo, name, spent) for name, repo in repositories(db).items()}
                ctx = ProjectsContext(**repos, directory=_Timed(IdentityDirectory(cluster.identity), "identity",
                                                                spent))
                began = time.perf_counter()
                view = compute(ctx)
                computed = time.perf_counter()
                dumped = dump(view)
                done_dump = time.perf_counter()
                encoded = json.dumps(dumped)
                ended = time.perf_counter()
                size = len(encoded.encode())
                totals.append((ended - began) * 1000)
                step = dict(spent)
                step["view computation (in memory)"] = (computed - began) - sum(spent.values())
                step["marshmallow dump"] = done_dump - computed
                step["JSON encoding of the reply"] = ended - done_dump
                began = time.perf_counter()
                raw = list(raw_tasks.find(tasks_query))
                step[RAW_ANSWER] = time.perf_counter() - began
                began = time.perf_counter()
                decoded = [bson.decode(document.raw, codec_options=db["tasks"].codec_options) for document in raw]
                step[DECODING] = time.perf_counter() - began
                began = time.perf_counter()
                [from_document(Task, document) for document in decoded]
                step[ENTITIES] = time.perf_counter() - began
                began = time.perf_counter()
                list(raw_tasks.find(tasks_query).batch_size(100_000))
                step[ONE_BATCH] = time.perf_counter() - began
                for name, seconds in step.items():
                    samples[name].append(seconds * 1000)
            replays[label] = Replay({name: statistics.median(values[1:]) for name, values in samples.items()},
                                    statistics.median(totals[1:]), size, db["tasks"].count_documents(tasks_query))
        return replays
    finally:
        client.close()


def measure_idle(stack: Stack, meter: CpuMeter, settings: BenchSettings) -> Idle:
    """CPU of each process while nobody asks anything, then the time of the count the
    projects outbox relay makes of each of its collections on every pass."""
    from maillage_shared.events import OUTBOX_COUNT
    from maillage_shared.mongo import connect, service_database

    seconds = IDLE_S if settings.duration_s >= IDLE_S else 1.0
    meter.refresh()
    before = meter.sample()
    time.sleep(seconds)
    usage = meter.usage(before, meter.sample())
    cores = {name: usage.cores_used(name) for name in usage.component_seconds}
    client = connect(stack.settings)
    try:
        db = service_database(client, stack.settings, "projects")
        counts, finds = {}, {}
        query = {OUTBOX_COUNT: {"$gt": 0}}
        for name in ("projects", "tasks"):
            collection = db[name]
            counts[name] = statistics.median(_timed_ms(lambda c=collection: c.count_documents(query))
                                             for _ in range(5))
            finds[name] = statistics.median(_timed_ms(lambda c=collection: list(c.find(query, {"_id": 1}).limit(1)))
                                            for _ in range(5))
    finally:
        client.close()
    return Idle(seconds, cores, counts, finds)


def _timed_ms(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def shapes(stack: Stack, data: Dataset) -> dict[str, str]:
    """What the two answers contain (one GET each)."""
    headers = {"Authorization": f"Bearer {login(stack.base_url, data)}"}
    dashboard = requests.get(endpoint_url(stack, DASHBOARD, data), headers=headers, timeout=120)
    mine = requests.get(endpoint_url(stack, MY_TASKS, data), headers=headers, timeout=120)
    dashboard.raise_for_status()
    mine.raise_for_status()
    board = dashboard.json()
    return {
        DASHBOARD.label: (f"{len(board['active_projects'])} active projects with their progress, "
                          f"{len(board['overdue'])} overdue tasks, {len(board['due_this_week'])} due this week, "
                          f"{len(board['due_next_week'])} due next week, {len(board['recent_activity'])} activity "
                          f"entries: {len(dashboard.content) / 1024:.0f} KiB of JSON"),
        MY_TASKS.label: f"{len(mine.json())} open tasks: {len(mine.content) / 1024:.0f} KiB of JSON",
    }


def benchmark(settings: BenchSettings) -> Results:
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from maillage_shared import errors
    from nameko.standalone.rpc import ClusterRpcProxy

    errors.register_with_nameko()
    with running_platform(log) as stack:
        probe = PatientProbe(f"{stack.base_url}/metrics", stack.service_metrics)
        log(f"loading {settings.projects} projects and {settings.projects * settings.tasks_per_project} tasks "
            f"through the projects RPCs ({settings.loaders} loaders)…")
        data = populate(stack, settings)
        log(f"  loaded in {data.load_s:.0f} s ({data.tasks / data.load_s:.0f} tasks/s); {data.done} done, "
            f"{data.assigned} assigned to the coordinator ({data.assigned_open} open)")
        results = Results(data)
        results.shapes = shapes(stack, data)
        proxy = ClusterRpcProxy(stack.nameko_config(), timeout=120)
        cluster = proxy.start()
        try:
            results.rpc = measure_rpc(cluster, data, probe, settings)
            log(f"replaying both views in this process × {settings.replays}")
            try:
                results.replays = replay(stack, cluster, data, settings)
            except Exception as exc:  # the service's code moved: the rest of the report still stands
                results.replay_error = repr(exc)[:300]
                log(f"  replay failed: {results.replay_error}")
        finally:
            proxy.stop()
        meter = CpuMeter(stack.cpu_components(os.getpid()))
        log("the platform idle, then the projects outbox relay's count")
        results.idle = measure_idle(stack, meter, settings)
        log(f"  idle: Mongo-wire {results.idle.cores.get('mongo-wire', 0.0):.2f} cores; count_documents on tasks "
            f"{results.idle.outbox_count_ms['tasks']:.0f} ms")
        for endpoint in ENDPOINTS:
            results.cells[endpoint.label] = measure_endpoint(stack, endpoint, data, meter, probe, settings,
                                                             results.idle.cores.get("mongo-wire", 0.0))
        results.facts = {
            "gateway": (f"{stack.gateway_workers()} gunicorn gthread workers × "
                        f"{os.environ.get('MAILLAGE_GATEWAY_THREADS', '8')} threads, an RPC pool of "
                        f"{stack.settings.rpc_pool_size} proxies per worker, RPC timeout "
                        f"{stack.settings.rpc_timeout_seconds} s"),
            "services": f"each service one process with {stack.nameko_config()['max_workers']} Nameko workers",
        }
    return results


# Report ---------------------------------------------------------------------------------------------

def ms(value: float | None) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _relay(cell: Cell) -> str:
    if not cell.relay_passes or not cell.window_s:
        return "–"
    return f"{cell.relay_passes / cell.window_s:.1f} × {ms(cell.relay_s / cell.relay_passes * 1000)}"


def _share(part: float | None, whole: float | None) -> str:
    return f"{part / whole:.0%}" if part is not None and whole else "–"


def _cpu_ms(cell: Cell) -> dict[str, float]:
    cpu, count = cell.result.cpu, cell.result.served
    if cpu is None or count == 0:
        return {}
    per = 1000 / count
    seconds = dict(cpu.component_seconds)
    seconds["other services"] = sum(seconds.pop(name, 0.0) for name in OTHER_SERVICES)
    out = {name: seconds.get(name, 0.0) * per for name in CPU_COLUMNS}
    out["other"] = cpu.other_seconds * per
    return out


def what_dominates(results: Results, endpoint: Endpoint) -> list[str]:
    cells = results.cells[endpoint.label]
    one, last = cells[0], cells[-1]
    key = f"projects.{endpoint.projects_method}"
    inner = ".".join(endpoint.inner_call)
    short = endpoint.label.replace("GET /api/v1", "")
    text = []
    in_worker, rtt, flask = one.in_worker_ms.get(key), one.gateway_rpc_ms.get(key), one.in_flask_ms
    client_mean = one.result.latency.mean_ms
    if None not in (in_worker, rtt, flask) and client_mean == client_mean:
        # each part from the same histograms over the same window, so they are consistent with each other
        gateway_own = max(flask - rtt, 0.0)
        transport = max(rtt - in_worker, 0.0)
        before = max(client_mean - flask, 0.0)
        whole = in_worker + gateway_own + transport + before
        text.append(
            f"**`{short}`, one client** ({ms(client_mean)} ms per request as the client sees it): the projects "
            f"worker (`{key}`) accounts for {ms(in_worker)} ms ({_share(in_worker, whole)}); the gateway's own "
            f"work — token check{', the membership RPC to identity' if len(endpoint.gateway_calls) > 1 else ''}, "
            f"JSON — {ms(gateway_own)} ms; RabbitMQ and Nameko between the gateway and the worker "
            f"{ms(transport)} ms; HTTP before Flask {ms(before)} ms. Inside the worker, the service's own call to "
            f"`{inner}` takes about {ms(one.in_worker_ms.get(inner))} ms in identity's worker.")
    rep = results.replays.get(endpoint.label)
    if rep:
        steps = {k: v for k, v in rep.steps.items() if not k.startswith("tasks: ")}
        tasks_total = steps.get("tasks.of_projects", 0.0)
        decoding = rep.steps.get(DECODING, 0.0)
        entities = rep.steps.get(ENTITIES, 0.0)
        ranked = sorted(steps.items(), key=lambda kv: -kv[1])
        top = ", ".join(f"{_step_name(k)} {ms(v)} ms ({_share(v, rep.total_ms)})" for k, v in ranked[:4])
        text.append(
            f"Replayed sequentially in the benchmark process, the same code takes {ms(rep.total_ms)} ms: {top}. "
            f"Reading the {rep.tasks_read:,} task documents of the structure's projects (`tasks.of_projects`, one "
            f"`$in` query on 200 project ids) is {ms(tasks_total)} ms: pymongo's decoding of them takes "
            f"{ms(decoding)} ms and turning them into `Task` entities {ms(entities)} ms (both timed here on the "
            f"same documents), so the Mongo-wire server's answer — its SQLite read, the documents turned into BSON, "
            f"the transfer — is about {ms(max(tasks_total - decoding - entities, 0.0))} ms (the same query as raw "
            f"BSON: {ms(rep.steps.get(RAW_ANSWER))} ms). The server sends 101 documents per round trip when the "
            f"driver names no batch size; asked for one batch, the raw answer takes "
            f"{ms(rep.steps.get(ONE_BATCH))} ms.")
    cpu = _cpu_ms(last)
    usage = last.result.cpu
    if cpu and usage is not None:
        total = sum(cpu.values())
        ranked = sorted(((k, v) for k, v in cpu.items() if k != "other"), key=lambda kv: -kv[1])
        parts = ", ".join(f"{name} {ms(value)}" for name, value in ranked[:4])
        cores = ", ".join(f"{name} {usage.cores_used(name):.2f}" for name, _ in ranked[:2])
        mongo = cpu.get("mongo-wire", 0.0)
        text.append(
            f"**At {last.result.clients} clients** the platform completes {last.result.rate:.1f} requests/s "
            f"(p50 {ms(last.result.latency.p50_ms)} ms, p99 {ms(last.result.latency.p99_ms)} ms) with the machine "
            f"{usage.machine_busy_fraction:.0%} busy. Each completed request costs {ms(total)} ms of CPU (by "
            f"process: {parts} ms, background work included); cores used: {cores}. The Mongo-wire server and the "
            f"projects service are one Python process each and cannot use more than about one core: at "
            f"{ms(mongo)} ms of Mongo-wire CPU per request, that server alone caps the rate near "
            f"{1000 / mongo if mongo else float('nan'):.1f} requests/s, and the requests queue in front of it (the "
            f"time *in projects' worker* grows with the clients because the service's 10 workers are green threads "
            f"waiting on that server and taking turns on one core).")
        if last.relay_passes and last.window_s:
            text.append(
                f"The projects service's outbox relay (a timer every 0.5 s whose pending-events count reads the "
                f"tasks collection, see the last paragraph) ran {last.relay_passes / last.window_s:.1f} passes/s of "
                f"{ms(last.relay_s / last.relay_passes * 1000)} ms on average during this window — "
                f"{last.relay_s / last.window_s:.0%} of the wall time with one of its passes in progress, on the "
                f"same Mongo-wire server the views wait for.")
    failed = last.result.errors + last.result.warmup_errors
    if failed:
        text.append(f"{last.result.errors} requests failed in the window at {last.result.clients} clients and "
                    f"{last.result.warmup_errors} during the warm-up (first: `{last.result.first_error}`).")
    return text


def idle_paragraph(idle: Idle, tasks: int, settles: list[float], longest_pass_ms: float) -> str:
    others = sorted(((k, v) for k, v in idle.cores.items() if k not in ("mongo-wire", "bench client") and v >= 0.005),
                    key=lambda kv: -kv[1])
    per_second = 2 * sum(idle.outbox_count_ms.values()) / 1000   # the relay runs every 0.5 s
    return (f"**With nobody asking**, over {idle.seconds:g} s, the Mongo-wire server used "
            f"{idle.cores.get('mongo-wire', 0.0):.2f} of a core (" + ", ".join(f"{k} {v:.2f}" for k, v in others)
            + "). Every service's outbox relay runs every 0.5 s and sets its pending-events gauge with "
            "`count_documents({_outbox_count: {$gt: 0}})` on each outbox collection: with nothing pending that count "
            f"takes {ms(idle.outbox_count_ms['tasks'])} ms on the {tasks:,}-document tasks collection and "
            f"{ms(idle.outbox_count_ms['projects'])} ms on the projects (the same filter as `find().limit(1)`: "
            f"{ms(idle.outbox_find_ms['tasks'])} and {ms(idle.outbox_find_ms['projects'])} ms), about "
            f"{per_second:.2f} s of Mongo-wire work per second from the projects relay alone, competing with every "
            f"request above. Under load a pass took up to {ms(longest_pass_ms)} ms on average over a window; a pass "
            "longer than 0.5 s puts Nameko's timer behind its schedule, and it then fires the next passes back to "
            "back until it has caught up, so the relay keeps the server busy after the load stops: the harness "
            f"waited up to {max(settles, default=0.0):.0f} s before a cell for it to calm down.")


def _step_name(key: str) -> str:
    names = {"tasks.of_projects": "reading the tasks", "tasks.assigned_to": "finding the user's tasks",
             "projects.in_structure": "reading the projects", "projects.many": "reading their projects",
             "activities.of_projects": "the recent activity", "identity.membership": "the membership RPC",
             "identity.structures_of": "the `get_me` RPC"}
    return names.get(key, key)


def render_section(results: Results, settings: BenchSettings, started: datetime, busy: float, run_s: float,
                   facts: dict[str, str]) -> str:
    data = results.dataset
    lines = [START, "## Projects: the structure dashboard and the personal view", "",
             f"Written by `python -m benchmarks.projects_bench` on {started:%Y-%m-%d %H:%M:%S} UTC in {run_s:.0f} s "
             f"(machine {busy:.0%} busy with other work before it started). Machine: {facts.get('CPU', '?')}, "
             f"{facts.get('RAM', '?')} RAM, {facts.get('Platform', '?')}; Python {facts.get('Python', '?')}; "
             f"{facts.get('Packages', '')}.", "",
             f"**Setup.** One structure signed up through the API; its coordinator creates {data.projects} projects "
             f"({data.projects - (data.projects + 3) // 4} active, {(data.projects + 3) // 4} ideas; eight themes, "
             f"three in four with an ACI tag) and {data.tasks:,} tasks ({settings.tasks_per_project} per project; "
             f"{data.dependent:,} wait for the previous one, {data.dated:,} have a due date between 14 days ago and "
             f"90 days ahead, {data.done:,} are done) through the projects service's RPCs (`create_project`, "
             f"`create_task`) from {settings.loaders} standalone `ClusterRpcProxy`s, in {data.load_s:.0f} s "
             f"({data.tasks / data.load_s:.0f} tasks/s). Every fifth task is assigned to the coordinator "
             f"({data.assigned} tasks, {data.assigned_open} open), who is the measured user. "
             f"Platform as `make bench` starts it: embedded Mongo-wire (nx-27017), a dedicated RabbitMQ vhost, "
             f"{results.facts.get('services', '')}; gateway: {results.facts.get('gateway', '')}.", ""]
    for label, shape in results.shapes.items():
        lines.append(f"- `{label}` answers {shape}.")
    lines += ["", f"Per cell: a warm-up then a measured window ({settings.duration_s:g} s, lengthened up to "
              f"{settings.max_window_s:g} s when requests are slow, so that each client completes several), one "
              "keep-alive `requests.Session` per client thread, all on 127.0.0.1. Latencies are those of the "
              "requests *started* inside the window; *req/s* counts the requests *completed* inside it (the "
              "steady-state rate, like the CPU figures). *CPU busy* is the share of all cores during the window. "
              "Before each cell "
              "the harness waits (*settle*) until the Mongo-wire server is back to its idle CPU level, see the last "
              "paragraph.", "",
              "| request | clients | settle + warm-up + window s | started | completed | errors | p50 ms | p99 ms | "
              "mean ms | req/s | CPU busy |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for endpoint in ENDPOINTS:
        for cell in results.cells.get(endpoint.label, []):
            r, lat = cell.result, cell.result.latency
            cpu = f"{r.cpu.machine_busy_fraction:.0%}" if r.cpu is not None else "–"
            lines.append(f"| `{endpoint.label}` | {r.clients} | {cell.settled_s:.0f} + {cell.warmup_s:.1f} + "
                         f"{cell.window_s:.1f} | "
                         f"{lat.count} | {r.served} | {r.errors}"
                         + (f" (+{r.warmup_errors} in warm-up)" if r.warmup_errors else "")
                         + f" | {ms(lat.p50_ms)} | {ms(lat.p99_ms)} | {ms(lat.mean_ms)} | {r.rate:.1f} | {cpu} |")

    noisy = [(endpoint, cell) for endpoint in ENDPOINTS for cell in results.cells.get(endpoint.label, [])
             if cell.result.cpu is not None and cell.result.cpu.window_s > 0
             and cell.result.cpu.other_seconds / cell.result.cpu.window_s > 0.25]
    if noisy:
        worst = max(c.result.cpu.other_seconds / c.result.cpu.window_s for _, c in noisy)
        lines += ["", f"**Other work on the machine** used up to {worst:.2f} cores during {len(noisy)} of these cells "
                  "(the *other* CPU column below): their latencies are inflated and their throughput lowered."]
    lines += ["", "### Where the time goes", "",
              "Mean ms per request from the platform's Prometheus histograms over each window: *in Flask* (from "
              "the moment a gunicorn thread takes the request), the RPC round trips the gateway makes, the time "
              "inside the projects worker for the view, and inside it the identity call the service makes (time in "
              "identity's worker). *Before Flask* is the client, HTTP and the wait for a free gunicorn thread. "
              "Each column is a mean of its own observations, so the parts add up only approximately.", "",
              "| request | clients | client mean | before Flask | in Flask | gateway → identity | gateway → projects "
              "| in projects' worker | identity call inside | outbox relay passes/s × mean ms |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for endpoint in ENDPOINTS:
        key = f"projects.{endpoint.projects_method}"
        for cell in results.cells.get(endpoint.label, []):
            mean = cell.result.latency.mean_ms
            before = mean - cell.in_flask_ms if cell.in_flask_ms is not None and mean == mean else None
            lines.append(f"| `{endpoint.label}` | {cell.result.clients} | {ms(mean)} | "
                         f"{ms(max(before, 0.0) if before is not None else None)} | {ms(cell.in_flask_ms)} | "
                         f"{ms(cell.gateway_rpc_ms.get('identity.get_membership'))} | "
                         f"{ms(cell.gateway_rpc_ms.get(key))} | {ms(cell.in_worker_ms.get(key))} | "
                         f"{ms(cell.in_worker_ms.get('.'.join(endpoint.inner_call)))} | {_relay(cell)} |")
    lines += ["", "CPU per request, ms, by process (the bench client is the load generator; *other* is whatever "
              "else the machine ran):", "",
              "| request | clients | " + " | ".join(CPU_COLUMNS) + " | other | total |",
              "|---|---:|" + "---:|" * (len(CPU_COLUMNS) + 2)]
    for endpoint in ENDPOINTS:
        for cell in results.cells.get(endpoint.label, []):
            cpu = _cpu_ms(cell)
            if cpu:
                lines.append(f"| `{endpoint.label}` | {cell.result.clients} | "
                             + " | ".join(ms(cpu[name]) for name in (*CPU_COLUMNS, "other"))
                             + f" | {ms(sum(cpu.values()))} |")

    lines += ["", "The RPCs called directly (standalone proxy, sequential), with the mean time in the worker "
              "that served them:", "", "| call | calls | p50 ms | p99 ms | mean ms | in worker ms |",
              "|---|---:|---:|---:|---:|---:|"]
    for label, (lat, in_worker) in results.rpc.items():
        lines.append(f"| `{label}` | {lat.count} | {ms(lat.p50_ms)} | {ms(lat.p99_ms)} | {ms(lat.mean_ms)} | "
                     f"{ms(in_worker)} |")

    if results.replays:
        lines += ["", f"### Inside the projects worker (replayed here, median of {settings.replays})", "",
                  "The service's own domain code, repositories and contract schemas run in the benchmark process "
                  "against the same database, sequentially, with the identity calls made over RPC as the service "
                  "makes them; a timer around each repository and directory call. The *tasks:* rows take "
                  "`tasks.of_projects` apart: the same query as raw BSON (the server's answer and the transfer), "
                  "decoding those documents and turning them into entities (timed here), and the raw query once "
                  "more asking for a single batch; they are not added to the total.", "",
                  "| step | " + " | ".join(f"`{label}` ms" for label in results.replays) + " |",
                  "|---|" + "---:|" * len(results.replays)]
        keys = list(dict.fromkeys(k for rep in results.replays.values() for k in rep.steps))
        keys.sort(key=lambda k: (k.startswith("tasks: "), 0.0 if k.startswith("tasks: ")
                                 else -max(r.steps.get(k, 0.0) for r in results.replays.values())))
        for key in keys:
            name = f"↳ {key}" if key.startswith("tasks: ") else f"`{key}`" if "." in key and " " not in key else key
            lines.append(f"| {name} | " + " | ".join(ms(rep.steps.get(key)) for rep in results.replays.values())
                         + " |")
        lines.append("| **total** | " + " | ".join(f"**{ms(rep.total_ms)}**" for rep in results.replays.values())
                     + " |")
    elif results.replay_error:
        lines += ["", f"(The in-process replay of the service's code failed: `{results.replay_error}`.)"]

    lines += ["", "### What dominates", ""]
    for endpoint in ENDPOINTS:
        if results.cells.get(endpoint.label):
            for paragraph in what_dominates(results, endpoint):
                lines += [paragraph, ""]
    if results.idle:
        settles = [c.settled_s for cells in results.cells.values() for c in cells]
        longest = max((c.relay_s / c.relay_passes * 1000 for cells in results.cells.values() for c in cells
                       if c.relay_passes), default=0.0)
        lines += [idle_paragraph(results.idle, data.tasks, settles, longest), ""]
    lines.append(END)
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace our section (kept by `make bench`, which carries `<!-- section: … -->` blocks)."""
    text = path.read_text() if path.exists() else "# Maillage benchmarks\n"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    elif "\n## History" in text:
        text = text.replace("\n## History", f"\n{section}\n\n## History", 1)
    else:
        text = text.rstrip() + f"\n\n{section}\n"
    path.write_text(text)


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # unwinds through the finally blocks that stop the platform


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.projects_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 projects, short windows: for trying the harness")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    settings = BenchSettings.quick() if args.quick else BenchSettings()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    began = time.monotonic()
    started = datetime.now(UTC)
    busy = wait_for_quiet(settings.quiet_patience_s)
    try:
        results = benchmark(settings)
    except KeyboardInterrupt:
        log("interrupted; nothing written")
        return 130
    write_section(args.output, render_section(results, settings, started, busy, time.monotonic() - began,
                                              machine_facts()))
    log(f"wrote the projects section of {args.output} ({time.monotonic() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

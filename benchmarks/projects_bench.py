"""The projects views under load: the structure dashboard and the personal view (« Mes tâches »)
of a structure with 200 projects and 3,000 tasks, through the gateway.

    .venv/bin/python -m benchmarks.projects_bench [--quick]

Prints p50/p99 with one client and requests/s with 32 keep-alive clients for
``GET /structures/{sid}/dashboard`` and ``GET /me/tasks``, and the raw RPC times of what
each request is made of (the gateway's membership check, the projects call, identity's
answer to the projects service), to say what dominates. Owned by the projects issue; the
rest of ``benchmarks/`` is the platform's ``make bench``.
"""
from __future__ import annotations

import argparse
import queue
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import requests
from nameko.standalone.rpc import ClusterRpcProxy

from tests.platform.helpers import signup_payload

from .load import run_http_cell, time_calls
from .stack import running_platform

API = "/api/v1"
LOADERS = 4
THEMES = ("access", "prevention", "pathways", "quality", "public_health", "team", "training", "other")
ACI = [None, {"kind": "protocol", "theme": "iatrogenic_risk"}, {"kind": "public_health_mission",
                                                                 "topic": "vaccination"}, {"kind": "quality"}]


def log(message: str) -> None:
    print(f"[projects bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def populate(base_url: str, config: dict, projects: int, tasks_per_project: int) -> tuple[str, str, str]:
    """A structure whose coordinator leads every project and holds a share of the tasks.
    Four loaders, each with its own RPC proxy (one proxy shared by threads hangs)."""
    signed = requests.post(f"{base_url}{API}/signup", json=signup_payload(), timeout=30).json()
    sid, uid, token = signed["structure"]["id"], signed["user_id"], signed["tokens"]["access_token"]
    rng = random.Random(7)
    today = date.today()

    proxies = [ClusterRpcProxy(config, timeout=60) for _ in range(LOADERS)]
    idle: queue.Queue = queue.Queue()
    for proxy in proxies:
        idle.put(proxy.start())

    def make_project(index: int) -> None:
        cluster = idle.get()
        try:
            load_project(cluster, index)
        finally:
            idle.put(cluster)

    def load_project(cluster, index: int) -> None:
        project = cluster.projects.create_project(uid, sid, {
            "title": f"Projet {index:03d}", "theme": THEMES[index % len(THEMES)], "aci": ACI[index % len(ACI)],
            "status": "active" if index % 4 else "idea"})
        previous = None
        for number in range(tasks_per_project):
            due = today + timedelta(days=rng.randint(-20, 40)) if rng.random() < 0.8 else None
            task = cluster.projects.create_task(uid, project["id"], {
                "title": f"Tâche {index:03d}-{number:02d}", "assignee_ids": [uid] if number % 5 == 0 else [],
                "due_on": due.isoformat() if due else None, "depends_on": [previous] if previous and number % 3 else [],
                "status": "done" if rng.random() < 0.3 and not previous else "todo"})
            previous = task["id"]

    try:
        with ThreadPoolExecutor(LOADERS) as pool:
            list(pool.map(make_project, range(projects)))
    finally:
        for proxy in proxies:
            proxy.stop()
    return sid, uid, token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 projects × 15 tasks, short windows")
    args = parser.parse_args()
    projects, per_project = (20, 15) if args.quick else (200, 15)
    warmup, duration = (0.5, 2.0) if args.quick else (1.0, 8.0)
    with running_platform(log) as stack:
        config = {**stack.nameko_config()}
        with ClusterRpcProxy(config, timeout=60) as cluster:
            log(f"loading {projects} projects and {projects * per_project} tasks…")
            started = time.perf_counter()
            sid, uid, token = populate(stack.base_url, config, projects, per_project)
            log(f"loaded in {time.perf_counter() - started:.0f} s")
            parts = {
                "identity.get_membership (gateway's check)": lambda: cluster.identity.get_membership(uid, sid),
                "identity.get_me (inside my_tasks)": lambda: cluster.identity.get_me(uid),
                "projects.dashboard (RPC)": lambda: cluster.projects.dashboard(uid, sid),
                "projects.my_tasks (RPC)": lambda: cluster.projects.my_tasks(uid, {}),
            }
            rpc = {label: time_calls(call, 30 if args.quick else 200, 5) for label, call in parts.items()}
        headers = {"Authorization": f"Bearer {token}"}
        cells = {}
        for label, path in (("dashboard", f"/structures/{sid}/dashboard"), ("me/tasks", "/me/tasks")):
            for clients in (1, 32):
                log(f"GET {path} with {clients} client(s)…")
                cells[(label, clients)] = run_http_cell(f"{stack.base_url}{API}{path}", headers, clients,
                                                        warmup_s=warmup, duration_s=duration, max_requests=20000)
    print(f"\n## Projects views — {projects} projects, {projects * per_project} tasks\n")
    print("| request | clients | p50 ms | p99 ms | requests/s | errors |\n|---|---|---|---|---|---|")
    for (label, clients), cell in cells.items():
        lat = cell.latency
        print(f"| GET {label} | {clients} | {lat.p50_ms:.1f} | {lat.p99_ms:.1f} | {lat.rate:.0f} | {cell.errors} |")
    print("\n| part (sequential RPC) | p50 ms | p99 ms |\n|---|---|---|")
    for label, lat in rpc.items():
        print(f"| {label} | {lat.p50_ms:.1f} | {lat.p99_ms:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

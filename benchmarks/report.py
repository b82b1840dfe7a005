"""BENCHMARKS.md: the machine, the method, one table per measurement, what dominates, and
the summary tables of earlier runs (History) carried over from the previous file."""
from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime

from . import names
from .load import CellResult
from .stats import Latency

VERSIONED_PACKAGES = ("nameko", "pymongo", "flask", "gunicorn", "nx-27017")
CPU_COLUMNS = ("gateway", "identity", "mongo-wire", "rabbitmq", "bench client")
HISTORY_RUNS_KEPT = 20


@dataclass
class Run:
    started_utc: datetime
    machine: dict[str, str]
    method: dict[str, object]
    rpc_sequential: Latency
    rpc_threaded: Latency
    rpc_threads: int
    service_calls: dict[str, Latency]
    rpc_in_service_ms: dict[str, float | None]   # mean time inside the service's worker, per call
    http_floor: CellResult | None
    endpoints: dict[str, list[CellResult]]
    duration_s: float = 0.0
    baseline_busy: float | None = None
    notes: list[str] = field(default_factory=list)


def machine_facts() -> dict[str, str]:
    cpu_model = "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith(("model name", "hardware")):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "unknown"
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    versions = []
    for package in VERSIONED_PACKAGES:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return {
        "Platform": platform.platform(),
        "CPU": f"{cpu_model}, {os.cpu_count()} cores",
        "RAM": ram,
        "Python": sys.version.split()[0],
        "Packages": ", ".join(versions),
    }


def ms(value: float) -> str:
    if value != value:  # NaN: nothing was measured
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def summary_rows(run: Run) -> list[list[str]]:
    rows = [["RPC `identity.health()`, sequential", "1", ms(run.rpc_sequential.p50_ms), ms(run.rpc_sequential.p99_ms),
             f"{run.rpc_sequential.rate:.0f} calls/s"],
            [f"RPC `identity.health()`, {run.rpc_threads} threads", str(run.rpc_threads),
             ms(run.rpc_threaded.p50_ms), ms(run.rpc_threaded.p99_ms), f"{run.rpc_threaded.rate:.0f} calls/s"]]
    for label, cells in run.endpoints.items():
        for cell in cells:
            rows.append([f"`{label}`", str(cell.clients), ms(cell.latency.p50_ms), ms(cell.latency.p99_ms),
                         f"{cell.latency.rate:.0f} req/s"])
    return rows


SUMMARY_HEADER = ["measurement", "clients", "p50 ms", "p99 ms", "throughput"]


def _latency_row(name: str, threads: int, latency: Latency, in_service: float | None = None) -> list[str]:
    row = [name, str(threads), str(latency.count), ms(latency.p50_ms), ms(latency.p99_ms), ms(latency.mean_ms),
           f"{latency.rate:.0f}"]
    if in_service is None:
        return row + ["–", "–"]
    return row + [ms(in_service), ms(max(latency.mean_ms - in_service, 0.0))]


def _cell_rows(cells: list[CellResult]) -> list[list[str]]:
    rows = []
    for cell in cells:
        row = [str(cell.clients), str(cell.latency.count) + (" (cap)" if cell.capped else ""), str(cell.errors),
               ms(cell.latency.p50_ms), ms(cell.latency.p99_ms), ms(cell.latency.mean_ms), f"{cell.latency.rate:.0f}"]
        cpu = cell.cpu
        if cpu is None or cell.latency.count == 0:
            row += ["–"] * (2 + len(CPU_COLUMNS))
        else:
            per_request = 1000 / cell.latency.count
            row.append(f"{cpu.machine_busy_fraction:.0%} ({cpu.cores_busy:.2f})")
            row += [f"{cpu.component_seconds.get(name, 0.0) * per_request:.2f}" for name in CPU_COLUMNS]
            row.append(f"{cpu.other_seconds * per_request:.2f}")
        rows.append(row)
    return rows


def _opt(value: float | None) -> str:
    return "–" if value is None else ms(value)


def _breakdown_rows(cells: list[CellResult]) -> list[list[str]]:
    rows = []
    for cell in cells:
        b = cell.breakdown
        if b is None or b.in_flask_ms is None:
            continue
        mean = cell.latency.mean_ms
        rpc = b.gateway_rpc_ms
        rows.append([
            str(cell.clients), ms(mean), ms(max(mean - b.in_flask_ms, 0.0)), ms(b.in_flask_ms),
            ms(b.in_flask_ms - rpc) if rpc is not None else ms(b.in_flask_ms),
            ms(rpc) if rpc is not None else "–",
            _opt(b.in_service_ms),
            ms(max(rpc - b.in_service_ms, 0.0)) if rpc is not None and b.in_service_ms is not None else "–",
        ])
    return rows


BREAKDOWN_HEADER = ["clients", "client mean", "before Flask", "in Flask", "gateway's own", "RPC round trips",
                    "in identity's worker", "outside the worker"]


def render(run: Run, what_dominates: list[str], previous: str | None) -> str:
    out = ["# Maillage benchmarks", "",
           "Written by `make bench` (`benchmarks/run.py`); every run overwrites this file and keeps the",
           "summary of the previous ones under *History*. Numbers depend on the machine: compare runs",
           "made on the same one.", "",
           "## Machine", "",
           f"- Date (UTC): {run.started_utc:%Y-%m-%d %H:%M:%S}"]
    out += [f"- {key}: {value}" for key, value in run.machine.items()]
    out += [f"- Run time: {run.duration_s:.0f} s"]
    if run.baseline_busy is not None:
        out += [f"- CPU busy before the run started (other work on the machine): {run.baseline_busy:.0%}"]
    out += [""]

    method = run.method
    out += ["## How to reproduce", "", "```", "make bench", "```", "",
            "The harness starts the platform as the end-to-end tests do — embedded Mongo-wire (nx-27017),",
            "SeaweedFS S3 and SMTP sink on free ports, a dedicated RabbitMQ vhost, `MAILLAGE_ENV=test`, the",
            f"identity service and the gateway — {method['gateway']} — then stops",
            "everything. Data: one structure signed up through the API and "
            f"{method['members']} members invited (RPC) and accepted",
            f"through the e-mailed links (HTTP). The directory query is `q={method['prefix']}`, which returns "
            f"{method['directory_hits']} entries.",
            f"RPC: {method['rpc_calls']} sequential calls after {method['rpc_warmup']} warm-up calls, then the same "
            f"number split over {run.rpc_threads} threads, each with its own started `ClusterRpcProxy`.",
            f"Gateway: per cell, {method['warmup_s']:g} s warm-up then {method['duration_s']:g} s measured "
            f"(at most {method['max_requests']} requests), one `requests.Session` (keep-alive) per client thread, "
            "all on 127.0.0.1. The load generator runs on the same machine and its CPU use is shown.", ""]

    out += ["## Summary", ""] + _table(SUMMARY_HEADER, summary_rows(run)) + [""]

    out += ["## 1. Raw Nameko RPC (standalone proxy, no gateway)", "",
            "`identity.health()` pings the service's database, so it is the floor of any RPC. The other rows are",
            "the calls the gateway makes for the measured endpoints, timed directly, sequentially. *In worker* is",
            "the mean time in the identity worker from the service's own histogram: the handler, then publishing",
            "the reply and waiting for RabbitMQ's publisher confirm (Nameko's `worker_result` hook runs after it).",
            "That wait overlaps the reply's delivery to the caller, so *outside worker* (mean − in worker) is only",
            "a lower bound of the time spent in RabbitMQ and Nameko.", ""]
    health = names.HEALTH
    rows = [_latency_row(f"`{health}`", 1, run.rpc_sequential, run.rpc_in_service_ms.get(health)),
            _latency_row(f"`{health}`", run.rpc_threads, run.rpc_threaded)]
    rows += [_latency_row(f"`{name}`", 1, latency, run.rpc_in_service_ms.get(name))
             for name, latency in run.service_calls.items()]
    out += _table(["call", "threads", "calls", "p50 ms", "p99 ms", "mean ms", "calls/s", "in worker ms",
                   "outside worker ms"], rows) + [""]

    out += ["## 2. Through the gateway (HTTP keep-alive)", "",
            "CPU busy: share of all cores during the measured window (cores in use). The CPU columns are",
            "milliseconds of CPU per request, by component; *other* is whatever else the machine ran.", ""]
    header = ["clients", "requests", "errors", "p50 ms", "p99 ms", "mean ms", "req/s", "CPU busy",
              *(f"{name} CPU ms/req" for name in CPU_COLUMNS), "other CPU ms/req"]
    if run.http_floor is not None:
        out += ["### `GET /healthz` (no RPC: the HTTP and Flask floor)", ""]
        out += _table(header, _cell_rows([run.http_floor])) + [""]
    for label, cells in run.endpoints.items():
        out += [f"### `{label}`", ""] + _table(header, _cell_rows(cells)) + [""]
        errors = [c for c in cells if c.first_error]
        if errors:
            out += [f"First error at {errors[0].clients} clients: `{errors[0].first_error}`", ""]
        breakdown = _breakdown_rows(cells)
        if breakdown:
            out += ["Where the time goes, mean ms per request, from the platform's own Prometheus histograms: "
                    "*before Flask* is the client, HTTP and the wait for a free gunicorn thread; *in Flask* is the "
                    "gateway's own work plus its RPC round trips; a round trip is the time *in identity's worker* "
                    "(as in section 1, including the reply's publisher confirm) plus the time *outside the worker* "
                    "(RabbitMQ, Nameko, waiting for a free worker; a lower bound). Each column is a mean of its own "
                    "observations, so the parts add up only approximately.", ""]
            out += _table(BREAKDOWN_HEADER, breakdown) + [""]

    out += ["## 3. What dominates", ""]
    for paragraph in what_dominates:
        out += [paragraph, ""]
    for note in run.notes:
        out += [f"- {note}"]
    if run.notes:
        out += [""]

    out += carried_sections(previous)
    history = history_from(previous)
    if history:
        out += ["## History", "", "Summary tables of earlier runs, newest first.", ""] + history
    return "\n".join(out).rstrip() + "\n"


CARRIED = re.compile(r"^<!-- section: ([a-z0-9-]+) -->$.*?^<!-- /section: \1 -->$", re.MULTILINE | re.DOTALL)


def carried_sections(previous: str | None) -> list[str]:
    """Sections other benchmarks wrote between ``<!-- section: name -->`` and ``<!-- /section: name -->``
    (``benchmarks/documents_bench.py``…): kept as they are when this file is rewritten."""
    if not previous:
        return []
    return [line for match in CARRIED.finditer(previous) for line in (*match.group(0).splitlines(), "")]


def _section(text: str, title: str) -> list[str]:
    """The lines of the ``## title`` section (up to the next ``## `` heading)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == f"## {title}":
            body = []
            for following in lines[index + 1:]:
                if following.startswith("## "):
                    break
                body.append(following)
            return body
    return []


def history_from(previous: str | None) -> list[str]:
    """The previous run's summary table as a new History entry, then the older entries."""
    if not previous:
        return []
    entries: list[list[str]] = []
    table = [line for line in _section(previous, "Summary") if line.startswith("|")]
    if table:
        date = re.search(r"^- Date \(UTC\): (.+)$", previous, re.MULTILINE)
        machine = re.search(r"^- CPU: (.+)$", previous, re.MULTILINE)
        title = f"### {date.group(1) if date else 'earlier run'}" + (f" — {machine.group(1)}" if machine else "")
        entries.append([title, "", *table, ""])
    for line in _section(previous, "History"):
        if line.startswith("### "):
            entries.append([line])
        elif len(entries) > (1 if table else 0):  # lines after an older entry's heading
            entries[-1].append(line)
    lines = []
    for entry in entries[:HISTORY_RUNS_KEPT]:
        while entry and not entry[-1].strip():
            entry.pop()
        lines += [*entry, ""]
    return lines

"""The load generators: concurrent keep-alive HTTP clients, and Nameko RPC callers.

HTTP: each client thread owns one ``requests.Session`` (one keep-alive connection) and
sends requests back to back. All clients share one clock: a warm-up (not recorded), then a
fixed measured window, or fewer requests if the cap is reached first. A request is
recorded when it *started* inside the window; the rate is divided by the time from the
window's start to the last recorded completion, so stragglers do not inflate it.

RPC: one started ``ClusterRpcProxy`` per thread, reused for every call (a proxy shared by
threads hangs, and one per call is ~3× slower — STACK-NOTES).
"""
from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import requests

from .cpu import CpuUsage
from .metrics import Breakdown
from .stats import Latency


class Window(Protocol):
    """Told when the measured window opens and closes (to sample CPU, scrape metrics)."""

    def open(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class CellResult:
    clients: int
    latency: Latency
    errors: int
    first_error: str | None
    capped: bool
    cpu: CpuUsage | None = None
    breakdown: Breakdown | None = None


def run_http_cell(url: str, headers: dict[str, str], clients: int, *, warmup_s: float, duration_s: float,
                  max_requests: int, window: Window | None = None, timeout_s: float = 30) -> CellResult:
    """``clients`` threads GET ``url`` in a loop; latencies of the measured window."""
    start_at = time.perf_counter() + 0.3  # time for every thread to open its session
    window_start = start_at + warmup_s
    window_end = window_start + duration_s
    recorded = itertools.count()           # next() is atomic under the GIL
    stop = threading.Event()
    per_thread: list[list[float]] = [[] for _ in range(clients)]
    last_done = [window_start] * clients
    errors = [0] * clients
    first_error: list[str] = []

    def client(index: int) -> None:
        latencies = per_thread[index]
        with requests.Session() as session:
            session.headers.update(headers)
            time.sleep(max(0.0, start_at - time.perf_counter()))
            while not stop.is_set():
                began = time.perf_counter()
                if began >= window_end:
                    break
                try:
                    response = session.get(url, timeout=timeout_s)
                    ok = response.status_code == 200
                    if not ok and not first_error:
                        first_error.append(f"HTTP {response.status_code}: {response.text[:200]}")
                except requests.RequestException as exc:
                    ok = False
                    if not first_error:
                        first_error.append(repr(exc)[:200])
                done = time.perf_counter()
                if began < window_start:
                    continue
                if not ok:
                    errors[index] += 1
                    continue
                latencies.append(done - began)
                last_done[index] = done
                if next(recorded) + 1 >= max_requests:
                    stop.set()

    threads = [threading.Thread(target=client, args=(i,), daemon=True, name=f"client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window_start - time.perf_counter()))
    if window is not None:
        window.open()
    stop.wait(max(0.0, window_end - time.perf_counter()))
    if window is not None:
        window.close()
    for thread in threads:
        thread.join(timeout_s + 5)
    latencies = [value for values in per_thread for value in values]
    elapsed = max(last_done) - window_start
    return CellResult(clients, Latency.of(latencies, elapsed), sum(errors), first_error[0] if first_error else None,
                      stop.is_set())


def time_calls(call: Callable[[], object], count: int, warmup: int) -> Latency:
    """``count`` sequential calls after ``warmup`` unrecorded ones."""
    for _ in range(warmup):
        call()
    latencies = []
    started = time.perf_counter()
    for _ in range(count):
        began = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - began)
    return Latency.of(latencies, time.perf_counter() - started)


def time_threaded_rpc(nameko_config: dict, threads: int, calls_per_thread: int, warmup: int,
                      call: Callable[[object], object], timeout_s: float = 10) -> Latency:
    """``threads`` threads, each with its own started proxy, call ``call(cluster)`` in a loop;
    the recorded part starts for all of them together, after each thread's warm-up."""
    from nameko.standalone.rpc import ClusterRpcProxy

    ready = threading.Barrier(threads + 1)
    go = threading.Event()
    per_thread: list[list[float]] = [[] for _ in range(threads)]
    finished = [0.0] * threads
    failures: list[BaseException] = []

    def caller(index: int) -> None:
        proxy = ClusterRpcProxy(nameko_config, timeout=timeout_s)
        try:
            cluster = proxy.start()
            for _ in range(warmup):
                call(cluster)
        except BaseException as exc:  # reported below; the barrier must not wait forever
            failures.append(exc)
            ready.abort()
            proxy.stop()
            return
        try:
            ready.wait()
            go.wait()
            for _ in range(calls_per_thread):
                began = time.perf_counter()
                call(cluster)
                per_thread[index].append(time.perf_counter() - began)
            finished[index] = time.perf_counter()
        except BaseException as exc:
            failures.append(exc)
        finally:
            proxy.stop()

    workers = [threading.Thread(target=caller, args=(i,), daemon=True, name=f"rpc-{i}") for i in range(threads)]
    for worker in workers:
        worker.start()
    try:
        ready.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    started = time.perf_counter()
    go.set()
    for worker in workers:
        worker.join(timeout=300)
    if failures:
        raise RuntimeError(f"threaded RPC failed: {failures[0]!r}") from failures[0]
    return Latency.of([v for values in per_thread for v in values], max(finished) - started)

"""The "what dominates" paragraphs, written from the measured numbers (nothing hard-coded
but the names of the things measured and the thresholds that decide the wording)."""
from __future__ import annotations

import os

from .load import CellResult
from .names import DIRECTORY_ENDPOINT, DIRECTORY_RPC, GET_ME, GET_MEMBERSHIP, ME_ENDPOINT
from .report import Run, ms

SATURATED = 0.90      # share of all cores above which the machine is CPU-bound
NEARLY_SATURATED = 0.75
ONE_CORE = 0.85       # an eventlet process (one thread of Python) cannot use more than one core
NOISY = 0.20          # cores used by other work that make a run noisy


def _cell(run: Run, endpoint: str, clients: int) -> CellResult | None:
    for cell in run.endpoints.get(endpoint, []):
        if cell.clients == clients and cell.latency.count:
            return cell
    return None


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole > 0 else "–"


def _parts(cell: CellResult) -> dict[str, float]:
    """The mean request split, from the platform's histograms, into parts that add up."""
    b = cell.breakdown
    if b is None or b.in_flask_ms is None:
        return {}
    rpc = b.gateway_rpc_ms or 0.0
    return {
        "before Flask (client, HTTP, waiting for a gunicorn thread)": max(cell.latency.mean_ms - b.in_flask_ms, 0.0),
        "the gateway's own work in Flask (routing, token verification, JSON)": max(b.in_flask_ms - rpc, 0.0),
        "RPC round trips to identity": rpc,
    }


def _largest(cell: CellResult) -> str:
    parts = _parts(cell)
    if not parts:
        return ""
    mean = cell.latency.mean_ms
    ranked = sorted(parts.items(), key=lambda item: item[1], reverse=True)
    text = "Of its mean {} ms: {}.".format(
        ms(mean), "; ".join(f"{name} {ms(value)} ms ({_share(value, mean)})" for name, value in ranked))
    inside = cell.breakdown.in_service_ms if cell.breakdown else None
    if inside is not None and parts["RPC round trips to identity"] > 0:
        text += (f" Identity's workers account for {ms(inside)} ms of the round trips (handler, Mongo-wire queries, "
                 "then publishing the reply and waiting for RabbitMQ's confirm).")
    return text


def single_request(run: Run) -> list[str]:
    paragraphs = []
    floor = run.rpc_sequential.p50_ms
    me = _cell(run, ME_ENDPOINT, 1)
    get_me = run.service_calls.get(GET_ME)
    if me and get_me:
        me_p50 = me.latency.p50_ms
        http = (f" A request that makes no RPC (`GET /healthz`) takes {ms(run.http_floor.latency.p50_ms)} ms."
                if run.http_floor and run.http_floor.latency.count else "")
        seen = me.breakdown.gateway_rpc_ms if me.breakdown else None
        if seen is not None:
            http += (f" Seen from inside the gateway (its RPC pool), the `get_me` round trip averages {ms(seen)} ms, "
                     f"against {ms(get_me.mean_ms)} ms from the standalone proxy.")
        paragraphs.append(
            f"**One request, one client.** `{ME_ENDPOINT}` takes {ms(me_p50)} ms at the median. Called directly "
            f"through a standalone proxy, `{GET_ME}` takes {ms(get_me.p50_ms)} ms — a bare round trip through "
            f"RabbitMQ (`identity.health()`, which also pings the database) takes {ms(floor)} ms — so the one RPC "
            f"is {_share(get_me.p50_ms, me_p50)} of the request and the gateway adds "
            f"{ms(max(me_p50 - get_me.p50_ms, 0.0))} ms.{http} {_largest(me)}")
    directory = _cell(run, DIRECTORY_ENDPOINT, 1)
    membership = run.service_calls.get(GET_MEMBERSHIP)
    search = run.service_calls.get(DIRECTORY_RPC)
    if directory and membership and search:
        dir_p50 = directory.latency.p50_ms
        rpcs = membership.p50_ms + search.p50_ms
        text = (f"**Tenant endpoints pay one more RPC.** `{DIRECTORY_ENDPOINT}` makes two RPCs in sequence: "
                f"`get_membership` for the tenant check ({ms(membership.p50_ms)} ms directly) and `directory` "
                f"({ms(search.p50_ms)} ms). Together {ms(rpcs)} ms, {_share(rpcs, dir_p50)} of its "
                f"{ms(dir_p50)} ms median; the membership check alone is {_share(membership.p50_ms, dir_p50)}.")
        if me:
            text += f" It costs {ms(dir_p50 - me.latency.p50_ms)} ms more than `/me` at the median."
        if rpcs >= dir_p50 / 2:
            text += (" **The RPC round trips to the identity service dominate, not the gateway**: caching a user's "
                     f"memberships in the gateway for a few seconds would save about {ms(membership.p50_ms)} ms on "
                     "every tenant request.")
        else:
            text += (" **The time outside the two RPCs dominates** (the gateway's HTTP, Flask, token verification "
                     "and JSON work, and its own RPC client).")
        text += " " + _largest(directory)
        paragraphs.append(text.rstrip())
    return paragraphs


def concurrency(run: Run) -> list[str]:
    paragraphs = []
    for endpoint in run.endpoints:
        one, eight, many = (_cell(run, endpoint, n) for n in (1, 8, 32))
        if not (one and eight and many):
            continue
        r1, r8, r32 = one.latency.rate, eight.latency.rate, many.latency.rate
        text = (f"**`{endpoint}` under load.** {r1:.0f} req/s with 1 client, {r8:.0f} with 8 (×{r8 / r1:.1f}), "
                f"{r32:.0f} with 32 (×{r32 / r8:.2f} over 8), while the median rises from "
                f"{ms(one.latency.p50_ms)} to {ms(eight.latency.p50_ms)} and {ms(many.latency.p50_ms)} ms "
                f"(p99 {ms(many.latency.p99_ms)} ms at 32).")
        cpu = many.cpu
        if cpu is not None:
            busy = cpu.machine_busy_fraction
            text += f" At 32 clients the {cpu.cores} cores were {busy:.0%} busy ({cpu.cores_busy:.2f} cores)"
            if busy >= SATURATED:
                little = many.clients / r32 * 1000 if r32 else float("nan")
                text += (f": **CPU-saturated** — more clients only wait in queues (Little's law: 32 clients / "
                         f"{r32:.0f} req/s = {ms(little)} ms per request; measured mean {ms(many.latency.mean_ms)} ms).")
            elif busy >= NEARLY_SATURATED:
                text += ": close to saturation; more clients mostly add queueing."
            else:
                text += f": not CPU-saturated, so the limit is concurrency ({run.method.get('gateway', 'gateway')})."
            per_request = {name: seconds * 1000 / many.latency.count for name, seconds in cpu.component_seconds.items()}
            ranked = sorted(per_request.items(), key=lambda item: item[1], reverse=True)
            text += " CPU per request: " + ", ".join(f"{name} {value:.2f} ms" for name, value in ranked
                                                     if value >= 0.005) + "."
            platform_ms = sum(value for name, value in per_request.items() if name != "bench client")
            if platform_ms > 0:
                text += (f" The platform needs {platform_ms:.1f} ms of CPU per request in all, so {cpu.cores} cores "
                         f"cap it near {cpu.cores * 1000 / platform_ms:.0f} req/s even with the load generator "
                         "elsewhere.")
            identity_cores = cpu.cores_used("identity")
            if identity_cores >= ONE_CORE:
                text += (f" The identity service used {identity_cores:.2f} cores: a single eventlet process cannot "
                         "use more than one, so **identity is the bottleneck** — a second identity process "
                         "(Nameko consumers share the queue) is the next step.")
            text += f" The load generator itself took {cpu.cores_used('bench client'):.2f} cores of the same machine."
            other = cpu.other_seconds / cpu.window_s if cpu.window_s else 0.0
            if other >= NOISY:
                text += f" Other processes used {other:.2f} cores meanwhile: these numbers are noisy."
        largest = _largest(many)
        if largest:
            text += f" At 32 clients, {largest[0].lower()}{largest[1:]}"
        paragraphs.append(text)
    return paragraphs


def raw_rpc(run: Run) -> list[str]:
    seq, threaded = run.rpc_sequential, run.rpc_threaded
    if not (seq.count and threaded.count):
        return []
    ratio = threaded.rate / seq.rate if seq.rate else float("nan")
    text = (f"**Raw RPC.** {seq.rate:.0f} calls/s sequentially (p50 {ms(seq.p50_ms)} ms), {threaded.rate:.0f} "
            f"calls/s with {run.rpc_threads} threads (×{ratio:.1f}; p50 {ms(threaded.p50_ms)} ms).")
    if ratio < 1.5:
        text += " Parallel callers barely help: the single identity process serves them in turn."
    eight = _cell(run, ME_ENDPOINT, 8)
    if eight and threaded.rate:
        text += (f" `{ME_ENDPOINT}` with 8 clients reaches {eight.latency.rate / threaded.rate:.0%} of the rate of "
                 f"raw `health()` calls with {run.rpc_threads} threads.")
    return [text]


def noise(run: Run) -> list[str]:
    if run.baseline_busy is not None and run.baseline_busy * (os.cpu_count() or 1) >= NOISY:
        return [f"*The machine was already {run.baseline_busy:.0%} busy with other work before the run started: "
                "treat these numbers as pessimistic and compare them with a run on a quiet machine.*"]
    return []


def what_dominates(run: Run) -> list[str]:
    return single_request(run) + concurrency(run) + raw_rpc(run) + noise(run)

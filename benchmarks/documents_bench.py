"""Documents: upload and download throughput through the gateway beside direct S3 writes and
reads of the same sizes in the same run (their ratio), and the gateway's memory during a
1 GiB upload. Writes (or replaces) its own section of BENCHMARKS.md.

    .venv/bin/python -m benchmarks.documents_bench [--quick] [--output PATH]

The platform is started as `make bench` starts it (``benchmarks.stack.running_platform``:
embedded servers on free ports, a dedicated vhost, the services and the gateway with its 2
gunicorn workers), with MAILLAGE_DOCUMENTS_MAX_BYTES raised to let the 1 GiB file in. The
bytes are generated on the fly, each file different (no deduplication), never held in memory.
*Direct* is what the gateway itself does to S3 (``ObjectStore.put_stream`` / ``open``) without
the HTTP hop, the RPCs and the service's checks; *gateway* is the whole upload as a client sees
it (begin, stream, then the service's check and server-side copy to its content address).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import signal
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from tests.platform.helpers import signup_payload

from .cpu import children_of
from .report import machine_facts
from .run import log, wait_for_quiet
from .stack import running_platform

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
MIB = 1024 * 1024
SECTION = "documents"
START, END = f"<!-- section: {SECTION} -->", f"<!-- /section: {SECTION} -->"


@dataclass(frozen=True)
class BenchSettings:
    sizes: tuple[tuple[int, int], ...] = ((1 * MIB, 20), (16 * MIB, 6), (128 * MIB, 2))  # (bytes, files)
    large: int = 1024 * MIB
    quiet_patience_s: float = 60

    @classmethod
    def quick(cls) -> BenchSettings:
        return cls(sizes=((1 * MIB, 3), (16 * MIB, 1)), large=64 * MIB, quiet_patience_s=0)


class Generated:
    """``size`` bytes made up as they are read, different for each ``seed``; ``len()`` lets
    HTTP clients send a Content-Length."""

    def __init__(self, size: int, seed: str):
        self.size, self.left = size, size
        self.block = (b"%PDF-1.7\n" + hashlib.sha256(seed.encode()).digest() * 32768)[:MIB]
        self.offset = 0

    def __len__(self) -> int:
        return self.size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        out = bytearray()
        while len(out) < size:
            piece = self.block[self.offset:self.offset + size - len(out)]
            out += piece
            self.offset = (self.offset + len(piece)) % len(self.block)
        self.left -= size
        return bytes(out)


@dataclass
class Throughput:
    size: int
    files: int
    seconds: list[float] = field(default_factory=list)

    @property
    def mib_s(self) -> float:
        return self.size * len(self.seconds) / MIB / sum(self.seconds)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000


@dataclass
class Row:
    size: int
    files: int
    direct_put: Throughput
    gateway_upload: Throughput
    direct_get: Throughput
    gateway_download: Throughput


@dataclass
class Memory:
    size: int
    seconds: float
    gateway_before: int
    gateway_peak: int
    service_before: int
    service_peak: int


class RssSampler:
    """Peak resident memory of some processes, sampled every 50 ms on a thread."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.before = {pid: rss(pid) for pid in pids}
        self.peak = dict(self.before)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss(pid))
            time.sleep(0.05)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def busiest(self) -> tuple[int, int]:
        """(RSS before, peak) of the process that grew most."""
        pid = max(self.pids, key=lambda p: self.peak[p] - self.before[p])
        return self.before[pid], self.peak[pid]


def rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Client:
    def __init__(self, base_url: str, token: str, structure_id: str):
        self.base_url, self.structure_id = base_url, structure_id
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def upload(self, body: Generated, filename: str) -> dict:
        response = self.session.post(f"{self.base_url}{API}/structures/{self.structure_id}/documents",
                                     params={"filename": filename}, data=body, timeout=600,
                                     headers={"Content-Type": "application/pdf"})
        if response.status_code != 201:
            raise RuntimeError(f"upload of {filename}: HTTP {response.status_code} {response.text[:300]}")
        return response.json()

    def download(self, document_id: str) -> int:
        received = 0
        with self.session.get(f"{self.base_url}{API}/documents/{document_id}/content", stream=True,
                              timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_content(MIB):
                received += len(chunk)
        return received


def measure(settings: BenchSettings) -> tuple[list[Row], Memory, dict]:
    from maillage_shared.objects import ObjectStore
    from minio import Minio

    os.environ["MAILLAGE_DOCUMENTS_MAX_BYTES"] = str(settings.large + 64 * MIB)
    os.environ.setdefault("MAILLAGE_RPC_TIMEOUT_SECONDS", "120")  # the service copies 1 GiB server-side
    with running_platform(log) as stack:
        payload = signup_payload()
        signed = requests.post(f"{stack.base_url}{API}/signup", json=payload, timeout=30)
        signed.raise_for_status()
        tokens = signed.json()["tokens"]
        client = Client(stack.base_url, tokens["access_token"], signed.json()["structure"]["id"])
        servers = stack.servers
        store = ObjectStore(Minio(servers.s3_endpoint, servers.s3_access_key, servers.s3_secret_key, secure=False),
                            "bench-")
        bucket = store.bucket("direct")
        store.ensure_bucket(bucket)
        rows = []
        for size, files in settings.sizes:
            log(f"{files} × {size // MIB} MiB: direct S3 put/get, then through the gateway")
            row = Row(size, files, *(Throughput(size, files) for _ in range(4)))
            keys, documents = [], []
            for index in range(files):
                keys.append(f"direct/{uuid.uuid4()}")
                source = Generated(size, f"direct-{size}-{index}-{uuid.uuid4()}")
                started = time.perf_counter()
                store.put_stream(bucket, keys[-1], source, size + 1)
                row.direct_put.seconds.append(time.perf_counter() - started)
            for key in keys:
                started = time.perf_counter()
                sum(len(chunk) for chunk in store.open(bucket, key, MIB))
                row.direct_get.seconds.append(time.perf_counter() - started)
            for index in range(files):
                body = Generated(size, f"gateway-{size}-{index}-{uuid.uuid4()}")
                started = time.perf_counter()
                documents.append(client.upload(body, f"f{index}.pdf"))
                row.gateway_upload.seconds.append(time.perf_counter() - started)
            for document in documents:
                started = time.perf_counter()
                client.download(document["id"])
                row.gateway_download.seconds.append(time.perf_counter() - started)
            for key in keys:
                store.remove(bucket, key)
            log(f"  upload {row.gateway_upload.mib_s:.0f} MiB/s through the gateway, {row.direct_put.mib_s:.0f} MiB/s "
                f"direct; download {row.gateway_download.mib_s:.0f} vs {row.direct_get.mib_s:.0f} MiB/s")
            rows.append(row)

        log(f"one {settings.large // MIB} MiB upload through the gateway, RSS sampled every 50 ms")
        gateway_workers = children_of(stack.processes.processes["gateway"].pid)
        service_pid = stack.processes.processes["documents"].pid
        service = RssSampler([service_pid])
        with RssSampler(gateway_workers) as gateway, service:
            started = time.perf_counter()
            client.upload(Generated(settings.large, f"large-{uuid.uuid4()}"), "large.pdf")
            seconds = time.perf_counter() - started
        before, peak = gateway.busiest()
        memory = Memory(settings.large, seconds, before, peak, service.before[service_pid], service.peak[service_pid])
        log(f"  {settings.large // MIB} MiB in {seconds:.1f} s; gateway worker RSS {before / MIB:.0f} → "
            f"{peak / MIB:.0f} MiB; documents service {memory.service_before / MIB:.0f} → "
            f"{memory.service_peak / MIB:.0f} MiB")
        facts = {"gateway": f"{len(gateway_workers)} gunicorn gthread workers"}
    return rows, memory, facts


def _mib(value: int) -> str:
    return f"{value / MIB:.0f} MiB"


def render_section(rows: list[Row], memory: Memory, started: datetime, busy: float, facts: dict) -> str:
    lines = [START, "## Documents: uploads and downloads through the gateway", "",
             f"Written by `python -m benchmarks.documents_bench` on {started:%Y-%m-%d %H:%M:%S} UTC "
             f"(machine {busy:.0%} busy with other work before it started; {facts['gateway']}). "
             "Each file is different (no deduplication) and generated on the fly. *Direct* is the same streaming "
             "write/read to SeaweedFS the gateway does (`ObjectStore.put_stream`, `open`), from the benchmark "
             "process; *gateway* is what a client sees: `POST /api/v1/structures/{sid}/documents` (two RPCs, the "
             "stream, the service's size and type checks and its server-side copy to the content address) and "
             "`GET /api/v1/documents/{did}/content`. Ratio = gateway MiB/s ÷ direct MiB/s.", "",
             "| size | files | direct put MiB/s | gateway upload MiB/s | upload ratio | direct get MiB/s | "
             "gateway download MiB/s | download ratio | median upload ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {_mib(row.size)} | {row.files} | {row.direct_put.mib_s:.0f} | {row.gateway_upload.mib_s:.0f} | "
                     f"{row.gateway_upload.mib_s / row.direct_put.mib_s:.2f} | {row.direct_get.mib_s:.0f} | "
                     f"{row.gateway_download.mib_s:.0f} | {row.gateway_download.mib_s / row.direct_get.mib_s:.2f} | "
                     f"{row.gateway_upload.median_ms:.0f} |")
    smallest, largest = rows[0], rows[-1]
    lines += ["", f"Small files pay a fixed cost: {smallest.gateway_upload.median_ms:.0f} ms for a "
              f"{_mib(smallest.size)} upload (two RPCs, the staging write, then the service's stat, 8 KiB read, "
              "server-side copy and staging delete, under the content's lock) and "
              f"{statistics.median(smallest.gateway_download.seconds) * 1000:.0f} ms for its download (three RPCs: "
              f"structure, membership, access); at {_mib(largest.size)} the gateway keeps "
              f"{largest.gateway_upload.mib_s / largest.direct_put.mib_s:.0%} of the direct upload rate and "
              f"{largest.gateway_download.mib_s / largest.direct_get.mib_s:.0%} of the direct download rate, the "
              "rest being the extra hop through the gateway on the same two cores and the copy to the content "
              "address."]
    growth = memory.gateway_peak - memory.gateway_before
    lines += ["", f"**Memory during one {_mib(memory.size)} upload** ({memory.size / MIB / memory.seconds:.0f} MiB/s, "
              f"{memory.seconds:.1f} s): the gateway worker that streamed it went from "
              f"{_mib(memory.gateway_before)} to a peak of {_mib(memory.gateway_peak)} RSS (+{_mib(growth)}); the "
              f"documents service, which never sees the bytes, from {_mib(memory.service_before)} to "
              f"{_mib(memory.service_peak)}. One upload holds about four 8 MiB multipart parts at a time, whatever "
              "the file's size (ADR 9).", END]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
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
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.documents_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small files, for trying the harness (not for numbers)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    settings = BenchSettings.quick() if args.quick else BenchSettings()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = datetime.now(UTC)
    busy = wait_for_quiet(settings.quiet_patience_s)
    try:
        rows, memory, facts = measure(settings)
    except KeyboardInterrupt:
        log("interrupted; nothing written")
        return 130
    write_section(args.output, render_section(rows, memory, started, busy, facts))
    log(f"wrote the documents section of {args.output} ({machine_facts().get('CPU', '')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: every benchmark in turn, each writing its part of BENCHMARKS.md.

    .venv/bin/python -m benchmarks.all [--quick] [--output PATH] [NAME ...]

``run`` (raw RPC and the gateway's identity endpoints) goes first: it rewrites the whole
file and carries the other benchmarks' ``<!-- section: … -->`` blocks over; ``projects``,
``documents`` and ``finance`` then replace their own section. Each one starts and stops its
own platform and runs in its own process (``documents`` changes its environment for the
1 GiB upload), so each can still be run alone (``python -m benchmarks.<module>``). One that
fails does not stop the others; the exit status says whether all succeeded.
"""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = {  # name -> module, in the order they run
    "run": "benchmarks.run",
    "projects": "benchmarks.projects_bench",
    "documents": "benchmarks.documents_bench",
    "finance": "benchmarks.finance_bench",
}


def log(message: str) -> None:
    print(f"[bench all {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.all", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"only these ({', '.join(BENCHMARKS)}); all by default")
    parser.add_argument("--quick", action="store_true", help="each benchmark's quick mode (not for numbers)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    chosen = [name for name in BENCHMARKS if not args.names or name in args.names]
    current: list[subprocess.Popen] = []

    def forward(signum, frame):  # let the running benchmark stop its platform, then stop here
        for process in current:
            process.send_signal(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, forward)
    outcomes: dict[str, str] = {}
    began = time.monotonic()
    try:
        for name in chosen:
            command = [sys.executable, "-m", BENCHMARKS[name], "--output", str(args.output)]
            command += ["--quick"] if args.quick else []
            log(f"{name}: {' '.join(command[1:])}")
            started = time.monotonic()
            process = subprocess.Popen(command, cwd=ROOT)
            current[:] = [process]
            code = process.wait()
            current.clear()
            outcomes[name] = f"{'ok' if code == 0 else f'failed (exit {code})'} in {time.monotonic() - started:.0f} s"
            log(f"{name}: {outcomes[name]}")
    except KeyboardInterrupt:
        for process in current:  # Ctrl-C reached it too (same process group); wait for its clean-up
            process.wait()
        log("interrupted")
        return 130
    log(f"done in {time.monotonic() - began:.0f} s: " + "; ".join(f"{k} {v}" for k, v in outcomes.items()))
    return 0 if all(v.startswith("ok") for v in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

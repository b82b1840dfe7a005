"""Where the CPU goes during a measurement, read from /proc (Linux; no psutil needed).

The whole machine's busy time comes from /proc/stat; each component's from the
utime + stime of its processes. Components are looked up before each measurement, so
a gunicorn worker that was replaced is still counted. Whatever the machine did besides the listed
components (another test run, say) shows up as "other" and says how noisy the run was.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
    values = values[:8]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _read_proc(pid: int) -> tuple[int, str] | None:
    """(parent pid, command line) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    # the command name (field 2) may contain spaces and parentheses: split after the last ')'
    return int(raw[raw.rindex(")") + 2:].split()[1]), cmdline


def cpu_seconds(pid: int) -> float:
    """CPU time of a process so far (utime + stime). The kernel counts them for all the
    process's threads, including those that already ended, and scales them to the
    scheduler's exact run time; only the unit (clock ticks, 10 ms) is coarse."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _all_processes() -> dict[int, tuple[int, str]]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _read_proc(int(entry))
            if info is not None:
                table[int(entry)] = info
    return table


def children_of(pid: int) -> list[int]:
    return [child for child, (ppid, _) in _all_processes().items() if ppid == pid]


def _descendants(root: int, table: dict[int, tuple[int, str]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid in table and pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, ()))
    return found


@dataclass(frozen=True)
class Component:
    """A named group of processes: the process ``root_pid`` with its descendants (unless
    ``children`` is false), or every process whose command line satisfies ``matches``."""
    name: str
    root_pid: int | None = None
    matches: Callable[[str], bool] | None = None
    children: bool = True

    def pids(self, table: dict[int, tuple[int, str]]) -> set[int]:
        if self.root_pid is not None:
            if not self.children:
                return {self.root_pid} & table.keys()
            return _descendants(self.root_pid, table)
        return {pid for pid, (_, cmdline) in table.items() if self.matches and self.matches(cmdline)}


@dataclass(frozen=True)
class Sample:
    at: float
    machine_busy: int
    machine_total: int
    seconds: dict[str, float]


@dataclass
class CpuUsage:
    """CPU used between two samples: by the whole machine and by each component."""
    window_s: float
    cores: int
    machine_busy_fraction: float            # 0..1 of all cores
    component_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def cores_busy(self) -> float:
        return self.machine_busy_fraction * self.cores

    def cores_used(self, name: str) -> float:
        return self.component_seconds.get(name, 0.0) / self.window_s if self.window_s > 0 else 0.0

    @property
    def other_seconds(self) -> float:
        return max(0.0, self.cores_busy * self.window_s - sum(self.component_seconds.values()))


class CpuMeter:
    """Samples the machine and each component. Which processes make up a component is
    decided by ``refresh()`` (a walk over /proc), before a measurement rather than inside
    it: a sample then reads only the few files it needs, quickly even while the load
    generator's threads compete for the GIL."""

    def __init__(self, components: list[Component]):
        self.components = components
        self.cores = os.cpu_count() or 1
        self.pids: dict[str, set[int]] = {}
        self.refresh()

    def refresh(self) -> None:
        table = _all_processes()
        self.pids = {c.name: c.pids(table) for c in self.components}

    def sample(self) -> Sample:
        busy, total = _machine_ticks()
        seconds = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in self.pids.items()}
        return Sample(time.perf_counter(), busy, total, seconds)

    def usage(self, start: Sample, end: Sample) -> CpuUsage:
        total = end.machine_total - start.machine_total
        busy = end.machine_busy - start.machine_busy
        seconds = {name: max(0.0, end.seconds.get(name, 0.0) - start.seconds.get(name, 0.0)) for name in end.seconds}
        return CpuUsage(end.at - start.at, self.cores, busy / total if total > 0 else 0.0, seconds)

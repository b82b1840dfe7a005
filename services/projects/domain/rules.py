"""The pure rules of projects and tasks: status transitions, dates, dependencies and their
cycles, progress, what is overdue, and the order of the personal view."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from maillage_shared.contracts.projects import PROJECT_TRANSITIONS
from maillage_shared.errors import Conflict, Invalid

from .model import DONE, Task

DUE_BEFORE_START = "The due date must be on or after the start date."


def check_transition(current: str, wanted: str) -> None:
    if wanted != current and wanted not in PROJECT_TRANSITIONS.get(current, ()):
        allowed = ", ".join(PROJECT_TRANSITIONS.get(current, ()))
        raise Invalid(f"A project cannot go from {current} to {wanted}.",
                      {"status": f"From {current}, a project can only become: {allowed}."})


def check_dates(starts_on: date | None, due_on: date | None) -> None:
    if starts_on and due_on and due_on < starts_on:
        raise Invalid(DUE_BEFORE_START, {"due_on": DUE_BEFORE_START})


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A dependency cycle as a path ``[a, b, …, a]`` (task -> the tasks it waits for), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in list(edges):
        if state.get(start) is None:
            found = visit(start)
            if found:
                return found
    return None


def check_dependencies(task_id: str, depends_on: list[str], project_tasks: Mapping[str, Task]) -> None:
    """``depends_on`` may name only other tasks of the same project, without making a cycle."""
    unknown = [tid for tid in depends_on if tid not in project_tasks and tid != task_id]
    if unknown:
        raise Invalid("A task can only wait for another task of the same project.",
                      {"depends_on": f"Unknown task: {', '.join(unknown)}."})
    if task_id in depends_on:
        raise Invalid("A task cannot wait for itself.", {"depends_on": "A task cannot wait for itself."})
    # Searched from the task being changed, so the cycle reads from it.
    edges = {task_id: list(depends_on)}
    edges.update({tid: list(t.depends_on) for tid, t in project_tasks.items() if tid != task_id})
    cycle = find_cycle(edges)
    if cycle:
        titles = [project_tasks[tid].title if tid in project_tasks else "this task" for tid in cycle]
        message = "These tasks would wait for each other: " + " → ".join(f"« {t} »" for t in titles) + "."
        raise Invalid("Dependency cycle.", {"depends_on": message})


def waiting_for(depends_on: Iterable[str], tasks: Mapping[str, Task]) -> list[str]:
    """The prerequisites still open (a prerequisite that no longer exists does not block)."""
    return [tid for tid in depends_on if tid in tasks and tasks[tid].is_open]


def check_can_complete(depends_on: Iterable[str], tasks: Mapping[str, Task], field: str = "status") -> None:
    open_ones = waiting_for(depends_on, tasks)
    if open_ones:
        titles = ", ".join(f"« {tasks[tid].title} »" for tid in open_ones)
        raise Conflict(f"This task waits for {titles}: finish it first.",
                       {field: f"Waiting for {titles}: finish it first."})


def is_overdue(task: Task, today: date) -> bool:
    return task.is_open and task.due_on is not None and task.due_on < today


def progress(tasks: Iterable[Task], today: date) -> dict:
    tasks = list(tasks)
    total = len(tasks)
    done = sum(1 for t in tasks if t.status == DONE)
    return {"total": total, "done": done, "percent": round(100 * done / total) if total else 0,
            "overdue": sum(1 for t in tasks if is_overdue(t, today))}


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def personal_order(task: Task, today: date) -> tuple:
    """Overdue first (oldest first), then by due date, tasks without a date last."""
    overdue = is_overdue(task, today)
    return (0 if overdue else 1, task.due_on is None, task.due_on or date.max, task.title.casefold())


def checklist_items(items: list[dict], new_id) -> list[dict]:
    """Items as stored: each keeps its id, new ones get one (a duplicated id gets a new one)."""
    seen: set[str] = set()
    stored = []
    for item in items:
        item_id = item.get("id")
        if not item_id or item_id in seen:
            item_id = new_id()
        seen.add(item_id)
        stored.append({"id": item_id, "text": item["text"], "done": bool(item.get("done"))})
    return stored

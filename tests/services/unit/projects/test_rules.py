"""The pure rules: dependency cycles, progress, overdue, transitions, the personal order."""
from datetime import date, datetime

import pytest
from maillage_shared.errors import Conflict, Invalid

from services.projects.domain import rules
from services.projects.domain.model import Task

TODAY = date(2026, 11, 25)


def task(task_id, status="todo", due_on=None, depends_on=(), title=None):
    at = datetime(2026, 11, 1)
    return Task(id=task_id, structure_id="s", project_id="p", title=title or task_id.upper(), created_at=at,
                created_by="u", updated_at=at, status=status, due_on=due_on, depends_on=list(depends_on))


@pytest.mark.parametrize("edges, cycle", [
    ({"a": ["b"], "b": ["c"], "c": []}, None),
    ({"a": ["b"], "b": ["a"]}, ["a", "b", "a"]),
    ({"a": ["a"]}, ["a", "a"]),
    ({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}, None),  # a diamond is not a cycle
    ({"x": [], "a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c", "a"]),
])
def test_find_cycle(edges, cycle):
    assert rules.find_cycle(edges) == cycle


def test_a_dependency_that_closes_a_loop_is_refused_naming_the_tasks():
    tasks = {"a": task("a", depends_on=["b"]), "b": task("b", depends_on=["c"]), "c": task("c")}

    with pytest.raises(Invalid) as err:
        rules.check_dependencies("c", ["a"], tasks)

    assert "« C » → « A » → « B » → « C »" in err.value.fields["depends_on"]


@pytest.mark.parametrize("depends_on, words", [(["nowhere"], "Unknown task"), (["a"], "cannot wait for itself")])
def test_unknown_or_self_dependencies_are_refused(depends_on, words):
    with pytest.raises(Invalid) as err:
        rules.check_dependencies("a", depends_on, {"a": task("a"), "b": task("b")})
    assert words in err.value.fields["depends_on"]


def test_a_task_cannot_be_completed_while_it_waits_for_an_open_one():
    tasks = {"a": task("a", status="in_progress", title="Relire"), "b": task("b", status="done")}

    with pytest.raises(Conflict) as err:
        rules.check_can_complete(["a", "b"], tasks)

    assert err.value.fields == {"status": "Waiting for « Relire »: finish it first."}
    rules.check_can_complete(["b"], tasks)
    rules.check_can_complete(["deleted"], tasks)


def test_progress_counts_done_and_overdue_tasks():
    tasks = [task("a", "done", date(2026, 11, 1)), task("b", "todo", date(2026, 11, 24)),
             task("c", "in_progress", date(2026, 11, 25)), task("d")]

    assert rules.progress(tasks, TODAY) == {"total": 4, "done": 1, "percent": 25, "overdue": 1}
    assert rules.progress([], TODAY) == {"total": 0, "done": 0, "percent": 0, "overdue": 0}


def test_overdue_means_open_and_due_before_today():
    assert rules.is_overdue(task("a", due_on=date(2026, 11, 24)), TODAY)
    assert not rules.is_overdue(task("a", due_on=TODAY), TODAY)
    assert not rules.is_overdue(task("a", "done", date(2026, 11, 1)), TODAY)
    assert not rules.is_overdue(task("a"), TODAY)


def test_the_personal_order_puts_overdue_first_then_by_date_then_undated():
    tasks = [task("later", due_on=date(2026, 12, 10)), task("undated"), task("late", due_on=date(2026, 11, 20)),
             task("soon", due_on=date(2026, 11, 26)), task("oldest", due_on=date(2026, 10, 1))]

    ordered = sorted(tasks, key=lambda t: rules.personal_order(t, TODAY))

    assert [t.id for t in ordered] == ["oldest", "late", "soon", "later", "undated"]


@pytest.mark.parametrize("current, wanted, ok", [
    ("idea", "active", True), ("active", "done", True), ("active", "abandoned", True), ("idea", "abandoned", True),
    ("done", "active", True), ("abandoned", "idea", True), ("idea", "done", False), ("done", "abandoned", False),
    ("active", "active", True),
])
def test_project_transitions(current, wanted, ok):
    if ok:
        rules.check_transition(current, wanted)
    else:
        with pytest.raises(Invalid) as err:
            rules.check_transition(current, wanted)
        assert "status" in err.value.fields


def test_due_before_start_names_the_due_date():
    with pytest.raises(Invalid) as err:
        rules.check_dates(date(2026, 12, 1), date(2026, 11, 30))
    assert list(err.value.fields) == ["due_on"]
    rules.check_dates(date(2026, 12, 1), date(2026, 12, 1))


def test_checklist_items_keep_their_ids_and_new_ones_get_one():
    ids = iter(["n1", "n2"])
    items = rules.checklist_items([{"id": "c1", "text": "A", "done": True}, {"text": "B"}, {"id": "c1", "text": "C"}],
                                  lambda: next(ids))
    assert items == [{"id": "c1", "text": "A", "done": True}, {"id": "n1", "text": "B", "done": False},
                     {"id": "n2", "text": "C", "done": False}]


def test_weeks_run_from_monday_to_sunday():
    assert rules.week_of(TODAY) == (date(2026, 11, 23), date(2026, 11, 29))

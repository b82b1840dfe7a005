"""The directory (search, filters, today's flags) and leave / on-call periods."""
from datetime import date, datetime, timedelta

import pytest
from maillage_shared.errors import Forbidden, Invalid, NotFound

from services.identity.domain import availability, members

TODAY = date(2026, 11, 23)  # the fake clock's day (09:00 UTC)


@pytest.fixture
def team(ctx, msp, add_member):
    return {
        "paul": add_member("Paul", "Leroy", "medecin_generaliste", rpps="10003456786"),
        "helene": add_member("Hélène", "Bernard", "medecin_generaliste"),
        "anne": add_member("Anne", "Morel", "infirmier"),
    }


def declare(ctx, msp, actor_id, kind, starts_on, ends_on, user_id=None, note=""):
    return availability.declare_availability(ctx, actor_id, msp.structure.id, {
        "kind": kind, "starts_on": starts_on, "ends_on": ends_on, "user_id": user_id, "note": note})


def names(entries):
    return [e.first_name for e in entries]


@pytest.mark.parametrize("q, expected", [
    ("", ["Hélène", "Paul", "Claire", "Anne"]),
    ("helene", ["Hélène"]),
    ("BERN", ["Hélène"]),
    ("ler", ["Paul"]),
    ("paul leroy", ["Paul"]),
    ("leroy anne", []),
    ("r", ["Hélène", "Paul", "Claire", "Anne"]),
])
def test_directory_search_ignores_case_and_accents(ctx, msp, team, q, expected):
    assert names(availability.directory(ctx, msp.structure.id, {"q": q})) == expected


def test_directory_filters_by_profession(ctx, msp, team):
    entries = availability.directory(ctx, msp.structure.id, {"q": "", "profession": "medecin_generaliste"})

    assert names(entries) == ["Hélène", "Paul"]
    assert entries[1].profession_label == "Médecin généraliste" and entries[1].rpps == "10003456786"


def test_directory_flags_who_is_on_leave_or_on_call_today(ctx, msp, team):
    declare(ctx, msp, team["helene"].id, "leave", TODAY - timedelta(days=2), TODAY + timedelta(days=5))
    declare(ctx, msp, team["paul"].id, "on_call", TODAY, TODAY)
    declare(ctx, msp, team["anne"].id, "leave", TODAY + timedelta(days=1), TODAY + timedelta(days=3))

    flags = {e.first_name: (e.on_leave, e.on_call) for e in availability.directory(ctx, msp.structure.id, {})}

    assert flags == {"Hélène": (True, False), "Paul": (False, True), "Anne": (False, False),
                     "Claire": (False, False)}


def test_today_is_the_date_in_paris(ctx, msp, team, clock):
    declare(ctx, msp, team["paul"].id, "on_call", TODAY + timedelta(days=1), TODAY + timedelta(days=1))
    clock.current = datetime(2026, 11, 23, 23, 30)  # 00:30 on the 24th in Paris

    assert names(availability.on_call(ctx, msp.structure.id)) == ["Paul"]


def test_a_coordinator_declares_for_a_member_but_a_member_only_for_themselves(ctx, msp, team):
    period = declare(ctx, msp, msp.user_id, "on_call", TODAY, TODAY, user_id=team["anne"].id)
    assert (period.user_id, period.first_name, period.profession) == (team["anne"].id, "Anne", "infirmier")

    with pytest.raises(Forbidden):
        declare(ctx, msp, team["paul"].id, "leave", TODAY, TODAY, user_id=team["anne"].id)
    with pytest.raises(NotFound):
        declare(ctx, msp, msp.user_id, "leave", TODAY, TODAY, user_id="not-a-member")


def test_a_non_member_cannot_declare(ctx, msp, team):
    with pytest.raises(NotFound):
        declare(ctx, msp, "stranger", "leave", TODAY, TODAY)


@pytest.mark.parametrize("starts_on, ends_on, field", [
    (TODAY, TODAY - timedelta(days=1), "ends_on"),
    (TODAY, TODAY + timedelta(days=366), "ends_on"),
    (TODAY + timedelta(days=3), TODAY + timedelta(days=12), "starts_on"),  # overlaps the leave below
])
def test_impossible_periods_are_refused_naming_the_field(ctx, msp, team, starts_on, ends_on, field):
    declare(ctx, msp, team["paul"].id, "leave", TODAY, TODAY + timedelta(days=4))

    with pytest.raises(Invalid) as error:
        declare(ctx, msp, team["paul"].id, "leave", starts_on, ends_on)

    assert set(error.value.fields) == {field}


def test_on_call_and_leave_may_overlap(ctx, msp, team):
    declare(ctx, msp, team["paul"].id, "leave", TODAY, TODAY + timedelta(days=4))

    assert declare(ctx, msp, team["paul"].id, "on_call", TODAY, TODAY).kind == "on_call"


def test_on_call_lists_the_periods_covering_the_date(ctx, msp, team):
    declare(ctx, msp, team["paul"].id, "on_call", date(2026, 11, 28), date(2026, 11, 29))
    declare(ctx, msp, team["anne"].id, "on_call", date(2026, 11, 29), date(2026, 11, 29))
    declare(ctx, msp, team["helene"].id, "leave", date(2026, 11, 28), date(2026, 11, 29))

    assert names(availability.on_call(ctx, msp.structure.id, date(2026, 11, 28))) == ["Paul"]
    assert names(availability.on_call(ctx, msp.structure.id, date(2026, 11, 29))) == ["Paul", "Anne"]
    assert availability.on_call(ctx, msp.structure.id, date(2026, 11, 30)) == []


def test_list_availability_returns_periods_overlapping_the_window(ctx, msp, team):
    declare(ctx, msp, team["paul"].id, "leave", date(2026, 12, 1), date(2026, 12, 5))
    declare(ctx, msp, team["anne"].id, "leave", date(2026, 11, 20), date(2026, 11, 30))
    declare(ctx, msp, team["helene"].id, "on_call", date(2026, 11, 30), date(2026, 11, 30))

    week = {"starts_on": date(2026, 11, 30), "ends_on": date(2026, 12, 6)}
    assert names(availability.list_availability(ctx, msp.structure.id, week)) == ["Anne", "Hélène", "Paul"]
    assert names(availability.list_availability(ctx, msp.structure.id, {**week, "kind": "leave"})) == ["Anne", "Paul"]
    assert names(availability.list_availability(ctx, msp.structure.id, {"starts_on": date(2026, 12, 2)})) == ["Paul"]


def test_periods_of_people_who_left_drop_out(ctx, msp, team):
    declare(ctx, msp, team["paul"].id, "on_call", TODAY, TODAY)
    members.remove_member(ctx, msp.user_id, msp.structure.id, team["paul"].id)

    assert availability.on_call(ctx, msp.structure.id) == []


def test_deleting_periods_own_or_as_coordinator(ctx, msp, team):
    mine = declare(ctx, msp, team["paul"].id, "leave", TODAY, TODAY)
    hers = declare(ctx, msp, team["anne"].id, "leave", TODAY, TODAY)

    with pytest.raises(Forbidden):
        availability.delete_availability(ctx, team["paul"].id, msp.structure.id, hers.id)
    availability.delete_availability(ctx, team["paul"].id, msp.structure.id, mine.id)
    availability.delete_availability(ctx, msp.user_id, msp.structure.id, hers.id)

    assert availability.list_availability(ctx, msp.structure.id, {}) == []
    with pytest.raises(NotFound):
        availability.delete_availability(ctx, msp.user_id, msp.structure.id, hers.id)

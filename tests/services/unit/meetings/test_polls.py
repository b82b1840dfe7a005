"""Date polls: slots, answers, tally, closing into a meeting, CSV."""
from datetime import date, datetime

import pytest
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from services.meetings.domain import polls
from services.meetings.domain.views import best_slot_ids

from .conftest import ANNE, COORD, JULIEN, OTHER_SID, PAUL, SID, poll_request


def test_a_poll_stores_utc_slots_and_invites_everyone_by_default(make_poll, ctx, clock):
    clock.current = datetime(2026, 1, 10, 9, 0)
    poll = make_poll(slots=[{"date": date(2026, 10, 25), "start": "09:00", "end": "10:00"},
                            {"date": date(2026, 3, 29), "start": "09:00", "end": "10:00"}])

    assert [(s["date"], s["start"], s["starts_at"]) for s in poll["slots"]] == [
        (date(2026, 3, 29), "09:00", datetime(2026, 3, 29, 7, 0)),    # summer time from that night on
        (date(2026, 10, 25), "09:00", datetime(2026, 10, 25, 8, 0))]  # winter time from that night on
    assert {p["user_id"] for p in poll["invitees"]} == {COORD, PAUL, ANNE, JULIEN}
    assert {n["to"]["email"] for n in ctx.polls.mail} == {f"{u}@example.org" for u in (PAUL, ANNE, JULIEN)}


@pytest.mark.parametrize("slots, field", [
    ([{"date": date(2026, 12, 3), "start": "14:00", "end": "12:00"}], "slots.0.end"),
    ([{"date": date(2026, 11, 1), "start": "12:00", "end": "13:00"}], "slots.0.date"),  # in the past
    ([{"date": date(2026, 12, 3), "start": "12:00", "end": "13:00"},
      {"date": date(2026, 12, 3), "start": "12:00", "end": "13:00"}], "slots.1.start"),
    ([{"date": date(2027, 3, 28), "start": "02:15", "end": "03:30"}], "slots.0.start"),
])
def test_bad_slots_are_refused_naming_the_slot(make_poll, slots, field):
    with pytest.raises(Invalid) as error:
        make_poll(slots=slots)

    assert field in error.value.fields


def test_an_invitee_from_another_structure_is_refused(make_poll):
    with pytest.raises(Invalid) as error:
        make_poll(invitee_ids=[PAUL, "u-other"])

    assert error.value.fields == {"invitee_ids.1": "Not a member of this structure."}


def test_answers_are_tallied_and_can_change_until_closed(make_poll, ctx):
    poll = make_poll()
    s1, s2 = (s["id"] for s in poll["slots"])
    polls.vote(ctx, PAUL, SID, poll["id"], {"answers": {s1: "yes", s2: "no"}})
    polls.vote(ctx, ANNE, SID, poll["id"], {"answers": {s1: "maybe", s2: "yes"}})
    polls.vote(ctx, JULIEN, SID, poll["id"], {"answers": {s1: "no", s2: "yes"}})
    changed = polls.vote(ctx, PAUL, SID, poll["id"], {"answers": {s1: "yes", s2: "maybe"}})

    tally = {s["id"]: s["tally"] for s in changed["slots"]}
    assert tally[s1] == {"yes": 1, "maybe": 1, "no": 1, "score": 3}
    assert tally[s2] == {"yes": 2, "maybe": 1, "no": 0, "score": 5}
    assert changed["best_slot_ids"] == [s2]
    assert changed["my_answers"] == {s1: "yes", s2: "maybe"}
    assert len(changed["respondents"]) == 3


def test_a_tie_names_every_best_slot_and_nobody_answering_names_none(make_poll, ctx):
    poll = make_poll()
    assert poll["best_slot_ids"] == []
    s1, s2 = (s["id"] for s in poll["slots"])
    polls.vote(ctx, PAUL, SID, poll["id"], {"answers": {s1: "yes", s2: "yes"}})

    assert best_slot_ids(ctx.polls.get(SID, poll["id"])) == [s1, s2]


def test_unknown_slots_in_answers_are_refused(make_poll, ctx):
    poll = make_poll()

    with pytest.raises(Invalid) as error:
        polls.vote(ctx, PAUL, SID, poll["id"], {"answers": {"s9": "yes"}})

    assert error.value.fields == {"answers.s9": "Unknown slot."}


def test_closing_creates_the_meeting_with_the_respondents(make_poll, ctx):
    poll = make_poll()
    s1, s2 = (s["id"] for s in poll["slots"])
    polls.vote(ctx, PAUL, SID, poll["id"], {"answers": {s1: "yes", s2: "no"}})
    polls.vote(ctx, ANNE, SID, poll["id"], {"answers": {s1: "maybe"}})

    meeting = polls.close_poll(ctx, COORD, SID, poll["id"], {"slot_id": s1, "agenda": ["Lancement"]})

    assert (meeting["date"], meeting["start"], meeting["end"]) == (date(2026, 12, 3), "12:30", "14:00")
    assert {p["user_id"] for p in meeting["invitees"]} == {COORD, PAUL, ANNE}
    assert meeting["poll_id"] == poll["id"] and meeting["agenda"] == ["Lancement"]
    closed = polls.get(ctx, COORD, SID, poll["id"])
    assert (closed["status"], closed["chosen_slot_id"], closed["meeting_id"]) == ("closed", s1, meeting["id"])
    assert {n["method"] for n in ctx.meetings.mail} == {"REQUEST"}
    assert {n["to"]["email"] for n in ctx.meetings.mail} == {f"{u}@example.org" for u in (COORD, PAUL, ANNE)}


def test_closing_twice_and_voting_on_a_closed_poll_are_conflicts(make_poll, ctx):
    poll = make_poll()
    s1 = poll["slots"][0]["id"]
    polls.close_poll(ctx, COORD, SID, poll["id"], {"slot_id": s1})

    with pytest.raises(Conflict, match="already closed"):
        polls.close_poll(ctx, COORD, SID, poll["id"], {"slot_id": s1})
    with pytest.raises(Conflict, match="closed"):
        polls.vote(ctx, PAUL, SID, poll["id"], {"answers": {s1: "yes"}})


def test_only_the_organiser_or_a_coordinator_closes(make_poll, ctx):
    poll = make_poll(actor=PAUL)
    s1 = poll["slots"][0]["id"]

    with pytest.raises(Forbidden):
        polls.close_poll(ctx, ANNE, SID, poll["id"], {"slot_id": s1})
    assert polls.close_poll(ctx, PAUL, SID, poll["id"], {"slot_id": s1})["organizer_id"] == PAUL


def test_a_failed_meeting_creation_leaves_the_poll_open(make_poll, ctx, directory):
    poll = make_poll()
    directory.remove(SID, COORD)  # the closing coordinator leaves meanwhile: the meeting cannot be made

    with pytest.raises(NotFound):
        polls.close_poll(ctx, COORD, SID, poll["id"], {"slot_id": poll["slots"][0]["id"]})

    assert ctx.polls.get(SID, poll["id"]).status == "open"


def test_another_structure_cannot_see_the_poll(make_poll, ctx):
    poll = make_poll()

    with pytest.raises(NotFound):
        polls.get(ctx, "u-other", OTHER_SID, poll["id"])
    with pytest.raises(NotFound):
        polls.get(ctx, "u-other", SID, poll["id"])


def test_the_csv_has_one_row_per_respondent_and_totals(make_poll, ctx):
    poll = make_poll(**poll_request(slots=[{"date": date(2026, 12, 3), "start": "12:30", "end": "14:00"}]))
    s1 = poll["slots"][0]["id"]
    polls.vote(ctx, PAUL, SID, poll["id"], {"answers": {s1: "maybe"}})

    text = polls.poll_csv(ctx, COORD, SID, poll["id"])

    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Nom;Prénom;03/12/2026 12:30-14:00"
    assert lines[1] == "Leroy;Paul;si besoin"
    assert lines[-2:] == ["Total si besoin;;1", "Total non;;0"]


def test_a_coordinator_deletes_an_open_poll_but_not_a_closed_one(make_poll, ctx):
    open_poll, closed_poll = make_poll(actor=PAUL), make_poll()
    polls.close_poll(ctx, COORD, SID, closed_poll["id"], {"slot_id": closed_poll["slots"][0]["id"]})

    with pytest.raises(Forbidden):
        polls.delete_poll(ctx, PAUL, SID, open_poll["id"])  # its organiser, not a coordinator
    with pytest.raises(NotFound):
        polls.delete_poll(ctx, "u-other", OTHER_SID, open_poll["id"])  # another structure's coordinator
    with pytest.raises(Conflict, match="cannot be deleted"):
        polls.delete_poll(ctx, COORD, SID, closed_poll["id"])
    assert ctx.polls.get(SID, open_poll["id"]) is not None

    polls.delete_poll(ctx, COORD, SID, open_poll["id"])

    assert ctx.polls.get(SID, open_poll["id"]) is None and ctx.polls.get(SID, closed_poll["id"]) is not None
    with pytest.raises(NotFound):
        polls.delete_poll(ctx, COORD, SID, open_poll["id"])

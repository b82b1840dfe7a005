# ruff: noqa: F811 - the fixtures of test_web_unit are imported, then requested by name
"""The meetings pages alone: Flask's test client and a fake RPC pool. Checked here: what the
pages show from the meetings service's answers, that form errors land next to their rows,
that Markdown notes are rendered without raw HTML, and the French labels."""
from __future__ import annotations

import copy

from maillage_shared.contracts.meetings import MeetingSchema, PollSchema, YearlyReportSchema
from maillage_shared.errors import Conflict, Invalid

from .test_web_unit import SID, USER_ID, csrf_of, log_in, make_client, member_replies, settings, text  # noqa: F401

MEETING = copy.deepcopy(MeetingSchema.EXAMPLES[0])
MEETING.update(id="m1", structure_id=SID, organizer_id=USER_ID,
               invitees=[{"user_id": USER_ID, "first_name": "Claire", "last_name": "Martin",
                          "profession": "coordinateur"}])


def replies(**meetings) -> dict:
    found = member_replies()
    found.update({("meetings", name): value for name, value in meetings.items()})
    return found


def test_the_meetings_list_shows_upcoming_meetings_and_open_polls(make_client, log_in):
    poll = {"id": "p1", "title": "Concertation de décembre", "kind": "concertation", "status": "open",
            "slot_count": 2, "respondent_count": 1, "invitee_count": 9, "answered": False,
            "first_starts_at": "2026-12-03T11:30:00Z", "created_at": "2026-11-23T08:00:00Z", "meeting_id": None}
    client, pool = make_client(replies(list_meetings=[MEETING], list_polls=[poll]))
    log_in(client)

    html = text(client.get(f"/app/s/{SID}/meetings"))

    assert "À venir" in html and "Concertation de décembre" in html
    assert "Jeudi 3 décembre 2026, 12:30–14:00" in html
    assert "votre réponse est attendue" in html
    assert pool.args_of("list_meetings") == (USER_ID, SID, {"when": "upcoming"})


def test_a_refused_identifier_is_shown_next_to_its_case_row(make_client, log_in):
    refusal = Invalid("The minutes must not identify patients: use pseudonymous case codes only.",
                      {"cases.0.question": "This looks like a person's name: refer to patients by their pseudonymous "
                                           "code only."})
    client, pool = make_client(replies(get_meeting=MEETING, save_minutes=refusal))
    log_in(client)
    token = csrf_of(client.get(f"/app/s/{SID}/meetings/m1"))

    response = client.post(f"/app/s/{SID}/meetings/m1/minutes", data={
        "csrf_token": token, "actions_rows": "2", "cases_rows": "3", "notes": "", "decisions": "",
        "cases.0.code": "", "cases.1.code": "C-1", "cases.1.criterion": "ald", "cases.1.question": "Mme Dupont"})

    html = text(response)
    assert response.status_code == 400
    [call] = [c for c in pool.calls if c[1] == "save_minutes"]
    sent = call[-1]
    assert [c["code"] for c in sent["cases"]] == ["C-1"], "empty rows are not sent"
    block = html[html.index('id="f-cases-1-question"') - 900:html.index('id="f-cases-1-question"')]
    assert "Cela ressemble au nom d’une personne" in block
    assert 'value="C-1"' in html


def test_notes_are_rendered_as_markdown_without_raw_html(make_client, log_in):
    closed = {**MEETING, "status": "closed", "closed_at": "2026-12-03T13:00:00Z",
              "minutes": {**MEETING["minutes"], "notes": "**Tour de table**\n\n<script>alert(1)</script>\n\n"
                                                         "[lien](javascript:alert(1))"}}
    client, _ = make_client(replies(get_meeting=closed))
    log_in(client)

    html = text(client.get(f"/app/s/{SID}/meetings/m1"))

    assert "<strong>Tour de table</strong>" in html
    assert "<script>alert(1)</script>" not in html and 'href="javascript:' not in html
    assert "Clôturée le" in html and "Motif de la réouverture" in html


def test_the_poll_page_offers_answers_and_closing_to_its_organiser(make_client, log_in):
    poll = {**copy.deepcopy(PollSchema.EXAMPLES[0]), "structure_id": SID, "created_by": USER_ID}
    client, _ = make_client(replies(get_poll=poll))
    log_in(client)

    html = text(client.get(f"/app/s/{SID}/polls/p1"))

    assert "Si besoin" in html and "Clôturer et planifier la réunion" in html and "le mieux placé" in html


def test_the_yearly_report_and_the_time_form(make_client, log_in):
    report = copy.deepcopy(YearlyReportSchema.EXAMPLES[0])
    client, _ = make_client(replies(yearly_report=report, list_coordination_time=[]))
    log_in(client)

    html = text(client.get(f"/app/s/{SID}/meetings/report?year=2026"))

    assert "1 sur les 6 réunions attendues par l’ACI" in html
    assert "5 % des patients" in html and "3 h 30" in html
    assert "Enregistrer du temps de coordination" in html


def test_the_organiser_edits_the_meeting_with_errors_next_to_the_inputs(make_client, log_in):
    client, pool = make_client({**replies(get_meeting=MEETING, update_meeting=Invalid(
        "The end must be after the start.", {"end": "The end must be after the start."})),
        ("identity", "list_members"): MEETING["invitees"]})
    log_in(client)
    assert f"/app/s/{SID}/meetings/m1/edit" in text(client.get(f"/app/s/{SID}/meetings/m1"))

    form = client.get(f"/app/s/{SID}/meetings/m1/edit")
    html = text(form)
    assert "Modifier la réunion" in html and 'value="Concertation de décembre"' in html and "Situations complexes" in html
    assert f'value="{USER_ID}" checked' in html

    response = client.post(f"/app/s/{SID}/meetings/m1/edit", data={
        "csrf_token": csrf_of(form), "title": "Concertation", "kind": "concertation", "date": "2026-12-03",
        "start": "14:00", "end": "13:00", "place": "", "visio_url": "", "agenda": "- Point 1\nPoint 2",
        "invitee_ids": [USER_ID]})

    assert response.status_code == 400
    block = text(response)[:text(response).index('id="f-end"')]
    assert "La fin doit être après le début." in block[-900:]
    assert pool.args_of("update_meeting") == (USER_ID, SID, "m1", {
        "title": "Concertation", "kind": "concertation", "date": "2026-12-03", "start": "14:00", "end": "13:00",
        "place": "", "visio_url": None, "agenda": ["Point 1", "Point 2"], "invitee_ids": [USER_ID]})


def test_an_edit_refused_as_a_conflict_says_why(make_client, log_in):
    client, _ = make_client(replies(get_meeting=MEETING, update_meeting=Conflict(
        "The meeting changed meanwhile; reload it and try again.")))
    log_in(client)
    token = csrf_of(client.get(f"/app/s/{SID}/meetings/m1/edit"))

    response = client.post(f"/app/s/{SID}/meetings/m1/edit", data={
        "csrf_token": token, "title": "Concertation", "kind": "concertation", "date": "2026-12-03",
        "start": "12:30", "end": "14:00"})

    assert response.status_code == 409
    assert "La réunion a changé entre-temps" in text(response)


def test_a_member_who_did_not_organise_the_meeting_gets_no_edit_link(make_client, log_in):
    other = {**MEETING, "organizer_id": "someone-else"}
    client, _ = make_client({**replies(get_meeting=other), **member_replies("member")})
    log_in(client)

    assert "/edit" not in text(client.get(f"/app/s/{SID}/meetings/m1"))
    assert client.get(f"/app/s/{SID}/meetings/m1/edit").status_code == 403


def test_a_coordinator_deletes_an_open_poll_after_confirming(make_client, log_in):
    poll = {**copy.deepcopy(PollSchema.EXAMPLES[0]), "structure_id": SID, "created_by": "someone-else"}
    client, pool = make_client(replies(get_poll=poll, delete_poll=None))
    log_in(client)
    assert f"/app/s/{SID}/polls/p1/delete" in text(client.get(f"/app/s/{SID}/polls/p1"))

    confirmation = client.get(f"/app/s/{SID}/polls/p1/delete")
    assert "Oui, supprimer le sondage" in text(confirmation)
    assert not [c for c in pool.calls if c[1] == "delete_poll"], "nothing is deleted before confirming"

    response = client.post(f"/app/s/{SID}/polls/p1/delete", data={"csrf_token": csrf_of(confirmation)})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/app/s/{SID}/meetings")
    assert pool.args_of("delete_poll") == (USER_ID, SID, "p1")


def test_deleting_a_closed_poll_is_refused_and_members_are_not_offered_it(make_client, log_in):
    poll = {**copy.deepcopy(PollSchema.EXAMPLES[0]), "structure_id": SID, "created_by": USER_ID}
    client, _ = make_client(replies(get_poll=poll, delete_poll=Conflict(
        "This poll is closed: it led to a meeting and cannot be deleted.")))
    log_in(client)
    token = csrf_of(client.get(f"/app/s/{SID}/polls/p1/delete"))

    response = client.post(f"/app/s/{SID}/polls/p1/delete", data={"csrf_token": token}, follow_redirects=True)

    assert "Ce sondage est clôturé" in text(response)

    member, _ = make_client({**replies(get_poll=poll), **member_replies("member")})
    log_in(member)
    assert "/delete" not in text(member.get(f"/app/s/{SID}/polls/p1"))
    assert member.get(f"/app/s/{SID}/polls/p1/delete").status_code == 403

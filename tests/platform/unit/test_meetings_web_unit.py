# ruff: noqa: F811 - the fixtures of test_web_unit are imported, then requested by name
"""The meetings pages alone: Flask's test client and a fake RPC pool. Checked here: what the
pages show from the meetings service's answers, that form errors land next to their rows,
that Markdown notes are rendered without raw HTML, and the French labels."""
from __future__ import annotations

import copy

from maillage_shared.contracts.meetings import MeetingSchema, PollSchema, YearlyReportSchema
from maillage_shared.errors import Invalid

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

"""Demo meetings of the fictional « MSP des Tilleuls » (identity creates the people).

Idempotent: every demo item carries a ``demo_key`` and is created only when missing. It
is made through the same use cases as real data, without e-mails: four concertation
meetings of the past weeks, closed with pseudonymous cases and attendance; an upcoming
governance meeting; an open date poll; two hours of coordination time for the ACI file.
"""
from __future__ import annotations

from datetime import date, timedelta

from maillage_shared.errors import Forbidden

from .domain import meetings, minutes, polls, timesheet
from .domain.context import MeetingsContext

CASES = [
    [("C-{y}-01", "ald", "Coordination du retour à domicile après hospitalisation",
      "Passage infirmier deux fois par semaine ; réévaluation à un mois", True),
     ("C-{y}-02", "age_75", "Chutes répétées : adaptation du domicile ?", "Bilan kiné et visite d'ergothérapeute",
      True)],
    [("C-{y}-03", "complex", "Plusieurs prescripteurs, traitement à simplifier", "Revue de l'ordonnance avec le "
      "pharmacien", True),
     ("C-{y}-04", "ald", "Diabète déséquilibré malgré le traitement", "Consultation diététique et éducation "
      "thérapeutique", False),
     ("C-{y}-05", "age_75", "Isolement et perte d'autonomie", "Contact avec le CCAS ; point à la prochaine réunion",
      True)],
    [("C-{y}-06", "ald", "Suivi d'une insuffisance cardiaque", "Pesée quotidienne, alerte à +2 kg", True)],
    [("C-{y}-07", "complex", "Douleurs chroniques et arrêt de travail prolongé", "Orientation vers la consultation "
      "douleur", True),
     ("C-{y}-08", "age_75", "Troubles cognitifs débutants", "Bilan orthophonique et consultation mémoire", False)],
]


def _thursday_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 3) % 7)


def ensure_demo_data(ctx: MeetingsContext, identity_demo: dict) -> dict:
    if ctx.is_production:
        raise Forbidden("Demo data is never created in production.")
    sid = identity_demo["structure_id"]
    people = identity_demo["members"]
    coordinator = next(p["user_id"] for p in people if p["role"] == "coordinator")
    everyone = [p["user_id"] for p in people]
    by_name = {p["first_name"]: p["user_id"] for p in people}
    today, created = ctx.today(), []
    for index, cases in enumerate(CASES):
        key = f"concertation-{index + 1}"
        if ctx.meetings.by_demo_key(sid, key) is not None:
            continue
        day = _thursday_before(today - timedelta(weeks=3 * (len(CASES) - index)))
        meeting = meetings.create_meeting(ctx, coordinator, sid, {
            "title": "Concertation pluriprofessionnelle", "kind": "concertation", "date": day, "start": "12:30",
            "end": "14:00", "place": "Salle de réunion, 1er étage", "agenda": ["Situations complexes du mois",
                                                                              "Suivi des décisions précédentes"],
            "invitee_ids": everyone}, notify=False, demo_key=key)
        minutes.save_minutes(ctx, coordinator, sid, meeting["id"], {
            "notes": "Tour de table des situations. **Rappel** : seulement les codes des situations, "
                     "rien qui permette de reconnaître un patient.",
            "decisions": [{"text": "Présenter les situations avec la fiche standardisée"}],
            "actions": [{"text": "Mettre à jour le protocole chutes", "owner_id": by_name.get("Sophie"),
                         "due_on": day + timedelta(weeks=4), "to_task": False}],
            "cases": [{"code": code.format(y=day.year), "criterion": criterion, "question": question,
                       "decisions": decisions, "recorded_in_file": recorded}
                      for code, criterion, question, decisions, recorded in cases]})
        late = by_name.get("Julien")
        entries = [{"user_id": u, "status": "present", "minutes": 60 if u == late else None}
                   for u in everyone if u != by_name.get("Camille")]
        if by_name.get("Camille"):
            entries.append({"user_id": by_name["Camille"], "status": "excused", "minutes": None})
        minutes.record_attendance(ctx, coordinator, sid, meeting["id"], {"entries": entries})
        minutes.close_meeting(ctx, coordinator, sid, meeting["id"])
        created.append(meeting["id"])
    if ctx.meetings.by_demo_key(sid, "governance") is None:
        day = today + timedelta(days=12)
        created.append(meetings.create_meeting(ctx, coordinator, sid, {
            "title": "Assemblée des associés de la SISA", "kind": "governance", "date": day, "start": "20:00",
            "end": "21:30", "place": "Salle de réunion, 1er étage",
            "agenda": ["Répartition de la rémunération ACI", "Budget de l'année prochaine", "Questions diverses"],
            "invitee_ids": everyone}, notify=False, demo_key="governance")["id"])
    if ctx.polls.by_demo_key(sid, "poll") is None:
        start = today + timedelta(days=20)
        created.append(polls.create_poll(ctx, coordinator, sid, {
            "title": "Réunion de projet : parcours insuffisance cardiaque", "kind": "project",
            "place": "Salle de réunion, 1er étage", "description": "Choisissons une date pour lancer le projet.",
            "slots": [{"date": start + timedelta(days=offset), "start": "12:30", "end": "14:00"}
                      for offset in (0, 1, 7)]}, notify=False, demo_key="poll")["id"])
    if not timesheet.list_time(ctx, coordinator, sid, {"year": today.year}):
        timesheet.record_time(ctx, coordinator, sid, {
            "user_id": coordinator, "date": today - timedelta(days=3), "minutes": 120,
            "label": "Préparation du dossier ACI", "request_id": f"demo-aci-{today.year}"})
    return {"structure_id": sid, "created": created}

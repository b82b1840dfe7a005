"""Demo projects of the fictional « MSP des Tilleuls », made of the people identity's demo
data returns (``identity_demo["members"]``).

Idempotent: ids are derived from the structure and a key, so a second run finds every
project and creates nothing. Dates are set relative to the day of the first run, so the
dashboard shows something overdue, something due this week and next week.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from maillage_shared.errors import Forbidden

from .domain.context import ProjectsContext
from .domain.model import Activity, Comment, Project, Task

# key, title, description, theme, ACI tag, status, lead, participants, start/due (days from today), public
PROJECTS = [
    ("avk", "Protocole AVK",
     "Sécuriser le suivi des patients sous **AVK** : circuit de l'INR entre le laboratoire, les infirmières, "
     "les pharmaciens et les médecins.\n\n- qui reçoit le résultat ;\n- qui ajuste la dose ;\n"
     "- que faire si l'INR est hors cible.\n\nRéférence : [HAS](https://www.has-sante.fr).",
     "pathways", {"kind": "protocol", "theme": "iatrogenic_risk", "topic": None}, "active",
     "Paul", ["Anne", "Julien", "Claire"], (-30, 60), False),
    ("bpco", "Dépistage BPCO",
     "Proposer le questionnaire de dépistage de la **BPCO** en salle d'attente et une mesure du souffle "
     "à la pharmacie pour les fumeurs de plus de 40 ans.", "prevention",
     {"kind": "protocol", "theme": "severe_conditions", "topic": None}, "active",
     "Julien", ["Sophie", "Paul"], (-20, 120), True),
    ("aci", "Dossier ACI 2026",
     "Rassembler les preuves des indicateurs et préparer la **déclaration annuelle** (1er décembre → 31 janvier).",
     "team", {"kind": "other", "theme": None, "topic": None}, "active",
     "Claire", ["Hélène", "Paul"], (-10, 45), False),
    ("marche", "Groupe de marche pour patients diabétiques",
     "Une marche d'une heure chaque semaine, encadrée par la kinésithérapeute, avec un atelier "
     "nutrition par mois.", "prevention",
     {"kind": "public_health_mission", "theme": None, "topic": "health_education"}, "idea",
     "Sophie", ["Marc", "Anne"], (None, None), False),
    ("grippe", "Vaccination antigrippale 2026",
     "Campagne de vaccination : rappel des patients à risque, créneaux dédiés le samedi matin.", "public_health",
     {"kind": "public_health_mission", "theme": None, "topic": "vaccination"}, "done",
     "Anne", ["Julien", "Paul"], (-60, -5), False),
]
# project key, task key, title, assignees, status, due (days from today), depends on (task keys), checklist
TASKS = [
    ("avk", "has", "Relire les recommandations HAS sur les AVK", ["Paul"], "done", -20, [],
     [("Recommandations HAS 2024", True), ("Fiche ANSM", True)]),
    ("avk", "circuit", "Rédiger le circuit de l'INR : laboratoire → infirmière → médecin", ["Anne"], "in_progress", 3,
     ["has"], [("Appeler le laboratoire", True), ("Proposer un schéma", False)]),
    ("avk", "valider", "Valider le protocole en réunion d'équipe", ["Paul", "Claire"], "todo", 10, ["circuit"], []),
    ("avk", "cpam", "Envoyer le protocole au service médical de la CPAM", ["Claire"], "todo", 25, ["valider"], []),
    ("bpco", "questionnaire", "Choisir le questionnaire de dépistage", ["Paul"], "done", -12, [], []),
    ("bpco", "spirometre", "Commander un mini-spiromètre pour la pharmacie", ["Julien"], "todo", -3, [], []),
    ("bpco", "formation", "Former l'équipe à la mesure du souffle", ["Sophie"], "todo", 9, ["spirometre"], []),
    ("bpco", "affiche", "Afficher le questionnaire en salle d'attente", ["Julien"], "todo", None, ["questionnaire"], []),
    ("aci", "comptes_rendus", "Rassembler les comptes rendus des réunions de concertation", ["Hélène"], "todo", 2, [],
     [("Janvier à juin", True), ("Juillet à décembre", False)]),
    ("aci", "protocoles", "Mettre à jour la liste des protocoles validés", ["Claire"], "in_progress", 6, [], []),
    ("aci", "declaration", "Faire la déclaration annuelle sur AmeliPro", ["Claire"], "todo", 40,
     ["comptes_rendus", "protocoles"], []),
    ("marche", "parcours", "Repérer un parcours de marche accessible", ["Sophie"], "todo", None, [], []),
    ("grippe", "rappels", "Rappeler les patients à risque", ["Anne"], "done", -20, [], []),
    ("grippe", "bilan", "Faire le bilan de la campagne", ["Anne"], "done", -6, ["rappels"], []),
]
COMMENTS = [("avk", "circuit", "Anne", "Le laboratoire accepte d'envoyer les résultats d'INR aux infirmières."),
            ("bpco", "spirometre", "Julien", "Devis demandé à deux fournisseurs, réponse attendue.")]


def _id(structure_id: str, *keys: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"maillage-demo/{structure_id}/" + "/".join(keys)))


def ensure_demo_data(ctx: ProjectsContext, identity_demo: dict, is_production: bool = False) -> dict:
    if is_production:
        raise Forbidden("Demo data is never created in production.")
    sid = identity_demo["structure_id"]
    people = {m["first_name"]: m for m in identity_demo["members"]}
    people.setdefault("Claire", next((m for m in identity_demo["members"] if m["role"] == "coordinator"), None))
    ids = {name: person["user_id"] for name, person in people.items() if person}
    today, now = ctx.today(), ctx.now()

    def day(offset):
        return None if offset is None else today + timedelta(days=offset)

    created = []
    for key, title, description, theme, aci, status, lead, participants, (start, due), public in PROJECTS:
        project_id = _id(sid, key)
        if ctx.projects.get(project_id) is not None:
            continue
        project = Project(id=project_id, structure_id=sid, title=title, created_at=now, created_by=ids["Claire"],
                          updated_at=now, description=description, theme=theme, aci=aci, lead_id=ids[lead],
                          participant_ids=[ids[p] for p in participants if p != lead], starts_on=day(start),
                          due_on=day(due), status=status, public=public)
        ctx.projects.add(project, [])
        _history(ctx, project, "project.created", people["Claire"], None, title=title)
        for p_key, t_key, t_title, assignees, t_status, t_due, depends, checklist in TASKS:
            if p_key != key:
                continue
            done = t_status == "done"
            task = Task(id=_id(sid, key, t_key), structure_id=sid, project_id=project_id, title=t_title,
                        created_at=now, created_by=ids["Claire"], updated_at=now,
                        assignee_ids=[ids[a] for a in assignees], due_on=day(t_due), status=t_status,
                        checklist=[{"id": _id(sid, key, t_key, str(i)), "text": text, "done": ticked}
                                   for i, (text, ticked) in enumerate(checklist)],
                        depends_on=[_id(sid, key, d) for d in depends],
                        completed_at=now if done else None, completed_by=ids[assignees[0]] if done else None)
            ctx.tasks.add(task, [])
            _history(ctx, project, "task.created", people["Claire"], task.id, title=t_title)
            if done:
                _history(ctx, project, "task.status_changed", people[assignees[0]], task.id, title=t_title,
                         **{"from": "todo", "to": "done"})
        for p_key, t_key, author, body in COMMENTS:
            if p_key == key:
                person = people[author]
                ctx.comments.add(Comment(id=_id(sid, key, t_key, "comment"), structure_id=sid, project_id=project_id,
                                         task_id=_id(sid, key, t_key), author_id=person["user_id"],
                                         author_name=_name(person), body=body, created_at=now))
        created.append(title)
    return {"structure_id": sid, "created": created}


def _name(person: dict) -> str:
    return f"{person['first_name']} {person['last_name']}"


def _history(ctx: ProjectsContext, project: Project, action: str, person: dict, task_id: str | None, **details):
    ctx.activities.add(Activity(id=str(uuid.uuid4()), structure_id=project.structure_id, project_id=project.id,
                                at=ctx.now(), action=action, actor_id=person["user_id"], actor_name=_name(person),
                                task_id=task_id, details=details))

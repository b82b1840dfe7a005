"""Demo data: the fictional "MSP des Tilleuls" in Rennes, its coordinator and team.

Idempotent (``make run`` calls it at every start): each person, membership and period
is created only when missing, so a second run on the same day creates nothing. Demo
accounts share a published password, hence refused in production.
"""
from __future__ import annotations

from datetime import timedelta

from maillage_shared.clock import new_id
from maillage_shared.errors import Forbidden

from .domain import accounts
from .domain.context import IdentityContext
from .domain.model import COORDINATOR, LEAVE, MEMBER, ON_CALL, Availability, User
from .domain.text import fold

DEMO_SLUG = "msp-des-tilleuls"
DEMO_PASSWORD = "Tilleuls-demo-2026"
DEMO_DOMAIN = "msp-tilleuls.example"
COORDINATOR_EMAIL = f"coordination@{DEMO_DOMAIN}"

STRUCTURE = {
    "kind": "msp", "name": "MSP des Tilleuls", "finess": "350012345", "phone": "02 99 00 00 00",
    "address": {"line1": "3 rue des Tilleuls", "line2": "", "postcode": "35000", "city": "Rennes"},
    "opening_hours": [{"day": day, "opens": "08:00", "closes": "20:00"}
                      for day in ("monday", "tuesday", "wednesday", "thursday", "friday")]
    + [{"day": "saturday", "opens": "08:00", "closes": "12:00"}],
}
COORDINATOR_PERSON = {"email": COORDINATOR_EMAIL, "password": DEMO_PASSWORD, "first_name": "Claire",
                      "last_name": "Martin", "profession": "coordinateur", "rpps": None}

# first name, last name, profession, RPPS (11 digits, Luhn key) or None
TEAM = [
    ("Paul", "Leroy", "medecin_generaliste", "10003456786"),
    ("Hélène", "Bernard", "medecin_generaliste", "10001234565"),
    ("Anne", "Morel", "infirmier", "10007654329"),
    ("Julien", "Petit", "pharmacien", "10009876508"),
    ("Sophie", "Durand", "kinesitherapeute", "10002468139"),
    ("Camille", "Rousseau", "sage_femme", None),
    ("Léa", "Fontaine", "orthophoniste", None),
    ("Marc", "Girard", "dieteticien", None),
]
ON_LEAVE = "Hélène"     # a leave period around today
ON_CALL_TODAY = "Paul"  # the on-call doctor today


def demo_email(first_name: str, last_name: str) -> str:
    return f"{fold(first_name).replace(' ', '-')}.{fold(last_name).replace(' ', '-')}@{DEMO_DOMAIN}"


def ensure_demo_data(ctx: IdentityContext) -> dict:
    if ctx.policy.is_production:
        raise Forbidden("Demo data is never created in production.")
    structure = ctx.structures.by_slug(DEMO_SLUG)
    created = structure is None
    if created:
        structure, coordinator = accounts.register_structure(ctx, STRUCTURE, COORDINATOR_PERSON)
    else:
        coordinator = _ensure_person(ctx, structure.id, COORDINATOR_PERSON, COORDINATOR)
    logins = [{"email": COORDINATOR_EMAIL, "password": DEMO_PASSWORD, "role": COORDINATOR}]
    members = [_member_entry(coordinator, COORDINATOR, COORDINATOR_PERSON["profession"])]
    team = {}
    for first_name, last_name, profession, rpps in TEAM:
        person = {"email": demo_email(first_name, last_name), "password": DEMO_PASSWORD, "first_name": first_name,
                  "last_name": last_name, "profession": profession, "rpps": rpps}
        team[first_name] = _ensure_person(ctx, structure.id, person, MEMBER)
        logins.append({"email": person["email"], "password": DEMO_PASSWORD, "role": MEMBER})
        members.append(_member_entry(team[first_name], MEMBER, profession))
    today = ctx.today()
    _ensure_period(ctx, structure.id, team[ON_LEAVE], LEAVE, today - timedelta(days=2), today + timedelta(days=5),
                   "Congés", coordinator.id)
    _ensure_period(ctx, structure.id, team[ON_CALL_TODAY], ON_CALL, today, today, "Garde du soir", coordinator.id)
    # ``members`` lets the other services' demo data (projects, meetings…) name real people.
    return {"structure_id": structure.id, "slug": structure.slug, "created": created, "logins": logins,
            "members": members}


def _member_entry(user: User, role: str, profession: str) -> dict:
    return {"user_id": user.id, "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "role": role, "profession": profession}


def _ensure_person(ctx: IdentityContext, structure_id: str, person: dict, role: str) -> User:
    user = ctx.users.by_email(person["email"])
    if user is None:
        user = accounts.create_account(ctx, email=person["email"], password=person["password"],
                                       first_name=person["first_name"], last_name=person["last_name"],
                                       rpps=person["rpps"])
    if ctx.memberships.get_active(structure_id, user.id) is None:
        accounts.join_structure(ctx, structure_id, user, role, person["profession"])
    return user


def _ensure_period(ctx: IdentityContext, structure_id: str, user: User, kind: str, starts_on, ends_on,
                   note: str, created_by: str) -> None:
    """Only when nothing of that kind covers today yet, so reruns add nothing."""
    today = ctx.today()
    if ctx.availability.overlapping(structure_id, today, today, kind=kind, user_id=user.id):
        return
    clashing = ctx.availability.overlapping(structure_id, starts_on, ends_on, kind=kind, user_id=user.id)
    if clashing:  # an older demo period nearby: keep the data consistent, just cover today
        starts_on = ends_on = today
    ctx.availability.add(Availability(id=new_id(), structure_id=structure_id, user_id=user.id, kind=kind,
                                      starts_on=starts_on, ends_on=ends_on, created_at=ctx.now(),
                                      created_by=created_by, note=note))

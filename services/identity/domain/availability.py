"""Leave and on-call periods, and the directory that shows who is away or on call today.

Periods are inclusive calendar dates in Europe/Paris. Members declare their own;
coordinators may declare for any member (e.g. the on-call rota).
"""
from __future__ import annotations

from datetime import date

from maillage_shared.clock import new_id
from maillage_shared.errors import Forbidden, Invalid, NotFound

from .access import require_member
from .context import IdentityContext
from .model import LEAVE, ON_CALL, PROFESSIONS, Availability, Membership, User
from .text import fold, search_words
from .views import AvailabilityView, DirectoryEntry

MAX_PERIOD_DAYS = 366
KIND_LABELS = {LEAVE: "leave", ON_CALL: "on-call"}


def declare_availability(ctx: IdentityContext, actor_id: str, structure_id: str, request: dict) -> AvailabilityView:
    actor = require_member(ctx, structure_id, actor_id)
    user_id = request.get("user_id") or actor_id
    if user_id != actor_id:
        if not actor.is_coordinator:
            raise Forbidden("Only a coordinator can declare availability for someone else.")
        if ctx.memberships.get_active(structure_id, user_id) is None:
            raise NotFound("This person is not a member of the structure.")
    starts_on, ends_on, kind = request["starts_on"], request["ends_on"], request["kind"]
    if ends_on < starts_on:
        raise Invalid("The period ends before it starts.", {"ends_on": "The end date must be on or after the start date."})
    if (ends_on - starts_on).days >= MAX_PERIOD_DAYS:
        raise Invalid("The period is too long.", {"ends_on": "A period lasts at most one year."})
    for other in ctx.availability.overlapping(structure_id, starts_on, ends_on, kind=kind, user_id=user_id):
        raise Invalid(f"This overlaps an existing {KIND_LABELS[kind]} period.",
                      {"starts_on": f"Overlaps the period from {other.starts_on.isoformat()} "
                                    f"to {other.ends_on.isoformat()}."})
    period = Availability(id=new_id(), structure_id=structure_id, user_id=user_id, kind=kind,
                          starts_on=starts_on, ends_on=ends_on, created_at=ctx.now(), created_by=actor_id,
                          note=request.get("note") or "")
    ctx.availability.add(period)
    return _views(ctx, structure_id, [period])[0]


def delete_availability(ctx: IdentityContext, actor_id: str, structure_id: str, availability_id: str) -> None:
    actor = require_member(ctx, structure_id, actor_id)
    period = ctx.availability.get(structure_id, availability_id)
    if period is None:
        raise NotFound("Availability period not found.")
    if period.user_id != actor_id and not actor.is_coordinator:
        raise Forbidden("Only a coordinator can delete someone else's period.")
    ctx.availability.remove(period.id)


def list_availability(ctx: IdentityContext, structure_id: str, query: dict) -> list[AvailabilityView]:
    """Periods overlapping [starts_on, ends_on]; without dates, from today on."""
    starts_on, ends_on = query.get("starts_on"), query.get("ends_on")
    if starts_on is None and ends_on is None:
        starts_on = ctx.today()
    periods = ctx.availability.overlapping(structure_id, starts_on, ends_on, kind=query.get("kind"))
    return _views(ctx, structure_id, periods)


def on_call(ctx: IdentityContext, structure_id: str, day: date | None = None) -> list[AvailabilityView]:
    day = day or ctx.today()
    return _views(ctx, structure_id, ctx.availability.overlapping(structure_id, day, day, kind=ON_CALL))


def directory(ctx: IdentityContext, structure_id: str, query: dict) -> list[DirectoryEntry]:
    """Active members matching every word of ``q`` (names, accent-insensitive) and the
    profession, each flagged when on leave or on call today."""
    memberships = {m.user_id: m for m in ctx.memberships.active_in(structure_id, query.get("profession"))}
    users = ctx.users.many(list(memberships), search_words(query.get("q") or ""))
    today = ctx.today()
    today_periods = ctx.availability.overlapping(structure_id, today, today)
    away = {p.user_id for p in today_periods if p.kind == LEAVE}
    on_duty = {p.user_id for p in today_periods if p.kind == ON_CALL}
    entries = [_entry(u, memberships[u.id], u.id in away, u.id in on_duty) for u in users if u.id in memberships]
    return sorted(entries, key=lambda e: (fold(e.last_name), fold(e.first_name)))


def _entry(user: User, membership: Membership, on_leave: bool, on_duty: bool) -> DirectoryEntry:
    return DirectoryEntry(user_id=user.id, first_name=user.first_name, last_name=user.last_name,
                          profession=membership.profession,
                          profession_label=PROFESSIONS.get(membership.profession, membership.profession),
                          role=membership.role, email=user.email, phone=user.phone, rpps=user.rpps,
                          on_leave=on_leave, on_call=on_duty)


def _views(ctx: IdentityContext, structure_id: str, periods: list[Availability]) -> list[AvailabilityView]:
    """Periods of current members only, with their names (people who left drop out)."""
    memberships = {m.user_id: m for m in ctx.memberships.active_in(structure_id)}
    users = {u.id: u for u in ctx.users.many({p.user_id for p in periods if p.user_id in memberships})}
    views = [AvailabilityView(id=p.id, structure_id=p.structure_id, user_id=p.user_id,
                              first_name=users[p.user_id].first_name, last_name=users[p.user_id].last_name,
                              profession=memberships[p.user_id].profession, kind=p.kind, starts_on=p.starts_on,
                              ends_on=p.ends_on, note=p.note, created_at=p.created_at)
             for p in periods if p.user_id in users]
    return sorted(views, key=lambda v: (v.starts_on, fold(v.last_name), fold(v.first_name)))


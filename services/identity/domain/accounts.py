"""Accounts and structures: signup, profiles, structure details.

Signup writes three documents (user, structure, membership) without a multi-document
transaction, which the Mongo-wire server cannot isolate; each step that fails undoes the
previous ones so a failed signup leaves nothing behind.
"""
from __future__ import annotations

from maillage_shared.clock import new_id
from maillage_shared.errors import Conflict, Invalid, NotFound

from . import sessions
from .access import require_coordinator
from .context import IdentityContext
from .model import COORDINATOR, PASSWORD_MIN_LENGTH, Membership, Structure, User, member_joined, structure_updated
from .ports import AlreadyExists
from .text import search_key, slug_candidates
from .views import Me, MembershipSummary, SignupResult

EMAIL_TAKEN = "An account already exists with this e-mail address."


def signup(ctx: IdentityContext, request: dict, ip: str | None = None) -> SignupResult:
    """A new structure and its first coordinator, logged in at once (trial start)."""
    structure, user = register_structure(ctx, request["structure"], request["coordinator"])
    return SignupResult(structure=structure, user_id=user.id, tokens=sessions.open_session(ctx, user.id, ip))


def register_structure(ctx: IdentityContext, structure_fields: dict, coordinator: dict) -> tuple[Structure, User]:
    try:
        user = create_account(ctx, email=coordinator["email"], password=coordinator["password"],
                              first_name=coordinator["first_name"], last_name=coordinator["last_name"],
                              rpps=coordinator.get("rpps"))
    except Conflict as exc:
        raise Conflict(exc.message, {"coordinator.email": "This e-mail address is already used."}) from None
    try:
        structure = _add_structure(ctx, structure_fields)
    except BaseException:
        ctx.users.discard(user.id)
        raise
    try:
        join_structure(ctx, structure.id, user, COORDINATOR, coordinator["profession"])
    except BaseException:
        ctx.structures.discard(structure.id)
        ctx.users.discard(user.id)
        raise
    ctx.audit("structure.created", actor_id=user.id, structure_id=structure.id, target=structure.id,
              name=structure.name, slug=structure.slug)
    return structure, user


def create_account(ctx: IdentityContext, *, email: str, password: str, first_name: str, last_name: str,
                   rpps: str | None = None, phone: str | None = None, user_id: str | None = None) -> User:
    if len(password or "") < PASSWORD_MIN_LENGTH:
        raise Invalid("The password is too short.", {"password": f"Use at least {PASSWORD_MIN_LENGTH} characters."})
    email = email.strip().lower()
    if ctx.users.by_email(email) is not None:
        raise Conflict(EMAIL_TAKEN, {"email": "This e-mail address is already used."})
    first_name, last_name = first_name.strip(), last_name.strip()
    user = User(id=user_id or new_id(), email=email, first_name=first_name, last_name=last_name,
                password_hash=ctx.passwords.hash(password), search_key=search_key(first_name, last_name),
                created_at=ctx.now(), phone=phone, rpps=rpps)
    try:
        ctx.users.add(user)
    except AlreadyExists:  # another request took the address between the check and the write
        raise Conflict(EMAIL_TAKEN, {"email": "This e-mail address is already used."}) from None
    return user


def join_structure(ctx: IdentityContext, structure_id: str, user: User, role: str, profession: str) -> Membership:
    """Make ``user`` an active member and announce it (``member_joined``) in the same write."""
    membership = Membership(id=new_id(), structure_id=structure_id, user_id=user.id, role=role,
                            profession=profession, joined_at=ctx.now())
    try:
        return ctx.memberships.join(membership, [member_joined(membership, user)])
    except AlreadyExists:
        raise Conflict("This person is already a member of the structure.") from None


def _add_structure(ctx: IdentityContext, fields: dict) -> Structure:
    for slug in slug_candidates(fields["name"]):
        if ctx.structures.by_slug(slug) is not None:
            continue
        structure = Structure(id=new_id(), kind=fields["kind"], name=fields["name"], slug=slug,
                              address=dict(fields["address"]), created_at=ctx.now(),
                              finess=fields.get("finess"), phone=fields.get("phone"),
                              opening_hours=[dict(h) for h in fields.get("opening_hours") or []])
        try:
            ctx.structures.add(structure)
            return structure
        except AlreadyExists:  # taken by a concurrent signup: try the next suffix
            continue
    raise Conflict("Too many structures already have this name; choose a more specific one.",
                   {"structure.name": "Choose a more specific name."})


def get_structure(ctx: IdentityContext, structure_id: str) -> Structure:
    structure = ctx.structures.get(structure_id)
    if structure is None:
        raise NotFound("Structure not found.")
    return structure


def update_structure(ctx: IdentityContext, actor_id: str, structure_id: str, changes: dict) -> Structure:
    """Change only the fields sent; the slug never changes (it is the public site's URL)."""
    require_coordinator(ctx, structure_id, actor_id)
    structure = get_structure(ctx, structure_id)
    changes = dict(changes)
    if "address" in changes:
        changes["address"] = _complete_address(structure.address, changes["address"])
    if "opening_hours" in changes:
        changes["opening_hours"] = _complete_opening_hours(changes["opening_hours"])
    if not changes:
        return structure
    for name, value in changes.items():
        setattr(structure, name, value)
    ctx.structures.update(structure_id, changes, [structure_updated(structure)])
    ctx.audit("structure.updated", actor_id=actor_id, structure_id=structure_id, target=structure_id,
              fields=sorted(changes))
    return structure


def _complete_address(current: dict, sent: dict) -> dict:
    address = {"line2": "", **current, **sent}
    missing = {f"address.{key}": "Missing data for required field."
               for key in ("line1", "postcode", "city") if not address.get(key)}
    if missing:
        raise Invalid("The address is incomplete.", missing)
    return address


def _complete_opening_hours(hours: list[dict]) -> list[dict]:
    for index, slot in enumerate(hours):
        missing = [key for key in ("day", "opens", "closes") if key not in slot]
        if missing:
            raise Invalid("Opening hours need a day, an opening and a closing time.",
                          {f"opening_hours.{index}": f"Missing: {', '.join(missing)}."})
    return [dict(slot) for slot in hours]


def get_me(ctx: IdentityContext, user_id: str) -> Me:
    user = ctx.users.get(user_id)
    if user is None:
        raise NotFound("User not found.")
    summaries = []
    for membership in ctx.memberships.active_for_user(user_id):
        structure = ctx.structures.get(membership.structure_id)
        if structure is not None:
            summaries.append(MembershipSummary(structure_id=structure.id, structure_name=structure.name,
                                               structure_kind=structure.kind, structure_slug=structure.slug,
                                               role=membership.role, profession=membership.profession))
    summaries.sort(key=lambda s: s.structure_name.casefold())
    return Me(user=user, memberships=summaries)


def update_profile(ctx: IdentityContext, user_id: str, changes: dict) -> User:
    user = ctx.users.get(user_id)
    if user is None:
        raise NotFound("User not found.")
    changes = {name: value.strip() if isinstance(value, str) and name.endswith("_name") else value
               for name, value in changes.items()}
    for name, value in changes.items():
        setattr(user, name, value)
    if "first_name" in changes or "last_name" in changes:
        user.search_key = changes["search_key"] = search_key(user.first_name, user.last_name)
    if changes:
        ctx.users.update(user_id, changes)
    return user

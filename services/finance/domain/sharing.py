"""The live distribution: the policy coordinators set, the ledger of each member's share, its
recomputation when something changes (events, policy, declaration, payments, overrides), and
the history that explains last year's figures (docs/adr/0010).

A recomputation is a pure function of what is stored (policy, declaration, evidence,
payments, catalogue); it reads the ledger's version first and writes conditionally on it,
retrying when another recomputation won. So an event stored while a policy edit recomputes is
never lost: whichever write comes last read everything stored before it started.
"""
from __future__ import annotations

import copy
from datetime import date

from maillage_shared.errors import Invalid, ServiceUnavailable

from . import access
from .context import FinanceContext
from .distribution import compute_distribution, validate_policy
from .model import CoordinationTime, Ledger, MeetingFigures, ProtocolRecord

MAX_ATTEMPTS = 20
DEFAULT_POLICY = {"basis": "expected", "fixed_amount_cents": None,
                  "reserve": {"kind": "none", "amount_cents": 0, "percent": 0, "label": ""}, "keys": [],
                  "deliverables": {"per_protocol_cents": 0, "per_mission_cents": 0, "protocol_authors": {}},
                  "manual_amounts": [], "pass_cap_excess": "redistribute", "note": ""}
EVENT_TYPE = "finance.distribution_updated.v1"


# Computing a year's state ------------------------------------------------------------------

def year_kind(ctx: FinanceContext, structure_id: str, year: int) -> str | None:
    """The structure kind recorded with the year's declaration or policy (the event path asks
    no other service)."""
    for stored in (ctx.declarations.get(structure_id, year), ctx.policies.get(structure_id, year)):
        if stored and stored.get("structure_kind"):
            return stored["structure_kind"]
    return None


def policy_of(ctx: FinanceContext, structure_id: str, year: int) -> tuple[dict, dict | None]:
    stored = ctx.policies.get(structure_id, year)
    policy = copy.deepcopy(DEFAULT_POLICY)
    if stored:
        policy.update(stored["policy"])
    return policy, stored


def compute_state(ctx: FinanceContext, structure_id: str, year: int, kind: str) -> dict:
    from .files import compute_year

    year_data = compute_year(ctx, structure_id, year, kind)
    policy, stored_policy = policy_of(ctx, structure_id, year)
    remuneration = year_data["remuneration"]
    if policy["basis"] == "received":
        received = sum(p.amount_cents * (-1 if p.kind == "repayment" else 1)
                       for p in ctx.payments.for_year(structure_id, year))
        amount = max(received, 0)
    elif policy["basis"] == "fixed":
        amount = policy.get("fixed_amount_cents") or 0
    else:
        amount = remuneration["totals"]["amount_cents"]
    pass_cap, pass_year = ctx.pass_cents(year) if kind == "cpts" else (None, None)
    distribution = compute_distribution(policy, amount, year_data["evidence"], year_data["declaration"], year,
                                        pass_cap)
    return {**distribution, "basis": policy["basis"], "pass_year": pass_year,
            "policy_version": stored_policy["version"] if stored_policy else 0,
            "declaration_version": year_data["stored"]["version"] if year_data["stored"] else 0,
            "earned_cents": remuneration["totals"]["amount_cents"], "catalogue_id": remuneration["catalogue"]["id"]}


def _same(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items()} == {k: v for k, v in b.items()}


def _changes(before: dict | None, after: dict) -> list[dict]:
    old = {s["user_id"]: s["amount_cents"] for s in (before or {}).get("shares", [])}
    new = {s["user_id"]: s["amount_cents"] for s in after["shares"]}
    return [{"user_id": user_id, "before_cents": old.get(user_id, 0), "after_cents": new.get(user_id, 0)}
            for user_id in sorted(set(old) | set(new)) if old.get(user_id, 0) != new.get(user_id, 0)]


def recompute(ctx: FinanceContext, structure_id: str, year: int, cause: dict) -> Ledger | None:
    """Bring the ledger of (structure, year) up to date; None when the year has neither a
    declaration nor a policy yet (the evidence is kept; it counts as soon as one is saved)."""
    kind = year_kind(ctx, structure_id, year)
    if kind is None:
        return None
    # The change that called us is stored: once a ledger has read a generation at least this
    # one, it reflects that change — whoever computed it (many events coalesce into one write).
    needed = ctx.ledgers.bump(structure_id, year)
    with ctx.serialize((structure_id, year)):
        for _ in range(MAX_ATTEMPTS):
            current = ctx.ledgers.get(structure_id, year)
            if current is not None:
                ctx.ledgers.keep_history(current)  # a crash after the ledger write must not lose its history line
                if current.generation >= needed:
                    return current
            generation = ctx.ledgers.generation(structure_id, year)
            state = compute_state(ctx, structure_id, year, kind)
            if current is not None and _same(current.state, state):
                ctx.ledgers.mark_generation(structure_id, year, current.version, generation)
                return current
            version = (current.version if current else 0) + 1
            changes = _changes(current.state if current else None, state)
            ledger = Ledger(structure_id=structure_id, year=year, version=version, state=state, computed_at=ctx.now(),
                            cause={**cause, "changes": changes}, structure_kind=kind, catalogue_id=state["catalogue_id"],
                            generation=generation)
            event = ctx.make_event(EVENT_TYPE, structure_id, {
                "year": year, "version": version, "amount_cents": state["amount_cents"],
                "reserve_cents": state["reserve_cents"], "distributed_cents": state["distributed_cents"],
                "undistributed_cents": state["undistributed_cents"],
                "shares": [{"user_id": s["user_id"], "amount_cents": s["amount_cents"]} for s in state["shares"]],
                "cause": {k: v for k, v in cause.items() if k != "changes"}})
            if ctx.ledgers.write(ledger, current.version if current else 0, [event]):
                ctx.ledgers.keep_history(ledger)
                return ledger
    raise ServiceUnavailable("The shares are being recomputed by many changes at once; try again.")


def recompute_known_years(ctx: FinanceContext, structure_id: str, years: set[int], cause: dict) -> list[int]:
    known = set(ctx.declarations.years(structure_id)) | set(ctx.policies.years(structure_id))
    done = []
    for year in sorted(years & known):
        if recompute(ctx, structure_id, year, cause) is not None:
            done.append(year)
    return done


# Events from the other services --------------------------------------------------------------

def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def on_event(ctx: FinanceContext, event: dict, payload: dict) -> dict:
    """Apply one event (already validated against its contract); idempotent: a re-delivered
    or older event changes nothing and recomputes nothing."""
    event_id, event_type, structure_id = event["event_id"], event["type"], event.get("structure_id")
    if not structure_id or ctx.processed.seen(event_id):
        return {"event_id": event_id, "handled": False, "recomputed": []}
    years: set[int] = set()
    if event_type == "meetings.meeting_closed.v1":
        figures = MeetingFigures(
            meeting_id=payload["meeting_id"], structure_id=structure_id, revision=payload["revision"],
            status="closed", kind=payload["kind"], title=payload["title"], date=_date(payload["date"]),
            duration_minutes=payload["duration_minutes"], case_counts=dict(payload["case_counts"]),
            participants=[dict(p) for p in payload["participants"]], project_id=payload.get("project_id"))
        changed, replaced = ctx.evidence.meeting_closed(figures)
        if changed:
            years.add(figures.date.year)
            if replaced is not None and replaced.date is not None:
                years.add(replaced.date.year)
    elif event_type == "meetings.meeting_reopened.v1":
        withdrawn = ctx.evidence.meeting_reopened(structure_id, payload["meeting_id"], payload["revision"])
        if withdrawn is not None and withdrawn.date is not None:
            years.add(withdrawn.date.year)
    elif event_type == "meetings.coordination_time_recorded.v1":
        record = CoordinationTime(time_id=payload["time_id"], structure_id=structure_id, user_id=payload["user_id"],
                                  profession=payload["profession"], date=_date(payload["date"]),
                                  minutes=payload["minutes"], label=payload["label"])
        if ctx.evidence.time_recorded(record):
            years.add(record.date.year)
    elif event_type == "meetings.coordination_time_deleted.v1":
        deleted = ctx.evidence.time_deleted(structure_id, payload["time_id"])
        if deleted is not None and deleted.date is not None:
            years.add(deleted.date.year)
    elif event_type == "documents.protocol_validated.v1":
        protocol = ProtocolRecord(document_id=payload["document_id"], structure_id=structure_id,
                                  title=payload["title"], aci_theme=payload.get("aci_theme"),
                                  professions=list(payload.get("professions") or []),
                                  ipa_involved=bool(payload.get("ipa_involved")),
                                  validated_on=_date(payload["validated_on"]), version=payload["version"])
        if ctx.evidence.protocol_validated(protocol):
            known = set(ctx.declarations.years(structure_id)) | set(ctx.policies.years(structure_id))
            years |= {y for y in known if y >= protocol.validated_on.year}
    cause = {"kind": "event", "type": event_type, "event_id": event_id}
    recomputed = recompute_known_years(ctx, structure_id, years, cause) if years else []
    ctx.processed.mark(event)
    return {"event_id": event_id, "handled": bool(years), "recomputed": recomputed}


# The policy -----------------------------------------------------------------------------------

def policy_view(policy: dict, stored: dict | None, year: int, kind: str) -> dict:
    return {**policy, "year": year, "structure_kind": kind, "version": stored["version"] if stored else 0,
            "updated_at": stored.get("updated_at") if stored else None,
            "updated_by": stored.get("updated_by") if stored else None}


def get_policy(ctx: FinanceContext, actor_id: str, structure_id: str, year: int) -> dict:
    from .files import check_year

    access.require_reader(ctx, structure_id, actor_id)
    check_year(year)
    kind = ctx.directory.structure(structure_id)["kind"]
    ctx.catalogue(kind, year)
    policy, stored = policy_of(ctx, structure_id, year)
    return policy_view(policy, stored, year, kind)


def set_policy(ctx: FinanceContext, actor_id: str, structure_id: str, year: int, policy: dict) -> dict:
    from .files import check_year, diff_fields

    access.require_coordinator(ctx, structure_id, actor_id)
    check_year(year)
    kind = ctx.directory.structure(structure_id)["kind"]
    ctx.catalogue(kind, year)
    errors = validate_policy(policy, kind)
    members = {m["user_id"] for m in ctx.directory.members(structure_id)}
    for index, key in enumerate(policy.get("keys") or []):
        strangers = [u for u in key.get("user_ids") or [] if u not in members]
        if strangers:
            errors[f"keys.{index}.user_ids"] = "Only members of the structure can have a share."
    for index, manual in enumerate(policy.get("manual_amounts") or []):
        if manual["user_id"] not in members:
            errors[f"manual_amounts.{index}.user_id"] = "This person is not a member of the structure."
    for document_id, authors in ((policy.get("deliverables") or {}).get("protocol_authors") or {}).items():
        if any(a not in members for a in authors):
            errors[f"deliverables.protocol_authors.{document_id}"] = "Only members of the structure can be authors."
    if errors:
        raise Invalid("Invalid distribution policy: " + ", ".join(sorted(errors)), errors)
    before, stored = policy_of(ctx, structure_id, year)
    changes = diff_fields(before, policy) if stored else [{"field": "policy", "before": None, "after": "created"}]
    version = ctx.policies.save(structure_id, year, kind, policy, actor_id, ctx.now(),
                                {"by": actor_id, "at": ctx.now(), "changes": changes})
    ctx.audit("policy.changed", actor_id=actor_id, structure_id=structure_id, year=year, version=version,
              changes=changes)
    recompute(ctx, structure_id, year, {"kind": "policy", "by": actor_id, "policy_version": version})
    return get_policy(ctx, actor_id, structure_id, year)


# Reading the shares ---------------------------------------------------------------------------

def current_state(ctx: FinanceContext, structure_id: str, year: int, kind: str) -> tuple[dict, int, object]:
    """The ledger's state, or a preview when nothing was saved for the year yet."""
    ledger = ctx.ledgers.get(structure_id, year)
    if ledger is not None:
        return ledger.state, ledger.version, ledger.computed_at
    return compute_state(ctx, structure_id, year, kind), 0, None


def distribution_view(ctx: FinanceContext, actor_id: str, structure_id: str, year: int) -> dict:
    from .files import check_year

    role = access.require_reader(ctx, structure_id, actor_id)
    check_year(year)
    kind = ctx.directory.structure(structure_id)["kind"]
    ctx.catalogue(kind, year)
    state, version, computed_at = current_state(ctx, structure_id, year, kind)
    people = {m["user_id"]: m for m in ctx.directory.members(structure_id)}
    shares = [_named(share, people) for share in state["shares"]]
    mine = next((s for s in shares if s["user_id"] == actor_id), None)
    everyone = role == access.COORDINATOR
    return {**{k: state[k] for k in ("basis", "amount_cents", "reserve_cents", "reserve_label", "fixed_cents",
                                     "distributed_cents", "undistributed_cents", "undistributed_reasons", "keys",
                                     "pass_cap_cents", "pass_year", "policy_version", "warnings")},
            "year": year, "structure_kind": kind, "scope": "structure" if everyone else "self", "version": version,
            "computed_at": computed_at, "members": len(shares),
            "shares": shares if everyone else ([mine] if mine else []), "my_share": mine}


def _named(share: dict, people: dict) -> dict:
    person = people.get(share["user_id"]) or {}
    return {**share, "first_name": person.get("first_name"), "last_name": person.get("last_name"),
            "profession": share.get("profession") or person.get("profession")}


def history(ctx: FinanceContext, actor_id: str, structure_id: str, year: int, limit: int = 100) -> dict:
    from .files import check_year

    access.require_coordinator(ctx, structure_id, actor_id)
    check_year(year)
    audit = ctx.audit_entries.for_structure(structure_id, year, limit)
    return {"year": year, "recomputations": ctx.ledgers.history(structure_id, year, limit),
            "policy_changes": ctx.policies.changes(structure_id, year, limit),
            "audit": [{"id": e.id, "at": e.at, "action": e.action, "actor_id": e.actor_id, "year": e.year,
                       "details": e.details} for e in audit]}


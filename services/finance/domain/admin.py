"""Instance admins replace catalogue values (once checked against the official text) without
a code change; every change is audited: who, when, old → new, reason (docs/adr/0009)."""
from __future__ import annotations

from maillage_shared.errors import Invalid, NotFound

from . import access, sharing
from .context import FinanceContext


def list_catalogues(ctx: FinanceContext, actor_id: str) -> list[dict]:
    access.require_instance_admin(ctx, actor_id)
    overrides = ctx.overrides.all()
    answer = []
    for base in ctx.catalogues.all():
        catalogue = base.with_overrides(overrides.get(base.id, {}))
        answer.append({"id": catalogue.id, "title": catalogue.title, "legal_text": catalogue.legal_text,
                       "unit": catalogue.unit, "years": {"from": catalogue.year_from, "to": catalogue.year_to},
                       "structure_kinds": list(catalogue.structure_kinds),
                       "values": [{"path": v.path, "value": v.value, "grade": v.grade, "source": v.source_text,
                                   "note": v.note, "overridden": v.overridden, "original": v.original}
                                  for _, v in sorted(catalogue.values.items())]})
    return answer


def override_value(ctx: FinanceContext, actor_id: str, request: dict) -> dict:
    access.require_instance_admin(ctx, actor_id)
    base = ctx.catalogues.by_id(request["catalogue_id"])
    if base is None:
        raise NotFound("No such catalogue.")
    path = request["path"]
    sourced = base.get(path)
    if sourced is None:
        raise Invalid("Unknown value path.", {"path": f"{base.id} has no value at {path}."})
    current = ctx.overrides.all().get(base.id, {})
    before = current.get(path, sourced.value)
    at = ctx.now()
    if request.get("clear"):
        ctx.overrides.clear(base.id, path, before, actor_id, request["reason"], at)
        after = sourced.value
    else:
        after = request.get("value")
        _check_value(sourced.value, after)
        ctx.overrides.set(base.id, path, after, before, actor_id, request["reason"], at)
    ctx.audit("catalogue.value_overridden", actor_id=actor_id, structure_id=None, catalogue_id=base.id, path=path,
              before=before, after=after, reason=request["reason"], cleared=bool(request.get("clear")))
    # Every ledger computed with this catalogue is brought up to date.
    for structure_id, year in ctx.ledgers.all_keys():
        kind = sharing.year_kind(ctx, structure_id, year)
        if kind is None:
            continue
        catalogue_id = base.id
        try:
            in_force = ctx.catalogues.for_year(kind, year).id
        except Invalid:
            continue
        if catalogue_id in (in_force, "pass"):
            sharing.recompute(ctx, structure_id, year, {"kind": "override", "by": actor_id, "catalogue_id": base.id,
                                                        "path": path})
    return {"catalogue_id": base.id, "path": path, "before": before, "after": after,
            "cleared": bool(request.get("clear")), "reason": request["reason"], "by": actor_id, "at": at}


def _check_value(original, value) -> None:
    if isinstance(original, str) or (original is None and isinstance(value, str)):
        if not isinstance(value, str) or not value:
            raise Invalid("Invalid value.", {"value": "Expected a text such as 04-30."})
        return
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise Invalid("Invalid value.", {"value": "Expected a whole number, 0 or more (points or cents), or null."})


def override_history(ctx: FinanceContext, actor_id: str, limit: int = 100) -> list[dict]:
    access.require_instance_admin(ctx, actor_id)
    return ctx.overrides.history(limit)

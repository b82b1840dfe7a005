"""Reading the audit log. Entries are written by each use case through ``ctx.audit``;
login events concern a person, not a structure, so a structure's log shows what
happened to the structure and its members."""
from __future__ import annotations

from maillage_shared.errors import Invalid

from .access import require_coordinator
from .context import IdentityContext
from .model import AuditEntry

MAX_ENTRIES = 500


def audit_log(ctx: IdentityContext, actor_id: str, structure_id: str, limit: int = 100) -> list[AuditEntry]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_ENTRIES:
        raise Invalid("Invalid input: limit", {"limit": f"Must be a whole number between 1 and {MAX_ENTRIES}."})
    require_coordinator(ctx, structure_id, actor_id)
    return ctx.audit_entries.for_structure(structure_id, limit)

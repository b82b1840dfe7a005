"""What every page of the application shell needs: the user, their structures, the current one.

Pages of a structure check the membership with identity first: a structure the user does
not belong to is "not found", exactly like one that does not exist.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Blueprint, g, render_template, request, session
from maillage_shared.errors import NotFound

from ..context import rpc
from .session import check_csrf, load_me, require_user

bp = Blueprint("web", __name__)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
CURRENT_STRUCTURE_KEY = "structure_id"
# Views that read their body as a stream (file uploads) check the CSRF token themselves: reading
# ``request.form`` here would buffer the whole file first.
STREAMED_FORMS: set[str] = set()


@bp.before_request
def protect_forms():
    """Every form of the web client carries the session's CSRF token."""
    g.web_page = True
    if request.method == "POST" and request.endpoint not in STREAMED_FORMS:
        check_csrf()


@dataclass
class Page:
    me: dict
    structure: dict | None = None  # the membership summary: structure_id, structure_name, structure_kind, role…
    membership: dict | None = None  # identity's answer to get_membership, on structure pages
    extra: dict = field(default_factory=dict)

    @property
    def user(self) -> dict:
        return self.me["user"]

    @property
    def user_id(self) -> str:
        return self.me["user"]["id"]

    @property
    def memberships(self) -> list[dict]:
        return self.me.get("memberships", [])

    @property
    def sid(self) -> str | None:
        return self.structure["structure_id"] if self.structure else None

    @property
    def role(self) -> str | None:
        if self.membership:
            return self.membership["role"]
        return self.structure["role"] if self.structure else None

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"


def user_page() -> Page:
    """A page of the user (home, profile): the current structure is the last one visited."""
    require_user()
    me = load_me()
    memberships = me.get("memberships", [])
    remembered = session.get(CURRENT_STRUCTURE_KEY)
    current = next((m for m in memberships if m["structure_id"] == remembered), None)
    if current is None and memberships:
        current = memberships[0]
    page = Page(me=me, structure=current)
    g.page = page
    return page


def structure_page(sid: str) -> Page:
    """A page of structure ``sid``: 404 unless the user is an active member of it."""
    user_id = require_user()
    if not _SAFE_ID.match(sid or ""):
        raise NotFound("Structure not found.")
    membership = rpc("identity", "get_membership", user_id, sid)
    me = load_me()
    summary = next((m for m in me.get("memberships", []) if m["structure_id"] == sid), None)
    if summary is None:  # joined a moment ago: the summary is not in this answer yet
        structure = rpc("identity", "get_structure", sid)
        summary = {"structure_id": sid, "structure_name": structure["name"], "structure_kind": structure["kind"],
                   "structure_slug": structure.get("slug", ""), "role": membership["role"],
                   "profession": membership["profession"]}
    if session.get(CURRENT_STRUCTURE_KEY) != sid:
        session[CURRENT_STRUCTURE_KEY] = sid
    page = Page(me=me, structure=summary, membership=membership)
    g.page = page
    return page


def render_page(template: str, page: Page, active: str = "", status: int = 200, **context):
    return render_template(template, page=page, active=active, **context), status

"""Per-request context: correlation id, the RPC helper, the authenticated user and tenant."""
from __future__ import annotations

import re
import uuid

from flask import current_app, g, request
from maillage_shared.errors import Forbidden, NotFound, Unauthorized

CORRELATION_HEADER = "X-Correlation-Id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
ROLE_RANK = {"guest": 0, "member": 1, "coordinator": 2}


def correlation_id() -> str:
    if "correlation_id" not in g:
        incoming = request.headers.get(CORRELATION_HEADER, "")
        g.correlation_id = incoming if _SAFE_ID.match(incoming) else str(uuid.uuid4())
    return g.correlation_id


def rpc(service: str, method: str, *args, **kwargs):
    """Call ``service.method`` through the pool, carrying the correlation id."""
    return current_app.extensions["rpc"].call(service, method, *args, correlation_id=correlation_id(), **kwargs)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def authenticate(token: str | None) -> str:
    """Verify an access token locally (public key) and remember the user id."""
    if not token:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <access token>'.")
    claims = current_app.extensions["token_verifier"].verify(token)
    g.user_id = claims.user_id
    g.session_id = claims.session_id
    return claims.user_id


def current_user_id() -> str:
    if "user_id" not in g:
        raise Unauthorized()
    return g.user_id


def require_membership(structure_id: str, role: str | None = None) -> dict:
    """The caller's membership of ``structure_id``; 404 if none (never reveal existence)."""
    if not _SAFE_ID.match(structure_id or ""):
        raise NotFound("Structure not found.")
    membership = rpc("identity", "get_membership", current_user_id(), structure_id)
    g.membership = membership
    if role is not None and ROLE_RANK.get(membership["role"], -1) < ROLE_RANK[role]:
        raise Forbidden(f"Only a {role} of this structure can do this.")
    return membership

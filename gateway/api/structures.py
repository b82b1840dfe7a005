"""A structure, its members and its audit log.

Sub-resources (``members/<uid>``) go to identity together with ``sid``: identity scopes
them by structure, so an id from another structure is simply not found.
"""
from __future__ import annotations

from flask import Blueprint
from maillage_shared.contracts.identity import (
    AuditEntrySchema,
    MemberSchema,
    MemberUpdateSchema,
    StructureSchema,
    StructureUpdateSchema,
)

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint

bp = Blueprint("identity_structures", __name__, url_prefix=API_PREFIX)


@endpoint(bp, "/structures/<sid>", "GET", summary="The structure", tags=["structures"], auth="tenant",
          response=StructureSchema())
def get_structure(sid):
    return rpc("identity", "get_structure", sid)


@endpoint(bp, "/structures/<sid>", "PATCH", summary="Update the structure (only the fields sent)",
          tags=["structures"], auth="tenant", role="coordinator", body=StructureUpdateSchema(),
          response=StructureSchema())
def update_structure(sid, body):
    return rpc("identity", "update_structure", current_user_id(), sid, body)


@endpoint(bp, "/structures/<sid>/members", "GET", summary="Members, sorted by last name", tags=["members"],
          auth="tenant", response=MemberSchema(many=True))
def list_members(sid):
    return rpc("identity", "list_members", sid)


@endpoint(bp, "/structures/<sid>/members/<uid>", "PATCH", summary="Change a member's role or profession",
          tags=["members"], auth="tenant", role="coordinator", body=MemberUpdateSchema(),
          response=MemberSchema(), errors=(409,),
          description="The last coordinator of a structure cannot be demoted.")
def update_member(sid, uid, body):
    return rpc("identity", "update_member", current_user_id(), sid, uid, body)


@endpoint(bp, "/structures/<sid>/members/<uid>", "DELETE", summary="Remove a member from the structure",
          tags=["members"], auth="tenant", role="coordinator", status=204, errors=(409,),
          description="The last coordinator of a structure cannot be removed.")
def remove_member(sid, uid):
    rpc("identity", "remove_member", current_user_id(), sid, uid)


@endpoint(bp, "/structures/<sid>/audit", "GET", summary="Security and administration events, newest first",
          tags=["audit"], auth="tenant", role="coordinator", response=AuditEntrySchema(many=True))
def audit_log(sid):
    return rpc("identity", "audit_log", current_user_id(), sid)

"""Declarative JSON endpoints: one decorator validates input with the contract schema,
authenticates, checks tenancy and role, and records the operation for OpenAPI.

    @endpoint(bp, "/structures/<sid>/members", "GET", summary="List members",
              auth="tenant", response=MemberSchema(many=True), tags=["members"])
    def list_members(sid):
        return rpc("identity", "list_members", sid)

The view receives path parameters, plus ``body`` (the validated JSON object, as sent) and
``query`` (the validated query-string values, as sent) when schemas are declared; the raw
values go on to the service, which loads them through the same schema.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from maillage_shared.contracts import load
from maillage_shared.errors import Invalid
from marshmallow import Schema

from ..context import authenticate, bearer_token, require_membership

API_PREFIX = "/api/v1"


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    tags: list[str]
    auth: str
    role: str | None
    body: Schema | None
    query: Schema | None
    response: Schema | None
    status: int
    description: str = ""
    errors: tuple[int, ...] = ()
    extra_responses: dict = field(default_factory=dict)
    resolves_structure: bool = False  # tenant endpoint whose structure comes from ``structure_of``
    raw_body: bool = False  # the body is a file's bytes, streamed by the view (never read here)
    binary_response: bool = False  # the answer is a file's bytes


OPERATIONS: list[Operation] = []


def _json_body() -> Any:
    # get_data, not request.data: the latter is empty for form-encoded bodies, which
    # would then pass for an empty JSON object instead of being refused.
    if not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise Invalid("Send the body as JSON (Content-Type: application/json).", {"body": "Expected JSON."})
    data = request.get_json(silent=True)
    if data is None:
        raise Invalid("The body is not valid JSON.", {"body": "Malformed JSON."})
    if not isinstance(data, dict):
        raise Invalid("The body must be a JSON object.", {"body": "Expected an object."})
    return data


def _query_values(schema: Schema) -> dict:
    known = {name: f.data_key or name for name, f in schema.fields.items()}
    return {key: request.args.get(key) for key in known.values() if request.args.get(key) not in (None, "")}


def endpoint(bp: Blueprint, rule: str, method: str, *, summary: str, tags: list[str], auth: str = "user",
             role: str | None = None, body: Schema | None = None, query: Schema | None = None,
             response: Schema | None = None, status: int = 200, description: str = "",
             errors: tuple[int, ...] = (), structure_of: Callable[[dict], str] | None = None,
             raw_body: bool = False, binary_response: bool = False) -> Callable:
    """Register a JSON endpoint. ``auth`` is "none", "user" (a valid access token) or
    "tenant" (a member of the structure named by the ``<sid>`` path parameter).

    Resources addressed without ``<sid>`` (``/projects/<pid>``) are tenant endpoints too:
    ``structure_of(path)`` returns the structure owning the resource (asking its service;
    NotFound → 404), and the caller must be a member of it. The structure id is then in
    ``g.structure_id`` and the membership in ``g.membership``.

    ``raw_body``: the request body is a file the view streams itself (documented as binary);
    ``binary_response``: the view answers a file's bytes."""
    assert auth in ("none", "user", "tenant")
    full_rule = (bp.url_prefix or "") + rule
    OPERATIONS.append(Operation(full_rule, method.upper(), summary, tags, auth, role, body, query, response,
                                status, description, errors, resolves_structure=structure_of is not None,
                                raw_body=raw_body, binary_response=binary_response))

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**path):
            if auth in ("user", "tenant"):
                authenticate(bearer_token())
            if auth == "tenant":
                g.structure_id = path["sid"] if structure_of is None else structure_of(path)
                require_membership(g.structure_id, role)
            kwargs = dict(path)
            if body is not None:
                raw = _json_body()
                load(body, raw)
                kwargs["body"] = raw
            if query is not None:
                raw_query = _query_values(query)
                load(query, raw_query)
                kwargs["query"] = raw_query
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            if result is None and status == 204:
                return Response(status=204)
            response_obj = jsonify(result)
            response_obj.status_code = status
            return response_obj

        bp.add_url_rule(rule, view.__name__, wrapper, methods=[method.upper()])
        return wrapper

    return decorator

"""The OpenAPI 3 document, generated from the same contract schemas the code uses.

``python -m gateway.openapi > docs/openapi.json`` regenerates the committed copy; a test
fails when the committed copy is stale.
"""
from __future__ import annotations

import json
import re
import sys

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .api import API_PREFIX, OPERATIONS

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}},
}
STATUS_TEXT = {400: "Invalid input (fields named)", 401: "Not authenticated", 403: "Not allowed",
               404: "Not found (or not yours)", 409: "Conflict", 410: "Expired or already used",
               413: "Larger than allowed", 415: "The content does not match its declared type",
               429: "Too many attempts", 503: "A service is temporarily unavailable"}
BINARY = {"type": "string", "format": "binary"}


def _schema_name(resolver_schema) -> str:
    cls = resolver_schema if isinstance(resolver_schema, type) else type(resolver_schema)
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") else name


def _operation_id(method: str, path: str) -> str:
    """``get_structures_sid_members``: an identifier client generators can turn into a method name."""
    return method.lower() + "_" + re.sub(r"[^A-Za-z0-9]+", "_", path.removeprefix(API_PREFIX)).strip("_")


def build_spec() -> dict:
    import gateway.app  # noqa: F401 - importing it imports every blueprint, which records its operations

    spec = APISpec(title="Maillage API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": "Coordination platform for French primary-care teams. "
                                        "All times are UTC; dates are ISO 8601. Errors share one envelope."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", ERROR_SCHEMA)
    paths: dict[str, dict] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.rule, o.method)):
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", op.rule)
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"{([a-z_]+)}", path)]
        operation: dict = {"summary": op.summary, "tags": op.tags, "operationId": _operation_id(op.method, path),
                           "responses": {}}
        if op.description:
            operation["description"] = op.description
        if op.query is not None:
            params.append({"in": "query", "schema": op.query})
        if params:
            operation["parameters"] = params
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        if op.raw_body:
            operation["requestBody"] = {"required": True, "content": {"application/octet-stream": {"schema": BINARY}}}
        if op.binary_response:
            operation["responses"][str(op.status)] = {"description": "The file's bytes",
                                                      "content": {"application/octet-stream": {"schema": BINARY}}}
        elif op.response is not None:
            operation["responses"][str(op.status)] = {"description": "OK",
                                                      "content": {"application/json": {"schema": op.response}}}
        else:
            operation["responses"][str(op.status)] = {"description": "Done"}
        codes = set(op.errors)
        if op.body is not None or op.query is not None:
            codes.add(400)
        if op.auth != "none":
            codes.add(401)
        if op.auth == "tenant":
            codes.add(404)
        if op.role:
            codes.add(403)
        codes.add(503)
        for code in sorted(codes):
            operation["responses"][str(code)] = {
                "description": STATUS_TEXT.get(code, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        if op.auth != "none":
            operation["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[op.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def render() -> str:
    return json.dumps(build_spec(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())

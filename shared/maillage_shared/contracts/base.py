"""Base schema and helpers shared by all contracts."""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError

from ..errors import Invalid


class ContractSchema(Schema):
    """A contract schema: unknown fields are rejected, examples are attached.

    ``EXAMPLES`` lists payloads that must load without error; contract tests run them
    through producers and consumers.
    """

    EXAMPLES: list[dict] = []

    class Meta:
        unknown = RAISE
        ordered = True


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """Turn marshmallow's nested messages into {"field.sub": "message"}."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            flat.update(_flatten(value, name))
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_schema"] = " ".join(messages)
        else:
            for m in messages:
                flat.update(_flatten(m, prefix))
    else:
        flat[prefix or "_schema"] = str(messages)
    return flat


def validation_error(err: ValidationError) -> Invalid:
    fields = _flatten(err.messages)
    names = ", ".join(sorted(fields))
    return Invalid(f"Invalid input: {names}", fields)


def load(schema: Schema, data: Any, **kwargs) -> Any:
    """Load ``data`` through ``schema``; raise ``Invalid`` naming each bad field."""
    if data is None:
        data = {}
    try:
        return schema.load(data, **kwargs)
    except ValidationError as err:
        raise validation_error(err) from None


def dump(schema: Schema, obj: Any, **kwargs) -> Any:
    return schema.dump(obj, **kwargs)

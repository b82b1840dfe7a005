"""Map domain dataclasses to stored documents and back.

The Mongo-wire server used in development hands back some values in other types than
were written (see docs/adr/0003): booleans as 1/0, datetimes written by ``$set`` as
strings, and it cannot store ``date``. Reading through the dataclass's type hints turns
them back into what the domain expects, so domain code never sees those quirks.
"""
from __future__ import annotations

import dataclasses
import typing
from datetime import date, datetime
from functools import cache
from typing import Any


@cache
def field_kinds(cls: type) -> dict[str, str]:
    """``{"field": "datetime" | "date" | "bool" | "int" | "plain"}`` from the type hints."""
    kinds = {}
    for name, hint in typing.get_type_hints(cls).items():
        options = typing.get_args(hint) or (hint,)
        kinds[name] = ("datetime" if datetime in options else "date" if date in options
                       else "bool" if bool in options else "int" if int in options else "plain")
    return kinds


def store(value: Any) -> Any:
    """A value as it is written: dates (not datetimes) as ISO strings."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def stored_changes(changes: dict) -> dict:
    return {name: store(value) for name, value in changes.items()}


def read(kind: str, value: Any) -> Any:
    """A stored value back in the type the domain declared."""
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "").replace(" ", "T"))
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        return date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    return value


def to_document(entity: Any) -> dict:
    """A dataclass as a document; its ``id`` becomes ``_id``."""
    return {("_id" if f.name == "id" else f.name): store(getattr(entity, f.name))
            for f in dataclasses.fields(entity)}


def from_document(cls: type, doc: dict | None) -> Any:
    """A document as an instance of the dataclass ``cls`` (None stays None); fields the
    document lacks take their default, or None when they have none."""
    if doc is None:
        return None
    kinds, values = field_kinds(cls), {}
    for f in dataclasses.fields(cls):
        key = "_id" if f.name == "id" else f.name
        if key in doc:
            values[f.name] = read(kinds[f.name], doc[key])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = None
    return cls(**values)

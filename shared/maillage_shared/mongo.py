"""MongoDB access helpers. Each service owns one database: ``<prefix><service>``."""
from __future__ import annotations

from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from .settings import Settings


def connect(settings: Settings, **kwargs: Any) -> MongoClient:
    options = {"serverSelectionTimeoutMS": 5000, "connectTimeoutMS": 5000, "tz_aware": False,
               "uuidRepresentation": "standard"}
    options.update(kwargs)
    return MongoClient(settings.mongo_uri, **options)


def service_database(client: MongoClient, settings: Settings, service: str) -> Database:
    return client[settings.database_name(service)]


def public(document: dict | None, *, id_field: str = "id") -> dict | None:
    """A stored document without internal fields, ``_id`` renamed to ``id``."""
    if document is None:
        return None
    out = {k: v for k, v in document.items() if not k.startswith("_")}
    out[id_field] = document["_id"]
    return out


def as_bool(value: Any) -> bool:
    """Booleans written by ``$set`` on the Mongo-wire server read back as 1/0."""
    return bool(value)

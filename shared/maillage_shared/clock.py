"""Time and identifiers. Store UTC, display Europe/Paris; ids are UUID strings."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """Naive UTC, second precision kept to the millisecond like MongoDB stores it."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


def as_utc(value: datetime) -> datetime:
    """Naive UTC from any datetime (the Mongo-wire server returns naive UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def new_id() -> str:
    return str(uuid.uuid4())

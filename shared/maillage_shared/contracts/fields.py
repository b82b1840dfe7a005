"""Field types and validators used across contracts (French identifiers, UTC times…)."""
from __future__ import annotations

import re
from datetime import datetime

from marshmallow import ValidationError, fields, validate

from ..clock import as_utc


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_rpps(value: str) -> None:
    """RPPS: 11 digits, the last one a Luhn check key."""
    if not re.fullmatch(r"\d{11}", value or ""):
        raise ValidationError("An RPPS number has exactly 11 digits.")
    if not luhn_valid(value):
        raise ValidationError("This RPPS number's check digit is wrong.")


def validate_finess(value: str) -> None:
    """FINESS: 9 characters (digits, or 2A/2B for Corsica followed by 7 digits)."""
    if not re.fullmatch(r"(\d{2}|2A|2B)\d{7}", value or ""):
        raise ValidationError("A FINESS number has 9 characters (digits, 2A or 2B for Corsica).")


PHONE_RE = re.compile(r"^\+?[0-9 .()-]{6,20}$")
POSTCODE_RE = re.compile(r"^\d{5}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Email(fields.Email):
    """An e-mail address, stored lower-cased and stripped."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value.strip() if isinstance(value, str) else value, attr, data, **kwargs)
        return value.lower()


def Name(**kwargs) -> fields.String:  # noqa: N802 - a field factory reads like a type
    return fields.String(validate=validate.Length(min=1, max=120), **kwargs)


class StrippedString(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return value.strip()


class UtcDateTime(fields.DateTime):
    """A point in time, always sent as RFC 3339 UTC (``2026-11-23T08:00:00Z``).

    Stored values are naive UTC (that is what the Mongo-wire server returns); without the
    ``Z`` a browser would read them as local time and shift them by an hour or two.
    """

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return as_utc(value).isoformat(timespec="seconds") + "Z"

    def _deserialize(self, value, attr, data, **kwargs):
        return as_utc(super()._deserialize(value, attr, data, **kwargs))

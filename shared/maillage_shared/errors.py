"""Typed domain errors, one family for the whole platform.

Services raise them; Nameko carries them over RPC (each class is registered as
deserialisable, so the gateway receives the same type back, not a RemoteError);
the gateway maps them to HTTP once, in its error table.
Constructor arguments are kept JSON-friendly because they cross the wire as ``exc_args``.
"""
from __future__ import annotations


class MaillageError(Exception):
    code = "error"
    http_status = 500

    def __init__(self, message: str = "", fields: dict | None = None):
        super().__init__(message, fields or {})
        self.message = message or self.default_message()
        self.fields = dict(fields or {})

    @classmethod
    def default_message(cls) -> str:
        return cls.__doc__.strip().splitlines()[0] if cls.__doc__ else cls.code

    def __str__(self) -> str:
        return self.message


class Invalid(MaillageError):
    """The request is invalid."""
    code = "invalid"
    http_status = 400


class Unauthorized(MaillageError):
    """Authentication is required or has failed."""
    code = "unauthorized"
    http_status = 401


class Forbidden(MaillageError):
    """You are not allowed to do this."""
    code = "forbidden"
    http_status = 403


class NotFound(MaillageError):
    """Not found."""
    code = "not_found"
    http_status = 404


class Conflict(MaillageError):
    """This conflicts with the current state."""
    code = "conflict"
    http_status = 409


class Gone(MaillageError):
    """This link has expired or was already used."""
    code = "gone"
    http_status = 410


class PayloadTooLarge(MaillageError):
    """This is larger than allowed."""
    code = "too_large"
    http_status = 413


class UnsupportedMediaType(MaillageError):
    """This kind of content is not accepted here."""
    code = "unsupported_media_type"
    http_status = 415


class TooManyRequests(MaillageError):
    """Too many attempts; try again later."""
    code = "too_many_requests"
    http_status = 429


class ServiceUnavailable(MaillageError):
    """A service is temporarily unavailable."""
    code = "service_unavailable"
    http_status = 503


DOMAIN_ERRORS: tuple[type[MaillageError], ...] = (
    Invalid, Unauthorized, Forbidden, NotFound, Conflict, Gone, PayloadTooLarge, UnsupportedMediaType,
    TooManyRequests, ServiceUnavailable,
)


def register_with_nameko() -> None:
    """Make Nameko deserialise our errors into their own types (called by the nameko module)."""
    from nameko.exceptions import deserialize_to_instance

    for exc_type in DOMAIN_ERRORS:
        deserialize_to_instance(exc_type)

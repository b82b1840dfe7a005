"""Contracts: the schema of every RPC payload and every event, each with example payloads.

Producers and consumers both test against the examples; the gateway builds its OpenAPI
document from the same schemas.
"""
from .base import ContractSchema, dump, load, validation_error  # noqa: F401

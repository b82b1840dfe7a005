"""The documents bounded context's JSON API: documents and their versions (files streamed
through the gateway, ADR 7), folders, trash, team protocols and the instance's library."""
from __future__ import annotations

from flask import Blueprint

from . import document_files, protocols


def blueprints() -> list[Blueprint]:
    return [document_files.bp, protocols.bp]

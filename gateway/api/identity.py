"""The identity bounded context's JSON API: accounts, structures and members, invitations,
directory and availability, reference lists."""
from __future__ import annotations

from flask import Blueprint

from . import auth, directory, invitations, reference, structures


def blueprints() -> list[Blueprint]:
    return [auth.bp, structures.bp, invitations.bp, directory.bp, reference.bp]

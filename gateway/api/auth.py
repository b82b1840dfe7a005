"""Accounts: sign-up of a structure and its first coordinator, sessions, the caller's profile."""
from __future__ import annotations

from flask import Blueprint, request
from maillage_shared.contracts.identity import (
    LoginRequestSchema,
    MeSchema,
    ProfileUpdateSchema,
    RefreshRequestSchema,
    SignupRequestSchema,
    SignupResultSchema,
    TokenPairSchema,
    UserSchema,
)

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint

bp = Blueprint("identity_auth", __name__, url_prefix=API_PREFIX)


@endpoint(bp, "/signup", "POST", summary="Create a structure and its first coordinator (logged in)",
          tags=["auth"], auth="none", body=SignupRequestSchema(), response=SignupResultSchema(), status=201,
          errors=(409,))
def signup(body):
    return rpc("identity", "signup", body, request.remote_addr)


@endpoint(bp, "/auth/login", "POST", summary="Log in with e-mail and password", tags=["auth"], auth="none",
          body=LoginRequestSchema(), response=TokenPairSchema(), errors=(401, 429),
          description="Unknown e-mail and wrong password get the same answer; repeated failures are throttled.")
def login(body):
    return rpc("identity", "login", body, request.remote_addr)


@endpoint(bp, "/auth/refresh", "POST", summary="Exchange a refresh token for a new token pair", tags=["auth"],
          auth="none", body=RefreshRequestSchema(), response=TokenPairSchema(), errors=(401,),
          description="Refresh tokens rotate: reusing an old one revokes the whole session.")
def refresh(body):
    return rpc("identity", "refresh", body)


@endpoint(bp, "/auth/logout", "POST", summary="End the session of a refresh token", tags=["auth"], auth="none",
          body=RefreshRequestSchema(), status=204)
def logout(body):
    rpc("identity", "logout", body)


@endpoint(bp, "/me", "GET", summary="The caller and the structures they belong to", tags=["account"],
          response=MeSchema(), errors=(404,))
def get_me():
    return rpc("identity", "get_me", current_user_id())


@endpoint(bp, "/me", "PATCH", summary="Update the caller's profile", tags=["account"], body=ProfileUpdateSchema(),
          response=UserSchema(), errors=(404,))
def update_me(body):
    return rpc("identity", "update_profile", current_user_id(), body)

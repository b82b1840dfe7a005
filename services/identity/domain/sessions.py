"""Login, refresh-token rotation and logout.

A session is one login. Each refresh replaces its refresh token with a new one (the
family); presenting a token that was already replaced means it leaked or was stolen, so
the whole session is ended. Only token digests are stored.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from maillage_shared.clock import new_id
from maillage_shared.errors import TooManyRequests, Unauthorized
from maillage_shared.tokens import digest, new_opaque_token

from .context import IdentityContext
from .model import RefreshToken, Session
from .views import TokenPair

WRONG_CREDENTIALS = "Wrong e-mail address or password."
THROTTLED = "Too many failed login attempts; please wait a few minutes before trying again."
SESSION_ENDED = "Your session has ended; please log in again."


def login(ctx: IdentityContext, email: str, password: str, ip: str | None = None) -> TokenPair:
    """The same error whatever was wrong, so the answer never tells whether an account exists."""
    email = email.strip().lower()
    now = ctx.now()
    refuse_if_throttled(ctx, email, ip, now)
    user = ctx.users.by_email(email)
    if user is None:
        ctx.passwords.verify(ctx.decoy_hash(), password)  # spend the same time as for a real account
    if user is None or not ctx.passwords.verify(user.password_hash, password):
        ctx.login_failures.record(email, ip, now)
        ctx.audit("login.failed", target=user.id if user else None, email=email, ip=ip,
                  reason="unknown_email" if user is None else "wrong_password")
        raise Unauthorized(WRONG_CREDENTIALS)
    ctx.login_failures.clear_account(email)
    if ctx.passwords.needs_rehash(user.password_hash):
        ctx.users.update(user.id, {"password_hash": ctx.passwords.hash(password)})
    ctx.audit("login.succeeded", actor_id=user.id, target=user.id, ip=ip)
    return open_session(ctx, user.id, ip)


def refuse_if_throttled(ctx: IdentityContext, email: str, ip: str | None, now: datetime) -> None:
    since = now - timedelta(seconds=ctx.policy.login_failure_window_seconds)
    per_account = ctx.login_failures.count_for_account(email, since)
    per_ip = ctx.login_failures.count_for_ip(ip, since) if ip else 0
    if per_account >= ctx.policy.login_max_failures_per_account or per_ip >= ctx.policy.login_max_failures_per_ip:
        ctx.audit("login.throttled", email=email, ip=ip,
                  scope="account" if per_account >= ctx.policy.login_max_failures_per_account else "ip")
        raise TooManyRequests(THROTTLED)


def open_session(ctx: IdentityContext, user_id: str, ip: str | None = None) -> TokenPair:
    session = Session(id=new_id(), user_id=user_id, created_at=ctx.now(), ip=ip)
    ctx.sessions.start(session)
    return _issue_tokens(ctx, session)


def refresh(ctx: IdentityContext, refresh_token: str) -> TokenPair:
    now = ctx.now()
    token = ctx.sessions.refresh_token_by_digest(digest(refresh_token))
    if token is None:
        raise Unauthorized("Unknown refresh token; please log in again.")
    session = ctx.sessions.get(token.session_id)
    if session is None or session.revoked_at is not None:
        raise Unauthorized(SESSION_ENDED)
    if token.state != "active":
        _end_family_after_reuse(ctx, session, token, now)
    if token.expires_at <= now:
        raise Unauthorized("Your session has expired; please log in again.")
    if not ctx.sessions.rotate(token.id, now):  # a concurrent refresh used it first: same as reuse
        _end_family_after_reuse(ctx, session, token, now)
    return _issue_tokens(ctx, session)


def _end_family_after_reuse(ctx: IdentityContext, session: Session, token: RefreshToken, now: datetime) -> None:
    ctx.sessions.revoke(session.id, "refresh_token_reused", now)
    ctx.audit("session.refresh_token_reused", actor_id=token.user_id, target=session.id)
    raise Unauthorized("This refresh token was already used; the session was closed for your safety. "
                       "Please log in again.")


def logout(ctx: IdentityContext, refresh_token: str) -> None:
    """Ends the session; an unknown or already ended token is not an error (logout is idempotent)."""
    token = ctx.sessions.refresh_token_by_digest(digest(refresh_token))
    if token is None:
        return
    session = ctx.sessions.get(token.session_id)
    if session is None or session.revoked_at is not None:
        return
    ctx.sessions.revoke(session.id, "logout", ctx.now())
    ctx.audit("logout", actor_id=token.user_id, target=session.id)


def _issue_tokens(ctx: IdentityContext, session: Session) -> TokenPair:
    now = ctx.now()
    raw = new_opaque_token()
    token = RefreshToken(id=new_id(), session_id=session.id, user_id=session.user_id, digest=digest(raw),
                         created_at=now, expires_at=now + timedelta(days=ctx.policy.refresh_token_ttl_days))
    ctx.sessions.add_refresh_token(token)
    access_token, access_expires_at = ctx.access_tokens.issue(session.user_id, session.id, now)
    return TokenPair(access_token=access_token, access_expires_at=_naive_utc(access_expires_at),
                     refresh_token=raw, refresh_expires_at=token.expires_at, user_id=session.user_id)


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value

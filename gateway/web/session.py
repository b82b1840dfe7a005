"""Who is browsing: tokens in httpOnly cookies, transparent refresh, CSRF on every form.

The access token (short-lived, signed by identity) is verified locally with the public key.
When it has expired and a refresh cookie exists, identity rotates the pair and the new
cookies are set on the response. Refresh tokens rotate and a reused one revokes the whole
session, so two requests of one browser racing with the same old refresh token must not
both reach identity: the pair obtained for a token is kept for a minute and handed to the
second request (per process; a browser rarely spreads a race over several workers).
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from maillage_shared.errors import Invalid, Unauthorized
from maillage_shared.tokens import digest

from ..context import rpc
from .i18n import LANG_COOKIE, as_datetime

ACCESS_COOKIE = "maillage_access"
REFRESH_COOKIE = "maillage_refresh"
CSRF_FIELD = "csrf_token"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
_REFRESH_MEMORY_SECONDS = 60


class LoginRequired(Exception):
    """The page needs a logged-in user; the browser is sent to the login page."""


class CsrfFailure(Exception):
    """A form came without the session's CSRF token, or with another one."""


# CSRF ---------------------------------------------------------------------------------------

def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
        session.permanent = True  # outlives a browser restart, like the refresh cookie
    return token


def check_csrf() -> None:
    expected = session.get("csrf")
    sent = request.form.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailure()


# Tokens and cookies ---------------------------------------------------------------------------

class _RecentRefreshes:
    """The pair each refresh token was exchanged for, kept a minute; one exchange per token at a time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pairs: dict[str, tuple[float, dict]] = {}
        self._exchanging: dict[str, threading.Lock] = {}

    def _known(self, key: str) -> dict | None:
        now = time.monotonic()
        for stale in [k for k, (at, _) in self._pairs.items() if now - at > _REFRESH_MEMORY_SECONDS]:
            del self._pairs[stale]
        known = self._pairs.get(key)
        return known[1] if known else None

    def exchange(self, refresh_token: str) -> dict:
        key = digest(refresh_token)
        with self._lock:
            known = self._known(key)
            if known:
                return known
            token_lock = self._exchanging.setdefault(key, threading.Lock())
        with token_lock:
            with self._lock:
                known = self._known(key)
            if known:
                return known
            try:
                pair = rpc("identity", "refresh", {"refresh_token": refresh_token})
                with self._lock:
                    self._pairs[key] = (time.monotonic(), pair)
                return pair
            finally:
                with self._lock:
                    self._exchanging.pop(key, None)


def _recent_refreshes() -> _RecentRefreshes:
    return current_app.extensions.setdefault("web_recent_refreshes", _RecentRefreshes())


def current_user_id() -> str | None:
    """The logged-in user, refreshing the session when needed; None when nobody is."""
    if "user_id" in g:
        return g.user_id
    g.user_id = None
    token = request.cookies.get(ACCESS_COOKIE)
    if token:
        try:
            g.user_id = current_app.extensions["token_verifier"].verify(token).user_id
            return g.user_id
        except Unauthorized:
            pass
    refresh_token = request.cookies.get(REFRESH_COOKIE)
    if refresh_token:
        try:
            pair = _recent_refreshes().exchange(refresh_token)
        except (Unauthorized, Invalid):
            g.clear_auth_cookies = True
            return None
        g.new_tokens = pair
        g.user_id = pair["user_id"]
    return g.user_id


def require_user() -> str:
    user_id = current_user_id()
    if not user_id:
        raise LoginRequired()
    return user_id


def load_me() -> dict:
    """The user and their memberships, once per request."""
    if "me" not in g:
        g.me = rpc("identity", "get_me", require_user())
    return g.me


def start_session(tokens: dict) -> None:
    """After login, sign-up or accepting an invitation: the new pair goes into cookies."""
    g.new_tokens = tokens
    g.user_id = tokens["user_id"]
    g.pop("me", None)


def end_session() -> None:
    g.clear_auth_cookies = True
    g.user_id = None
    session.clear()


def login_redirect():
    return redirect(url_for("web.login", next=safe_next(request.full_path.rstrip("?"))))


def safe_next(target: str | None, default: str = "/app") -> str:
    """Only a path of this site (no scheme, no host, no ``//``) may be a redirect target."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target


def _seconds_until(value, default: int) -> int:
    moment = as_datetime(value)
    if moment is None:
        return default
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int((moment - datetime.now(UTC)).total_seconds()))


def apply_cookies(response):
    """After each request: store a new token pair, forget a dead one, remember the language."""
    settings = current_app.extensions["settings"]
    secure = settings.public_url.startswith("https")
    common = {"httponly": True, "samesite": "Lax", "secure": secure, "path": "/"}
    tokens = g.get("new_tokens")
    if tokens:
        response.set_cookie(ACCESS_COOKIE, tokens["access_token"],
                            max_age=_seconds_until(tokens.get("access_expires_at"), settings.access_token_ttl_seconds),
                            **common)
        response.set_cookie(REFRESH_COOKIE, tokens["refresh_token"],
                            max_age=_seconds_until(tokens.get("refresh_expires_at"),
                                                   settings.refresh_token_ttl_days * 24 * 3600),
                            **common)
    elif g.get("clear_auth_cookies"):
        for name in (ACCESS_COOKIE, REFRESH_COOKIE):
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
    lang = g.get("remember_lang")
    if lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, **common)
    if tokens or g.get("clear_auth_cookies"):
        response.headers["Cache-Control"] = "no-store"
    return response

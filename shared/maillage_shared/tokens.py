"""Access tokens (Ed25519-signed JWT, verified locally by the gateway) and opaque tokens.

Only the identity service holds the private key; the gateway and any other verifier
need only the public key. Opaque tokens (refresh, invitation, calendar feed) are random
strings of which only a SHA-256 digest is stored.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import Unauthorized
from .settings import Settings, SettingsError

ALGORITHM = "EdDSA"
ISSUER = "maillage-identity"
AUDIENCE = "maillage"


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_digest(token: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(token), expected_digest)


def _key_paths(settings: Settings) -> tuple[Path, Path]:
    private = Path(settings.jwt_private_key_path) if settings.jwt_private_key_path else settings.keys_dir / "jwt-ed25519.pem"
    public = Path(settings.jwt_public_key_path) if settings.jwt_public_key_path else settings.keys_dir / "jwt-ed25519.pub.pem"
    return private, public


def ensure_dev_keys(settings: Settings) -> None:
    """Create a key pair under the data dir for development and tests (never in production)."""
    private, public = _key_paths(settings)
    if private.exists() and public.exists():
        return
    if settings.is_production:
        raise SettingsError("JWT keys not found; set MAILLAGE_JWT_PRIVATE_KEY_PATH and MAILLAGE_JWT_PUBLIC_KEY_PATH")
    private.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    tmp = private.with_suffix(".tmp")
    tmp.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    os.chmod(tmp, 0o600)
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    tmp.rename(private)


def load_private_key(settings: Settings) -> bytes:
    private, _ = _key_paths(settings)
    if not private.exists():
        ensure_dev_keys(settings)
    return private.read_bytes()


def load_public_key(settings: Settings) -> bytes:
    _, public = _key_paths(settings)
    if not public.exists():
        ensure_dev_keys(settings)
    return public.read_bytes()


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str
    expires_at: datetime


class AccessTokenSigner:
    def __init__(self, private_key_pem: bytes, ttl_seconds: int):
        self._key = serialization.load_pem_private_key(private_key_pem, password=None)
        self.ttl = timedelta(seconds=ttl_seconds)

    def issue(self, user_id: str, session_id: str, now: datetime | None = None) -> tuple[str, datetime]:
        now = now or datetime.now(UTC)
        expires = now + self.ttl
        token = jwt.encode({"sub": user_id, "sid": session_id, "iat": now, "exp": expires,
                            "iss": ISSUER, "aud": AUDIENCE}, self._key, algorithm=ALGORITHM)
        return token, expires


class AccessTokenVerifier:
    def __init__(self, public_key_pem: bytes):
        self._key = serialization.load_pem_public_key(public_key_pem)

    def verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(token, self._key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                                options={"require": ["sub", "sid", "exp"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Your session has expired; please log in again.") from None
        except jwt.PyJWTError:
            raise Unauthorized("Invalid access token.") from None
        return AccessClaims(user_id=claims["sub"], session_id=claims["sid"],
                            expires_at=datetime.fromtimestamp(claims["exp"], UTC))

"""Typed settings, read once per process from ``MAILLAGE_*`` environment variables.

Validation happens at start: a wrong value stops the process with a message naming the
variable, instead of failing later in the middle of a request.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

ENVIRONMENTS = ("development", "test", "production")
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev-secret-key"}


class SettingsError(ValueError):
    """A configuration variable is missing or invalid."""


def _env_bool(raw: str, name: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    mongo_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    db_prefix: str = "maillage_"
    s3_endpoint: str = "127.0.0.1:8333"
    s3_access_key: str = ""
    s3_secret_key: str = field(default="", repr=False)
    s3_secure: bool = False
    s3_bucket_prefix: str = "maillage-"
    public_url: str = "http://127.0.0.1:8080"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    trusted_proxies: int = 0
    secret_key: str = field(default="", repr=False)
    jwt_private_key_path: str = ""
    jwt_public_key_path: str = ""
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    invitation_ttl_days: int = 14
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    mail_from: str = "Maillage <no-reply@maillage.localhost>"
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    rpc_timeout_seconds: int = 10
    rpc_pool_size: int = 8
    log_level: str = "INFO"
    data_dir: str = "var/dev"
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 30
    login_failure_window_seconds: int = 900
    documents_max_bytes: int = 200 * 1024 * 1024
    documents_trash_days: int = 30
    instance_admins: str = ""  # comma-separated e-mails or user ids: who may override ACI catalogue values
    pdf_font_dir: str = ""  # optional: a directory with DejaVuSans.ttf and DejaVuSans-Bold.ttf for the PDF reports

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            name = "MAILLAGE_" + f.name.upper()
            if name not in environ:
                continue
            raw = environ[name]
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
            elif f.type in ("bool", bool):
                values[f.name] = _env_bool(raw, name)
            else:
                values[f.name] = raw
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"MAILLAGE_ENV must be one of {', '.join(ENVIRONMENTS)}, got {self.env!r}")
        if not self.amqp_uri.startswith(("amqp://", "amqps://")):
            raise SettingsError("MAILLAGE_AMQP_URI must start with amqp:// or amqps://")
        if not self.mongo_uri.startswith(("mongodb://", "mongodb+srv://")):
            raise SettingsError("MAILLAGE_MONGO_URI must start with mongodb://")
        for name in ("gateway_port", "smtp_port", "rpc_timeout_seconds", "rpc_pool_size",
                     "access_token_ttl_seconds", "refresh_token_ttl_days", "invitation_ttl_days",
                     "documents_max_bytes", "documents_trash_days"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"MAILLAGE_{name.upper()} must be positive")
        if self.is_production:
            if self.secret_key in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
                raise SettingsError("MAILLAGE_SECRET_KEY must be a random value of at least 32 characters in production")
            if not (self.jwt_private_key_path or self.jwt_public_key_path):
                raise SettingsError("MAILLAGE_JWT_PRIVATE_KEY_PATH / MAILLAGE_JWT_PUBLIC_KEY_PATH are required in production")

    @property
    def instance_admin_list(self) -> list[str]:
        """MAILLAGE_INSTANCE_ADMINS as a list (e-mails lower-cased)."""
        return [item.strip().lower() if "@" in item else item.strip()
                for item in self.instance_admins.split(",") if item.strip()]

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}{service}"

    @property
    def keys_dir(self) -> Path:
        return Path(self.data_dir) / "keys"

    def nameko_config(self) -> dict:
        """The config dict a Nameko container or standalone proxy needs."""
        return {"AMQP_URI": self.amqp_uri, "serializer": "json", "PREFETCH_COUNT": 10,
                "max_workers": 10, "parent_calls_tracked": 10}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()

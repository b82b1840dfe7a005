from datetime import UTC, datetime, timedelta

import pytest
from maillage_shared.errors import Conflict, Invalid, Unauthorized
from maillage_shared.settings import Settings, SettingsError
from maillage_shared.tokens import (
    AccessTokenSigner,
    AccessTokenVerifier,
    digest,
    ensure_dev_keys,
    load_private_key,
    load_public_key,
    new_opaque_token,
    same_digest,
)


def test_settings_read_typed_values_from_the_environment():
    settings = Settings.from_env({"MAILLAGE_GATEWAY_PORT": "9090", "MAILLAGE_S3_SECURE": "true",
                                  "MAILLAGE_ENV": "test"})
    assert settings.gateway_port == 9090
    assert settings.s3_secure is True
    assert settings.database_name("identity") == "maillage_identity"


@pytest.mark.parametrize("environ, variable", [
    ({"MAILLAGE_GATEWAY_PORT": "eighty"}, "MAILLAGE_GATEWAY_PORT"),
    ({"MAILLAGE_ENV": "staging"}, "MAILLAGE_ENV"),
    ({"MAILLAGE_AMQP_URI": "http://broker"}, "MAILLAGE_AMQP_URI"),
    ({"MAILLAGE_S3_SECURE": "maybe"}, "MAILLAGE_S3_SECURE"),
    ({"MAILLAGE_ENV": "production", "MAILLAGE_SECRET_KEY": "changeme"}, "MAILLAGE_SECRET_KEY"),
])
def test_bad_settings_stop_the_process_naming_the_variable(environ, variable):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(environ)


def test_production_refuses_generated_keys(tmp_path):
    settings = Settings(env="production", secret_key="x" * 40, data_dir=str(tmp_path),
                        jwt_private_key_path=str(tmp_path / "missing.pem"),
                        jwt_public_key_path=str(tmp_path / "missing.pub"))
    with pytest.raises(SettingsError):
        ensure_dev_keys(settings)


def test_access_token_round_trip_and_expiry(tmp_path):
    settings = Settings(env="test", data_dir=str(tmp_path))
    signer = AccessTokenSigner(load_private_key(settings), ttl_seconds=60)
    verifier = AccessTokenVerifier(load_public_key(settings))
    token, _ = signer.issue("user-1", "session-1")
    claims = verifier.verify(token)
    assert (claims.user_id, claims.session_id) == ("user-1", "session-1")

    old, _ = signer.issue("user-1", "session-1", now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(old)
    with pytest.raises(Unauthorized):
        verifier.verify(token[:-4] + "AAAA")


def test_a_token_from_another_key_is_rejected(tmp_path):
    ours = Settings(env="test", data_dir=str(tmp_path / "a"))
    theirs = Settings(env="test", data_dir=str(tmp_path / "b"))
    token, _ = AccessTokenSigner(load_private_key(theirs), 60).issue("u", "s")
    with pytest.raises(Unauthorized):
        AccessTokenVerifier(load_public_key(ours)).verify(token)


def test_opaque_tokens_are_stored_as_digests():
    token = new_opaque_token()
    assert len(token) >= 40
    assert same_digest(token, digest(token))
    assert not same_digest(token + "x", digest(token))


def test_errors_keep_message_and_fields_through_their_args():
    exc = Invalid("Invalid input: email", {"email": "Not a valid email address."})
    rebuilt = Invalid(*exc.args)
    assert rebuilt.fields == {"email": "Not a valid email address."}
    assert rebuilt.http_status == 400
    assert Conflict().message == "This conflicts with the current state."

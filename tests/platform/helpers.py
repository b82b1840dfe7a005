"""Helpers for end-to-end and browser tests."""
from __future__ import annotations

import email
import re
import time
import uuid
from email import policy
from pathlib import Path

import requests

LINK_RE = re.compile(r"https?://\S+/invitations/[A-Za-z0-9_\-]+")


def unique_email(prefix: str = "pro") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.org"


def read_invitation_link(mail_dir: Path, address: str, timeout: float = 15) -> str:
    """The invitation URL in the newest e-mail sent to ``address`` (polls the SMTP sink)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = []
        for path in sorted(Path(mail_dir).glob("*.eml"), key=lambda p: p.stat().st_mtime):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if address.lower() not in str(message.get("To", "")).lower():
                continue
            body = message.get_body(preferencelist=("plain", "html"))
            match = LINK_RE.search(body.get_content() if body else "")
            if match:
                found.append(match.group(0))
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no invitation e-mail for {address} in {mail_dir} after {timeout}s")


def signup_payload(**overrides) -> dict:
    suffix = uuid.uuid4().hex[:6]
    structure = {
        "kind": "msp", "name": f"MSP Test {suffix}", "finess": None,
        "address": {"line1": "1 place de la Mairie", "postcode": "35000", "city": "Rennes"},
        "phone": "02 99 00 00 00",
        "opening_hours": [{"day": "monday", "opens": "08:00", "closes": "20:00"}],
    }
    coordinator = {"email": unique_email("coord"), "password": "un mot de passe solide",
                   "first_name": "Claire", "last_name": f"Martin{suffix}", "profession": "coordinateur"}
    structure.update(overrides.pop("structure", {}))
    coordinator.update(overrides.pop("coordinator", {}))
    return {"structure": structure, "coordinator": coordinator, **overrides}


def signup(base_url: str, **overrides) -> dict:
    """Sign a new structure up; returns the JSON result plus the password and e-mail used."""
    payload = signup_payload(**overrides)
    response = requests.post(f"{base_url}/api/v1/signup", json=payload, timeout=30)
    assert response.status_code == 201, response.text
    result = response.json()
    result["email"] = payload["coordinator"]["email"]
    result["password"] = payload["coordinator"]["password"]
    return result


def auth(token_or_result) -> dict:
    token = token_or_result if isinstance(token_or_result, str) else token_or_result["tokens"]["access_token"]
    return {"Authorization": f"Bearer {token}"}

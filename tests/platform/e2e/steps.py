"""Steps of the end-to-end scenarios, each a call (or a few) to the real JSON API.

Every response goes through ``check``: a 5xx fails the test on the spot, and every error
must carry the one envelope ``{"error": {"code", "message", "fields"}}``.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import requests

from tests.platform.helpers import read_invitation_link, unique_email

API = "/api/v1"
PASSWORD = "un mot de passe solide"


def check(response: requests.Response) -> requests.Response:
    request = response.request
    assert response.status_code < 500, f"{request.method} {request.url} -> {response.status_code}: {response.text}"
    if response.status_code >= 400:
        assert response.headers.get("Content-Type", "").startswith("application/json"), response.text
        body = response.json()
        assert set(body) == {"error"}, body
        error = body["error"]
        assert set(error) == {"code", "message", "fields"}, body
        assert isinstance(error["code"], str) and error["code"], body
        assert isinstance(error["message"], str) and error["message"], body
        assert isinstance(error["fields"], dict), body
    return response


class Api:
    """The JSON API as one caller sees it (anonymous, or with an access token)."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url
        self.token = token

    def as_user(self, token: str) -> Api:
        return Api(self.base_url, token)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        response = requests.request(method, f"{self.base_url}{API}{path}", headers=headers, timeout=30, **kwargs)
        return check(response)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.call("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


def expect(response: requests.Response, status: int):
    """The JSON body of a response that must have ``status`` (None for an empty body)."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: expected {status}, got {response.status_code}: "
        f"{response.text}")
    return response.json() if response.content else None


def expect_error(response: requests.Response, status: int, code: str | None = None) -> dict:
    error = expect(response, status)["error"]
    if code is not None:
        assert error["code"] == code, error
    return error


def today_in_paris() -> date:
    return datetime.now(ZoneInfo("Europe/Paris")).date()


@dataclass
class Person:
    """Someone who can log in: the answers of sign-up or of accepting an invitation."""
    email: str
    password: str
    user_id: str
    access_token: str
    refresh_token: str
    first_name: str = ""
    last_name: str = ""

    def api(self, base_url: str) -> Api:
        return Api(base_url, self.access_token)


def founder(signup_result: dict) -> Person:
    """The first coordinator, from the helpers' ``signup`` result."""
    tokens = signup_result["tokens"]
    return Person(signup_result["email"], signup_result["password"], signup_result["user_id"],
                  tokens["access_token"], tokens["refresh_token"])


def invite(coordinator: Api, structure_id: str, mail_dir, email: str | None = None, role: str = "member",
           profession: str = "infirmier") -> tuple[dict, str]:
    """Invite ``email``; returns the invitation and the token of the link that arrived by e-mail."""
    email = email or unique_email("invitee")
    invitation = expect(coordinator.post(f"/structures/{structure_id}/invitations",
                                         json={"email": email, "role": role, "profession": profession}), 201)
    link = read_invitation_link(mail_dir, email)
    return invitation, link.rstrip("/").rsplit("/", 1)[-1]


def accept_as_newcomer(base_url: str, token: str, email: str, first_name: str = "Anne") -> Person:
    last_name = f"Morel{uuid.uuid4().hex[:6]}"
    accepted = expect(Api(base_url).post(f"/invitations/{token}/accept", json={
        "first_name": first_name, "last_name": last_name, "password": PASSWORD}), 200)
    tokens = accepted["tokens"]
    return Person(email, PASSWORD, tokens["user_id"], tokens["access_token"], tokens["refresh_token"],
                  first_name, last_name)


def join(platform, coordinator: Api, structure_id: str, role: str = "member", profession: str = "infirmier",
         first_name: str = "Anne") -> Person:
    """A new professional invited into the structure, who accepts with a new account."""
    email = unique_email(profession)
    _, token = invite(coordinator, structure_id, platform.mail_dir, email, role, profession)
    return accept_as_newcomer(platform.base_url, token, email, first_name)


def login(base_url: str, email: str, password: str) -> dict:
    return expect(Api(base_url).post("/auth/login", json={"email": email, "password": password}), 200)

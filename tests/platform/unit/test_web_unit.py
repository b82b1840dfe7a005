"""The web client alone: Flask's test client and a fake RPC pool, no broker and no service.

Checked here: the pages' language, cookies and CSRF, the refresh of an expired session,
tenancy (a structure one is not a member of does not exist), what the pages show from
identity's answers, and form errors next to their fields.
"""
from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from maillage_shared.errors import Conflict, Gone, Invalid, NotFound, ServiceUnavailable, TooManyRequests, Unauthorized
from maillage_shared.settings import Settings
from maillage_shared.tokens import AccessTokenSigner, load_private_key

from gateway.app import create_app
from gateway.web.i18n import TRANSLATIONS_DIR, ensure_compiled

SID = "5b0c8f3e-2a41-4a55-9d2a-0f1f7b8c9d10"
OTHER_SID = "9d9d9d9d-0000-4000-8000-00000000beef"
USER_ID = "7a1c0000-0000-4000-8000-000000000001"
PAUL_ID = "7a1c0000-0000-4000-8000-000000000002"


def me(role: str = "coordinator", locale: str = "fr") -> dict:
    return {
        "user": {"id": USER_ID, "email": "claire.martin@example.org", "first_name": "Claire", "last_name": "Martin",
                 "phone": None, "rpps": None, "locale": locale, "created_at": "2026-11-23T08:00:00"},
        "memberships": [{"structure_id": SID, "structure_name": "MSP des Tilleuls", "structure_kind": "msp",
                         "structure_slug": "msp-des-tilleuls", "role": role, "profession": "coordinateur"}],
    }


def membership(role: str = "coordinator") -> dict:
    return {"structure_id": SID, "user_id": USER_ID, "role": role, "profession": "coordinateur",
            "joined_at": "2026-11-23T08:00:00"}


def token_pair(user_id: str = USER_ID, access: str = "new-access-token") -> dict:
    return {"token_type": "Bearer", "access_token": access, "access_expires_at": "2099-01-01T00:15:00",
            "refresh_token": "new-refresh-token-0123456789", "refresh_expires_at": "2099-02-01T00:00:00",
            "user_id": user_id}


DIRECTORY = [
    {"user_id": USER_ID, "first_name": "Claire", "last_name": "Martin", "profession": "coordinateur",
     "profession_label": "Coordinateur·rice", "role": "coordinator", "email": "claire.martin@example.org",
     "phone": None, "rpps": None, "on_leave": False, "on_call": False},
    {"user_id": PAUL_ID, "first_name": "Paul", "last_name": "Leroy", "profession": "medecin_generaliste",
     "profession_label": "Médecin généraliste", "role": "member", "email": "paul.leroy@example.org",
     "phone": "02 99 00 00 01", "rpps": "10003456786", "on_leave": False, "on_call": True},
    {"user_id": "u3", "first_name": "Anne", "last_name": "Morel", "profession": "infirmier",
     "profession_label": "Infirmier·e", "role": "member", "email": "anne.morel@example.org",
     "phone": None, "rpps": None, "on_leave": True, "on_call": False},
]
ON_CALL = [{"id": "a1", "structure_id": SID, "user_id": PAUL_ID, "first_name": "Paul", "last_name": "Leroy",
            "profession": "medecin_generaliste", "kind": "on_call", "starts_on": "2026-11-23",
            "ends_on": "2026-11-23", "note": "", "created_at": "2026-11-20T08:00:00"}]


class FakePool:
    """Answers RPC calls from ``{(service, method): value, exception or callable}``; records calls."""

    def __init__(self, replies: dict | None = None):
        self.replies = dict(replies or {})
        self.calls: list[tuple] = []

    def call(self, service, method, *args, correlation_id=None, **kwargs):
        self.calls.append((service, method, *args))
        if (service, method) not in self.replies:
            raise AssertionError(f"unexpected RPC {service}.{method}{args}")
        reply = self.replies[(service, method)]
        if isinstance(reply, Exception):
            raise reply
        return reply(*args) if callable(reply) else reply

    def methods(self) -> list[str]:
        return [call[1] for call in self.calls]

    def args_of(self, method: str) -> tuple:
        return next(call[2:] for call in self.calls if call[1] == method)


def member_replies(role: str = "coordinator", **more) -> dict:
    """What a logged-in member's structure pages need from identity."""
    replies = {("identity", "get_me"): me(role), ("identity", "get_membership"): membership(role),
               ("identity", "on_call"): [], ("identity", "list_availability"): [],
               ("identity", "list_members"): [], ("identity", "list_invitations"): [],
               ("documents", "list_protocols"): []}
    replies.update({("identity", name): value for name, value in more.items()})
    return replies


@pytest.fixture
def settings(tmp_path):
    return Settings(env="test", data_dir=str(tmp_path))


@pytest.fixture
def make_client(settings):
    def make(replies: dict | None = None):
        pool = FakePool(replies)
        app = create_app(settings, rpc_pool=pool)
        app.testing = True
        return app.test_client(), pool

    return make


@pytest.fixture
def log_in(settings):
    """Put a valid (or expired) access token in the client's cookies."""
    def put(client, user_id: str = USER_ID, expired: bool = False, refresh: str | None = None):
        now = datetime.now(UTC) - (timedelta(hours=1) if expired else timedelta())
        token, _ = AccessTokenSigner(load_private_key(settings), 900).issue(user_id, "session-1", now=now)
        client.set_cookie("maillage_access", token)
        if refresh:
            client.set_cookie("maillage_refresh", refresh)
        return token

    return put


def csrf_of(response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token in the page"
    return match.group(1)


def set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def text(response) -> str:
    return response.get_data(as_text=True)


def field_block(html: str, field_id: str) -> str:
    """The ``<div class="field…">`` (or hours cell) holding the input ``field_id``."""
    position = html.index(f'id="{field_id}"')
    start = max(html.rfind('<div class="field', 0, position), html.rfind('<div class="hours-cell', 0, position))
    end = html.index("</div>", position)
    return html[start:end]


# Language ------------------------------------------------------------------------------------------

def test_the_login_page_is_in_french_by_default(make_client):
    client, pool = make_client()

    response = client.get("/login")

    assert response.status_code == 200
    html = text(response)
    assert '<html lang="fr">' in html
    assert "Se connecter" in html and "Adresse e-mail" in html and "Mot de passe" in html
    assert '<meta name="viewport"' in html
    assert 'for="f-email"' in html and 'for="f-password"' in html
    assert pool.calls == []


def test_lang_en_shows_english_and_the_choice_is_remembered(make_client):
    client, _ = make_client()

    response = client.get("/login?lang=en")

    assert '<html lang="en">' in text(response)
    assert "Log in" in text(response) and "Se connecter" not in text(response)
    assert "maillage_lang=en" in set_cookies(response)["maillage_lang"]
    again = client.get("/login")
    assert '<html lang="en">' in text(again)
    back = client.get("/login?lang=fr")
    assert '<html lang="fr">' in text(back)


def test_the_footer_offers_the_other_language(make_client):
    client, _ = make_client()

    html = text(client.get("/login?next=/app"))

    assert 'lang="en"' in html and "English" in html
    assert "lang=en" in html and "next=%2Fapp" in html


def test_the_user_s_saved_language_is_used_without_a_cookie(make_client, log_in):
    replies = member_replies()
    replies[("identity", "get_me")] = me(locale="en")
    client, _ = make_client(replies)
    log_in(client)

    html = text(client.get(f"/app/s/{SID}"))

    assert '<html lang="en">' in html and "On call today" in html


# CSRF and the session cookies -------------------------------------------------------------------------

@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_without_the_session_s_csrf_token_is_refused(make_client, token):
    client, pool = make_client({("identity", "login"): token_pair()})
    client.get("/login")
    data = {"email": "claire.martin@example.org", "password": "un mot de passe solide"}
    if token is not None:
        data["csrf_token"] = token

    response = client.post("/login", data=data)

    assert response.status_code == 400
    assert "Le formulaire a expiré" in text(response)
    assert pool.calls == []
    assert "maillage_access" not in set_cookies(response)


def test_login_sets_httponly_samesite_cookies_and_goes_to_next(make_client):
    client, pool = make_client({("identity", "login"): token_pair()})
    csrf = csrf_of(client.get("/login?next=/app/me"))

    response = client.post("/login", data={"csrf_token": csrf, "email": " Claire.Martin@example.org ",
                                           "password": "un mot de passe solide", "next": "/app/me"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/app/me"
    cookies = set_cookies(response)
    for name, value in (("maillage_access", "new-access-token"), ("maillage_refresh", "new-refresh-token")):
        assert cookies[name].startswith(f"{name}={value}")
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name] and "Path=/" in cookies[name]
        assert "Secure" not in cookies[name]  # public_url is http:// in tests
    assert pool.args_of("login")[0] == {"email": "Claire.Martin@example.org", "password": "un mot de passe solide"}


def test_cookies_are_secure_when_the_public_url_is_https(tmp_path):
    settings = Settings(env="test", data_dir=str(tmp_path), public_url="https://maillage.example.org")
    app = create_app(settings, rpc_pool=FakePool({("identity", "login"): token_pair()}))
    client = app.test_client()
    csrf = csrf_of(client.get("/login"))

    response = client.post("/login", data={"csrf_token": csrf, "email": "a@example.org", "password": "x" * 12})

    assert all("Secure" in header for header in set_cookies(response).values())


def test_an_outside_next_is_ignored(make_client):
    client, _ = make_client({("identity", "login"): token_pair()})
    csrf = csrf_of(client.get("/login"))

    response = client.post("/login", data={"csrf_token": csrf, "email": "a@example.org", "password": "x" * 12,
                                           "next": "//evil.example.com/app"})

    assert response.headers["Location"] == "/app"


@pytest.mark.parametrize("error", [Unauthorized("Wrong e-mail or password."),
                                   Invalid("Invalid input: email", {"email": "Not a valid email address."})])
def test_a_failed_login_says_the_same_thing_whatever_was_wrong(make_client, error):
    client, _ = make_client({("identity", "login"): error})
    csrf = csrf_of(client.get("/login"))

    response = client.post("/login", data={"csrf_token": csrf, "email": "claire@example", "password": "secret-pass"})

    html = text(response)
    assert response.status_code == 401
    assert "E-mail ou mot de passe incorrect." in html
    assert 'value="claire@example"' in html and "secret-pass" not in html
    assert "maillage_access" not in set_cookies(response)


def test_too_many_attempts_says_to_wait(make_client):
    client, _ = make_client({("identity", "login"): TooManyRequests("Too many attempts; try again later.")})
    csrf = csrf_of(client.get("/login"))

    response = client.post("/login", data={"csrf_token": csrf, "email": "a@example.org", "password": "x"})

    assert response.status_code == 429
    assert "Trop de tentatives, réessayez dans quelques minutes." in text(response)


def test_pages_send_a_visitor_without_session_to_the_login_page(make_client):
    client, pool = make_client()

    response = client.get(f"/app/s/{SID}/directory?q=ler")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/app/s/{SID}/directory?q%3Dler"
    assert pool.calls == []
    assert client.get("/").headers["Location"] == "/login"


def test_an_expired_access_token_is_refreshed_transparently(make_client, log_in):
    client, pool = make_client(member_replies(refresh=token_pair()))
    log_in(client, expired=True, refresh="old-refresh-token-0123456789")

    response = client.get(f"/app/s/{SID}")

    assert response.status_code == 200
    assert pool.calls[0] == ("identity", "refresh", {"refresh_token": "old-refresh-token-0123456789"})
    cookies = set_cookies(response)
    assert cookies["maillage_access"].startswith("maillage_access=new-access-token")
    assert cookies["maillage_refresh"].startswith("maillage_refresh=new-refresh-token")


def test_a_second_request_racing_with_the_same_refresh_token_reuses_the_new_pair(make_client, log_in):
    client, pool = make_client(member_replies(refresh=token_pair(), directory=[]))
    log_in(client, expired=True, refresh="old-refresh-token-0123456789")
    client.get(f"/app/s/{SID}")
    log_in(client, expired=True, refresh="old-refresh-token-0123456789")  # the other tab still has the old pair

    response = client.get(f"/app/s/{SID}/directory")

    assert response.status_code == 200
    assert pool.methods().count("refresh") == 1  # a second exchange of a used token would revoke the session


def test_a_refused_refresh_clears_the_cookies_and_asks_to_log_in(make_client, log_in):
    client, _ = make_client({("identity", "refresh"): Unauthorized("Session revoked.")})
    log_in(client, expired=True, refresh="stolen-refresh-token-0123456789")

    response = client.get("/app")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/app")
    cookies = set_cookies(response)
    assert "Max-Age=0" in cookies["maillage_access"] and "Max-Age=0" in cookies["maillage_refresh"]


def test_logout_revokes_the_refresh_token_and_clears_the_cookies(make_client, log_in):
    client, pool = make_client({**member_replies(), ("identity", "logout"): None})
    log_in(client, refresh="the-refresh-token-0123456789")
    csrf = csrf_of(client.get("/app/me"))

    response = client.post("/logout", data={"csrf_token": csrf})

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert ("identity", "logout", {"refresh_token": "the-refresh-token-0123456789"}) in pool.calls
    cookies = set_cookies(response)
    assert "Max-Age=0" in cookies["maillage_access"] and "Max-Age=0" in cookies["maillage_refresh"]
    assert "Vous êtes déconnecté·e." in text(client.get("/login"))


def test_pages_carry_a_strict_content_security_policy(make_client):
    client, _ = make_client()

    response = client.get("/login")

    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


# Tenancy -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["", "/directory", "/availability", "/members", "/structure"])
def test_a_structure_the_user_is_not_a_member_of_is_not_found(make_client, log_in, path):
    client, pool = make_client({("identity", "get_membership"): NotFound("Structure not found.")})
    log_in(client)

    response = client.get(f"/app/s/{OTHER_SID}{path}")

    assert response.status_code == 404
    assert "Page introuvable" in text(response)
    assert pool.calls == [("identity", "get_membership", USER_ID, OTHER_SID)]


def test_a_form_posted_to_another_structure_changes_nothing(make_client, log_in):
    client, pool = make_client({**member_replies(), ("identity", "get_membership"): NotFound("Structure not found.")})
    log_in(client)
    csrf = csrf_of(client.get("/app/me"))

    response = client.post(f"/app/s/{OTHER_SID}/invitations", data={"csrf_token": csrf, "email": "x@example.org",
                                                                     "role": "member", "profession": "infirmier"})

    assert response.status_code == 404
    assert "invite" not in pool.methods()


# What the pages show --------------------------------------------------------------------------------

def test_the_directory_lists_people_with_their_badges(make_client, log_in):
    client, pool = make_client(member_replies(directory=DIRECTORY))
    log_in(client)

    response = client.get(f"/app/s/{SID}/directory?q=ler&profession=medecin_generaliste")

    html = text(response)
    assert response.status_code == 200
    assert pool.args_of("directory") == (SID, {"q": "ler", "profession": "medecin_generaliste"})
    assert "Paul Leroy" in html and "Anne Morel" in html
    assert "Médecin généraliste" in html and "Infirmier·e" in html
    assert "10003456786" in html
    paul = html[html.index("Paul Leroy"):html.index("Anne Morel")]
    assert "de garde aujourd’hui" in paul and "en congé" not in paul
    anne = html[html.index("Anne Morel"):]
    assert "en congé" in anne and "de garde aujourd" not in anne
    assert 'href="tel:0299000001"' in html


def test_an_unknown_profession_filter_is_not_sent(make_client, log_in):
    client, pool = make_client(member_replies(directory=[]))
    log_in(client)

    html = text(client.get(f"/app/s/{SID}/directory?profession=astronaute"))

    assert pool.args_of("directory") == (SID, {"q": ""})
    assert "Personne dans l’annuaire" in html


def test_the_home_page_shows_who_is_on_call_and_the_coming_tools(make_client, log_in):
    client, _ = make_client(member_replies(on_call=ON_CALL))
    log_in(client)

    response = client.get("/app")

    html = text(response)
    assert response.status_code == 200
    assert "Bonjour Claire" in html and "MSP des Tilleuls" in html
    assert "De garde aujourd’hui" in html and "Paul Leroy" in html
    assert "Absents cette semaine" in html
    for tool in ("Annuaire", "Disponibilités", "Membres", "Profil", "Projets", "Réunions", "Finances ACI",
                 "Documents", "Site public"):
        assert tool in html
    from gateway.web.home_views import CAPABILITIES

    assert html.count("bientôt") == sum(1 for _, _, endpoint, _ in CAPABILITIES if endpoint is None)


def test_members_who_are_not_coordinators_do_not_see_the_members_tools(make_client, log_in):
    members = [{"user_id": PAUL_ID, "first_name": "Paul", "last_name": "Leroy", "email": "paul.leroy@example.org",
                "phone": None, "rpps": None, "role": "member", "profession": "medecin_generaliste",
                "joined_at": "2026-11-23T08:00:00"}]
    client, pool = make_client(member_replies("member", list_members=members))
    log_in(client)

    home = text(client.get(f"/app/s/{SID}"))
    page = text(client.get(f"/app/s/{SID}/members"))

    assert f"/app/s/{SID}/members" not in home
    assert "Paul Leroy" in page and "Médecin généraliste" in page
    assert "Inviter" not in page and "/invitations" not in page
    assert "list_invitations" not in pool.methods()


def test_availability_shows_dates_in_french(make_client, log_in):
    client, pool = make_client(member_replies(on_call=ON_CALL, list_availability=ON_CALL))
    log_in(client)

    response = client.get(f"/app/s/{SID}/availability?date=2026-11-23")

    html = text(response)
    assert response.status_code == 200
    assert pool.args_of("on_call") == (SID, {"date": "2026-11-23"})
    assert "Lundi 23 novembre 2026" in html  # the day shown, capitalised as a heading
    assert "lundi 23 novembre 2026" in html  # the period in the list
    assert "Paul Leroy" in html


def test_a_coordinator_may_declare_for_another_member(make_client, log_in):
    created = dict(ON_CALL[0])
    client, pool = make_client(member_replies(declare_availability=created))
    log_in(client)
    csrf = csrf_of(client.get(f"/app/s/{SID}/availability"))

    response = client.post(f"/app/s/{SID}/availability", data={
        "csrf_token": csrf, "kind": "on_call", "starts_on": "2026-11-23", "ends_on": "", "note": "",
        "user_id": PAUL_ID})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/app/s/{SID}/availability?date=2026-11-23"
    assert pool.args_of("declare_availability") == (USER_ID, SID, {
        "kind": "on_call", "starts_on": "2026-11-23", "ends_on": "2026-11-23", "note": "", "user_id": PAUL_ID})


def test_a_member_declares_only_for_themself(make_client, log_in):
    client, pool = make_client(member_replies("member", declare_availability=dict(ON_CALL[0])))
    log_in(client)
    csrf = csrf_of(client.get(f"/app/s/{SID}/availability"))

    client.post(f"/app/s/{SID}/availability", data={"csrf_token": csrf, "kind": "leave", "starts_on": "2026-12-21",
                                                    "ends_on": "2027-01-03", "note": "Congés", "user_id": PAUL_ID})

    assert "user_id" not in pool.args_of("declare_availability")[2]


def test_a_member_posting_a_coordinator_form_gets_a_403_page(make_client, log_in):
    client, pool = make_client(member_replies("member"))
    log_in(client)
    csrf = csrf_of(client.get("/app/me"))

    response = client.post(f"/app/s/{SID}/members/{PAUL_ID}", data={"csrf_token": csrf, "role": "coordinator"})

    assert response.status_code == 403
    assert "Accès refusé" in text(response)
    assert "update_member" not in pool.methods()


# Form errors ----------------------------------------------------------------------------------------

SIGNUP_FORM = {
    "structure.kind": "msp", "structure.name": "MSP des Tilleuls", "structure.finess": "",
    "structure.address.line1": "3 rue des Tilleuls", "structure.address.line2": "",
    "structure.address.postcode": "3500", "structure.address.city": "Rennes", "structure.phone": "02 99 00 00 00",
    "structure.opening_hours_rows": "3",
    "structure.opening_hours.0.day": "monday", "structure.opening_hours.0.opens": "",
    "structure.opening_hours.0.closes": "",
    "structure.opening_hours.1.day": "tuesday", "structure.opening_hours.1.opens": "20:00",
    "structure.opening_hours.1.closes": "08:00",
    "structure.opening_hours.2.day": "", "structure.opening_hours.2.opens": "", "structure.opening_hours.2.closes": "",
    "coordinator.first_name": "Claire", "coordinator.last_name": "Martin", "coordinator.profession": "coordinateur",
    "coordinator.email": "claire.martin@example.org", "coordinator.password": "un mot de passe solide",
    "coordinator.password_confirm": "un mot de passe solide",
}


def test_signup_errors_are_shown_next_to_their_fields_with_the_values_kept(make_client):
    invalid = Invalid("Invalid input: structure.address.postcode, structure.opening_hours.0.closes", {
        "structure.address.postcode": "A French postcode has 5 digits.",
        "structure.opening_hours.0.closes": "Closing time must be after opening time.",
    })
    client, pool = make_client({("identity", "signup"): invalid})
    csrf = csrf_of(client.get("/signup"))

    response = client.post("/signup", data={**SIGNUP_FORM, "csrf_token": csrf})

    html = text(response)
    assert response.status_code == 400
    postcode = field_block(html, "f-structure-address-postcode")
    assert "Un code postal français a 5 chiffres." in postcode
    assert 'value="3500"' in postcode and 'aria-invalid="true"' in postcode
    # the only row sent was the form's second row: the error goes back there
    assert 'aria-describedby="f-structure-opening-hours-1-closes-error"' in field_block(
        html, "f-structure-opening-hours-1-closes")
    assert re.search(r'id="f-structure-opening-hours-1-closes-error">.*L’heure de fermeture doit être après '
                     r'l’heure d’ouverture\.', html)
    assert 'value="MSP des Tilleuls"' in html and 'value="claire.martin@example.org"' in html
    assert "un mot de passe solide" not in html
    sent = pool.args_of("signup")[0]
    assert sent["structure"]["opening_hours"] == [{"day": "tuesday", "opens": "20:00", "closes": "08:00"}]
    assert sent["structure"]["finess"] is None


def test_signup_checks_the_password_twice_before_sending(make_client):
    client, pool = make_client()
    csrf = csrf_of(client.get("/signup"))

    response = client.post("/signup", data={**SIGNUP_FORM, "csrf_token": csrf,
                                            "coordinator.password_confirm": "another password"})

    assert response.status_code == 400
    assert "Les deux mots de passe sont différents." in field_block(text(response), "f-coordinator-password-confirm")
    assert pool.calls == []


def test_signup_with_a_taken_e_mail_says_so_next_to_it(make_client):
    client, _ = make_client({("identity", "signup"): Conflict("This e-mail address already has an account.")})
    csrf = csrf_of(client.get("/signup"))

    response = client.post("/signup", data={**SIGNUP_FORM, "csrf_token": csrf})

    assert response.status_code == 409
    assert "Un compte utilise déjà cette adresse" in field_block(text(response), "f-coordinator-email")


def test_signup_logs_the_coordinator_in_and_opens_the_structure(make_client):
    result = {"structure": {"id": SID, "name": "MSP des Tilleuls"}, "user_id": USER_ID, "tokens": token_pair()}
    client, _ = make_client({("identity", "signup"): result})
    csrf = csrf_of(client.get("/signup"))

    response = client.post("/signup", data={**SIGNUP_FORM, "csrf_token": csrf,
                                            "structure.address.postcode": "35000"})

    assert response.status_code == 302 and response.headers["Location"] == f"/app/s/{SID}"
    assert set_cookies(response)["maillage_access"].startswith("maillage_access=new-access-token")


def test_invite_errors_keep_the_members_page_and_the_values(make_client, log_in):
    invalid = Invalid("Invalid input: email", {"email": "Not a valid email address."})
    client, _ = make_client(member_replies(invite=invalid))
    log_in(client)
    csrf = csrf_of(client.get(f"/app/s/{SID}/members"))

    response = client.post(f"/app/s/{SID}/invitations", data={"csrf_token": csrf, "email": "paul@",
                                                              "role": "member", "profession": "infirmier"})

    assert response.status_code == 400
    email = field_block(text(response), "f-email")
    assert "Adresse e-mail non valide." in email and 'value="paul@"' in email


def test_profile_errors_are_shown_next_to_the_field(make_client, log_in):
    invalid = Invalid("Invalid input: rpps", {"rpps": "This RPPS number's check digit is wrong."})
    client, _ = make_client(member_replies(update_profile=invalid))
    log_in(client)
    csrf = csrf_of(client.get("/app/me"))

    response = client.post("/app/me", data={"csrf_token": csrf, "first_name": "Claire", "last_name": "Martin",
                                            "phone": "", "rpps": "10003456787", "locale": "fr"})

    assert response.status_code == 400
    rpps = field_block(text(response), "f-rpps")
    assert "La clé de contrôle de ce numéro RPPS est fausse." in rpps and 'value="10003456787"' in rpps


# Invitations and errors ------------------------------------------------------------------------------

PREVIEW = {"structure_id": SID, "structure_name": "MSP des Tilleuls", "structure_kind": "msp",
           "email": "paul.leroy@example.org", "role": "member", "profession": "infirmier",
           "account_exists": False, "expires_at": "2026-12-07T08:00:00"}
TOKEN = "q3Zl0c1Qm9YbXh8W0lqv0lC7rZp6o4N9"


def test_the_invitation_page_says_who_invites_and_as_what(make_client):
    client, _ = make_client({("identity", "preview_invitation"): PREVIEW})

    html = text(client.get(f"/invitations/{TOKEN}"))

    assert "Vous êtes invité·e à rejoindre MSP des Tilleuls comme infirmier·e." in html
    assert "lundi 7 décembre 2026" in html
    assert 'id="f-first-name"' in html and 'id="f-rpps"' in html


def test_accepting_an_invitation_creates_the_account_and_logs_in(make_client):
    accepted = {"structure_id": SID, "tokens": token_pair(PAUL_ID)}
    client, pool = make_client({("identity", "preview_invitation"): PREVIEW,
                                ("identity", "accept_invitation"): accepted})
    csrf = csrf_of(client.get(f"/invitations/{TOKEN}"))

    response = client.post(f"/invitations/{TOKEN}", data={
        "csrf_token": csrf, "first_name": "Paul", "last_name": "Leroy", "rpps": "",
        "password": "un autre mot de passe", "password_confirm": "un autre mot de passe"})

    assert response.status_code == 302 and response.headers["Location"] == f"/app/s/{SID}"
    assert pool.args_of("accept_invitation") == (TOKEN, {"first_name": "Paul", "last_name": "Leroy",
                                                         "password": "un autre mot de passe", "rpps": None}, None)
    assert "maillage_access" in set_cookies(response)


def test_an_existing_account_only_gives_its_password(make_client):
    client, pool = make_client({("identity", "preview_invitation"): {**PREVIEW, "account_exists": True},
                                ("identity", "accept_invitation"): Unauthorized("Wrong password.")})
    page = client.get(f"/invitations/{TOKEN}")
    assert 'id="f-first-name"' not in text(page)

    response = client.post(f"/invitations/{TOKEN}", data={"csrf_token": csrf_of(page), "password": "wrong one"})

    assert pool.args_of("accept_invitation") == (TOKEN, {"password": "wrong one"}, None)
    assert "Mot de passe incorrect pour ce compte." in field_block(text(response), "f-password")


@pytest.mark.parametrize("error, status, words", [
    (Gone("This invitation has expired."), 410, "Cette invitation ne peut plus être utilisée"),
    (NotFound("Unknown invitation."), 404, "Ce lien d’invitation n’est pas valide"),
])
def test_an_expired_or_unknown_invitation_gets_a_clear_page(make_client, error, status, words):
    client, _ = make_client({("identity", "preview_invitation"): error})

    response = client.get(f"/invitations/{TOKEN}")

    assert response.status_code == status
    assert words in text(response)


def test_an_unavailable_service_gets_a_friendly_french_page(make_client, log_in):
    client, _ = make_client({**member_replies(), ("identity", "get_me"): ServiceUnavailable("identity is down")})
    log_in(client)

    response = client.get("/app")

    assert response.status_code == 503
    assert "Service momentanément indisponible" in text(response)
    assert response.headers["Retry-After"]


def test_an_unknown_page_is_a_french_404_and_the_api_keeps_json(make_client):
    client, _ = make_client()

    page = client.get("/no-such-page")
    api = client.get("/api/v1/no-such-thing")

    assert page.status_code == 404 and "Page introuvable" in text(page)
    assert api.status_code == 404 and api.is_json


@pytest.mark.parametrize("message, french", [
    ("Length must be between 1 and 120.", "Remplissez ce champ (120 caractères au plus)."),
    ("Overlaps the period from 2026-11-23 to 2026-11-24.",
     "Chevauche la période du lundi 23 novembre 2026 au mardi 24 novembre 2026."),
    ("Must be one of: msp, cpts, cds.", "Choisissez une valeur dans la liste."),
    ("Something the catalogue does not know.", "Something the catalogue does not know."),
])
def test_messages_from_the_services_are_translated(settings, message, french):
    from gateway.web.i18n import service_message

    app = create_app(settings, rpc_pool=FakePool())
    with app.test_request_context("/"):
        assert service_message(message) == french


# The catalogue ----------------------------------------------------------------------------------------

def test_the_french_catalogue_is_compiled_when_missing(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    mo = copy / "fr" / "LC_MESSAGES" / "messages.mo"
    assert not mo.exists()

    assert ensure_compiled(copy) == copy

    assert mo.exists() and mo.stat().st_size > 1000
    assert Path(TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.mo").exists()

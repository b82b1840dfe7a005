"""Getting in: login, logout, signing a structure up, accepting an invitation."""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from maillage_shared.contracts.identity import PROFESSIONS, STRUCTURE_KINDS
from maillage_shared.errors import Conflict, Gone, Invalid, MaillageError, NotFound, TooManyRequests, Unauthorized

from ..context import rpc
from .forms import Form, hours_payload, hours_rows_from_data, hours_rows_from_form, set_path
from .i18n import service_message
from .pages import bp
from .session import REFRESH_COOKIE, csrf_token, current_user_id, end_session, safe_next, start_session

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{10,200}$")
HOURS = "structure.opening_hours"


@bp.get("/")
def index():
    return redirect(url_for("web.home") if current_user_id() else url_for("web.login"))


# Login and logout -------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user_id():
            return redirect(next_url)
        return render_template("login.html", form=Form(), next_url=next_url)
    form = Form.from_request(secret_fields=("password",))
    credentials = {"email": form.get("email"), "password": request.form.get("password", "")}
    try:
        tokens = rpc("identity", "login", credentials, request.remote_addr)
    except TooManyRequests:
        form.message = gettext("Too many attempts; try again in a few minutes.")
        return render_template("login.html", form=form, next_url=next_url), 429
    except (Unauthorized, Invalid):  # the same answer whatever was wrong: e-mail, password, format
        form.message = gettext("Wrong e-mail or password.")
        return render_template("login.html", form=form, next_url=next_url), 401
    _begin(tokens)
    return redirect(next_url)


def _begin(tokens: dict) -> None:
    """A new session: nothing of the previous visitor's session survives, the CSRF token changes."""
    session.clear()
    csrf_token()
    start_session(tokens)


@bp.post("/logout")
def logout():
    refresh_token = request.cookies.get(REFRESH_COOKIE)
    if refresh_token:
        try:
            rpc("identity", "logout", {"refresh_token": refresh_token})
        except MaillageError:  # the cookies go anyway; the refresh token expires by itself
            pass
    end_session()
    flash(gettext("You are logged out."), "success")
    return redirect(url_for("web.login"))


# Signing a structure up ---------------------------------------------------------------------------

@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if request.method == "GET":
        form = Form({"structure.kind": "msp", "coordinator.profession": "coordinateur"})
        return _signup_page(form, hours_rows_from_data(None))
    form = Form.from_request(secret_fields=("coordinator.password", "coordinator.password_confirm"))
    rows = hours_rows_from_form(form, HOURS, add_rows="add_hours" in request.form)
    if "add_hours" in request.form:
        return _signup_page(form, rows)
    payload, field_map = _signup_payload(form, rows)
    if form.failed:
        form.message = gettext("Please correct the fields marked below.")
        return _signup_page(form, rows, 400)
    try:
        result = rpc("identity", "signup", payload, request.remote_addr)
    except Conflict as exc:
        if exc.fields and "coordinator.email" not in exc.fields:
            return _signup_page(form.fail(exc, field_map), rows, 409)
        form.add_error("coordinator.email", gettext("An account already uses this e-mail address. Log in, or ask "
                                                    "the structure's coordinator for an invitation."))
        form.message = gettext("Please correct the fields marked below.")
        return _signup_page(form, rows, 409)
    except Invalid as exc:
        return _signup_page(form.fail(exc, field_map), rows, 400)
    _begin(result["tokens"])
    flash(gettext("Welcome! %(name)s is ready. Start by inviting your team.", name=result["structure"]["name"]),
          "success")
    return redirect(url_for("web.structure_home", sid=result["structure"]["id"]))


def _signup_payload(form: Form, rows: list[dict]) -> tuple[dict, dict]:
    payload: dict = {}
    for name in ("structure.kind", "structure.name", "structure.address.line1", "structure.address.line2",
                 "structure.address.postcode", "structure.address.city", "coordinator.first_name",
                 "coordinator.last_name", "coordinator.email", "coordinator.profession"):
        set_path(payload, name, form.get(name))
    set_path(payload, "structure.finess", form.optional("structure.finess"))
    set_path(payload, "structure.phone", form.optional("structure.phone"))
    password = request.form.get("coordinator.password", "")
    if password != request.form.get("coordinator.password_confirm", ""):
        form.add_error("coordinator.password_confirm", gettext("The two passwords are different."))
    set_path(payload, "coordinator.password", password)
    hours, field_map = hours_payload(form, rows, HOURS)
    set_path(payload, HOURS, hours)
    return payload, field_map


def _signup_page(form: Form, rows: list[dict], status: int = 200):
    return render_template("signup.html", form=form, hours_rows=rows, hours_prefix=HOURS,
                           kinds=list(STRUCTURE_KINDS), professions=list(PROFESSIONS)), status


# Invitations --------------------------------------------------------------------------------------

@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    if not _TOKEN_RE.match(token):
        return _invitation_closed("unknown")
    try:
        preview = rpc("identity", "preview_invitation", token)
    except NotFound:
        return _invitation_closed("unknown")
    except Gone:
        return _invitation_closed("gone")
    if request.method == "GET":
        return _invitation_page(preview, Form())
    form = Form.from_request(secret_fields=("password", "password_confirm"))
    password = request.form.get("password", "")
    if preview["account_exists"]:
        payload = {"password": password}
    else:
        payload = {"first_name": form.get("first_name"), "last_name": form.get("last_name"), "password": password,
                   "rpps": form.optional("rpps")}
        if password != request.form.get("password_confirm", ""):
            form.add_error("password_confirm", gettext("The two passwords are different."))
            form.message = gettext("Please correct the fields marked below.")
            return _invitation_page(preview, form, 400)
    try:
        accepted = rpc("identity", "accept_invitation", token, payload, None)
    except Unauthorized:
        form.add_error("password", gettext("Wrong password for this account."))
        form.message = gettext("Please correct the fields marked below.")
        return _invitation_page(preview, form, 401)
    except Invalid as exc:
        return _invitation_page(preview, form.fail(exc), 400)
    except Conflict as exc:  # already a member of this structure
        form.message = service_message(exc.message)
        return _invitation_page(preview, form, 409)
    except NotFound:
        return _invitation_closed("unknown")
    except Gone:
        return _invitation_closed("gone")
    _begin(accepted["tokens"])
    flash(gettext("Welcome to %(name)s!", name=preview["structure_name"]), "success")
    return redirect(url_for("web.structure_home", sid=accepted["structure_id"]))


def _invitation_page(preview: dict, form: Form, status: int = 200):
    return render_template("invitation.html", preview=preview, form=form), status


def _invitation_closed(reason: str):
    return render_template("invitation_closed.html", reason=reason), 404 if reason == "unknown" else 410

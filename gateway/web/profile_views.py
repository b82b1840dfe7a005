"""The user's own profile: names, phone, RPPS, language."""
from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_babel import gettext, refresh
from maillage_shared.errors import Invalid

from ..context import rpc
from .forms import Form
from .i18n import LOCALES
from .pages import bp, render_page, user_page

FIELDS = ("first_name", "last_name", "phone", "rpps", "locale")


@bp.get("/app/me")
def profile():
    page = user_page()
    user = page.user
    form = Form({name: user.get(name) or "" for name in FIELDS})
    return render_page("profile.html", page, active="profile", form=form)


@bp.post("/app/me")
def update_profile():
    page = user_page()
    form = Form.from_request()
    payload = {"first_name": form.get("first_name"), "last_name": form.get("last_name"),
               "phone": form.optional("phone"), "rpps": form.optional("rpps")}
    if form.get("locale") in LOCALES:
        payload["locale"] = form.get("locale")
    try:
        rpc("identity", "update_profile", page.user_id, payload)
    except Invalid as exc:
        return render_page("profile.html", page, active="profile", status=400, form=form.fail(exc))
    if "locale" in payload:
        g.remember_lang = payload["locale"]  # the cookie would otherwise keep the previous choice
        g.me["user"]["locale"] = payload["locale"]
        refresh()
    flash(gettext("Your profile is saved."), "success")
    return redirect(url_for("web.profile"))

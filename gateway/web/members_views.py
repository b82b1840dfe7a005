"""Members of a structure: coordinators change roles and professions, remove, invite, revoke.

Members who are not coordinators see the list only. Identity checks the role again on
every change; the checks here only decide what the page offers.
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.contracts.identity import PROFESSIONS, ROLES
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from ..context import rpc
from .forms import Form
from .i18n import service_message
from .pages import Page, bp, render_page, structure_page


def _coordinator_page(sid: str) -> Page:
    page = structure_page(sid)
    if not page.is_coordinator:
        raise Forbidden("Only a coordinator of this structure can do this.")
    return page


@bp.get("/app/s/<sid>/members")
def members(sid: str):
    page = structure_page(sid)
    return _members_page(page, Form({"role": "member", "profession": ""}))


@bp.post("/app/s/<sid>/members/<uid>")
def update_member(sid: str, uid: str):
    page = _coordinator_page(sid)
    changes = {key: request.form[key] for key in ("role", "profession") if request.form.get(key)}
    try:
        member = rpc("identity", "update_member", page.user_id, sid, uid, changes)
    except Conflict:
        flash(gettext("A structure needs at least one coordinator: name another coordinator first."), "error")
    except (Invalid, NotFound) as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("%(name)s: changes saved.", name=_full_name(member)), "success")
    return redirect(url_for("web.members", sid=sid) + f"#member-{uid}")


@bp.route("/app/s/<sid>/members/<uid>/remove", methods=["GET", "POST"])
def remove_member(sid: str, uid: str):
    page = _coordinator_page(sid)
    member = next((m for m in rpc("identity", "list_members", sid) if m["user_id"] == uid), None)
    if member is None:
        raise NotFound("Member not found.")
    if request.method == "GET":
        return render_page("member_remove.html", page, active="members", member=member)
    try:
        rpc("identity", "remove_member", page.user_id, sid, uid)
    except Conflict:
        flash(gettext("A structure needs at least one coordinator: name another coordinator first."), "error")
        return redirect(url_for("web.members", sid=sid))
    flash(gettext("%(name)s no longer belongs to the structure.", name=_full_name(member)), "success")
    if uid == page.user_id:
        return redirect(url_for("web.home"))
    return redirect(url_for("web.members", sid=sid))


@bp.post("/app/s/<sid>/invitations")
def invite(sid: str):
    page = _coordinator_page(sid)
    form = Form.from_request()
    payload = {"email": form.get("email"), "role": form.get("role"), "profession": form.get("profession")}
    try:
        invitation = rpc("identity", "invite", page.user_id, sid, payload)
    except Conflict as exc:
        if not exc.fields:
            form.add_error("email", gettext("This person is already a member, or already has a pending invitation."))
        return _members_page(page, form.fail(exc), 409)
    except Invalid as exc:
        return _members_page(page, form.fail(exc), 400)
    flash(gettext("Invitation sent to %(email)s.", email=invitation["email"]), "success")
    return redirect(url_for("web.members", sid=sid) + "#invitations")


@bp.post("/app/s/<sid>/invitations/<iid>/revoke")
def revoke_invitation(sid: str, iid: str):
    page = _coordinator_page(sid)
    try:
        rpc("identity", "revoke_invitation", page.user_id, sid, iid)
    except NotFound:
        flash(gettext("This invitation no longer exists."), "info")
    except Conflict as exc:  # accepted in the meantime
        flash(service_message(exc.message), "info")
    else:
        flash(gettext("Invitation revoked: its link no longer works."), "success")
    return redirect(url_for("web.members", sid=sid) + "#invitations")


def _members_page(page: Page, invite_form: Form, status: int = 200):
    member_list = rpc("identity", "list_members", page.sid)
    invitations = []
    if page.is_coordinator:
        invitations = [i for i in rpc("identity", "list_invitations", page.user_id, page.sid)
                       if i.get("status") == "pending"]
    coordinators = sum(1 for m in member_list if m["role"] == "coordinator")
    return render_page("members.html", page, active="members", status=status, members=member_list,
                       invitations=invitations, form=invite_form, roles=ROLES, professions=list(PROFESSIONS),
                       coordinators=coordinators)


def _full_name(member: dict) -> str:
    return f"{member.get('first_name', '')} {member.get('last_name', '')}".strip()

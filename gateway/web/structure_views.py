"""The structure's details and opening hours: coordinators edit them, members read them."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.contracts.identity import STRUCTURE_KINDS
from maillage_shared.errors import Forbidden, Invalid

from ..context import rpc
from .forms import Form, hours_payload, hours_rows_from_data, hours_rows_from_form, set_path
from .pages import Page, bp, render_page, structure_page

HOURS = "opening_hours"
TEXT_FIELDS = ("kind", "name", "address.line1", "address.line2", "address.postcode", "address.city")


@bp.get("/app/s/<sid>/structure")
def structure(sid: str):
    page = structure_page(sid)
    details = rpc("identity", "get_structure", sid)
    form = Form(_flat(details))
    return _structure_page(page, details, form, hours_rows_from_data(details.get("opening_hours")))


@bp.post("/app/s/<sid>/structure")
def update_structure(sid: str):
    page = structure_page(sid)
    if not page.is_coordinator:
        raise Forbidden("Only a coordinator of this structure can do this.")
    form = Form.from_request()
    adding = "add_hours" in request.form
    rows = hours_rows_from_form(form, HOURS, add_rows=adding)
    if adding:
        return _structure_page(page, None, form, rows)
    payload: dict = {}
    for name in TEXT_FIELDS:
        set_path(payload, name, form.get(name))
    payload["finess"] = form.optional("finess")
    payload["phone"] = form.optional("phone")
    payload[HOURS], field_map = hours_payload(form, rows, HOURS)
    if form.failed:
        form.message = gettext("Please correct the fields marked below.")
        return _structure_page(page, None, form, rows, 400)
    try:
        rpc("identity", "update_structure", page.user_id, sid, payload)
    except Invalid as exc:
        return _structure_page(page, None, form.fail(exc, field_map), rows, 400)
    flash(gettext("The structure's details are saved."), "success")
    return redirect(url_for("web.structure", sid=sid))


def _flat(details: dict) -> dict:
    address = details.get("address") or {}
    return {"kind": details.get("kind", ""), "name": details.get("name", ""), "finess": details.get("finess") or "",
            "phone": details.get("phone") or "", "address.line1": address.get("line1", ""),
            "address.line2": address.get("line2", ""), "address.postcode": address.get("postcode", ""),
            "address.city": address.get("city", "")}


def _structure_page(page: Page, details: dict | None, form: Form, rows: list[dict], status: int = 200):
    if details is None and not page.is_coordinator:
        details = rpc("identity", "get_structure", page.sid)
    return render_page("structure.html", page, active="structure", status=status, details=details, form=form,
                       hours_rows=rows, hours_prefix=HOURS, kinds=list(STRUCTURE_KINDS))

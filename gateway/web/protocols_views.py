"""Team protocols and the instance's library: the protocol editor (the HAS fields, steps as
rows: who does what, when, how), validation by a coordinator, publication, the structure's
list of protocols with their reviews, the library (search, a protocol's page, import).
"""
from __future__ import annotations

import json

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.contracts.identity import PROFESSIONS
from maillage_shared.contracts.projects import ACI_PROTOCOL_THEMES
from maillage_shared.errors import Conflict, Forbidden, Gone, Invalid, NotFound

from .. import file_streams
from ..context import rpc
from .documents_views import document_page, show_document
from .forms import Form
from .i18n import N_, service_message
from .pages import Page, bp, render_page, structure_page
from .session import require_user

EXTRA_STEP_ROWS = 2
EXTRA_REFERENCE_ROWS = 1
MAX_ROWS = 60
STEP_KEYS = ("what", "when", "how")
SERVICE_MESSAGES = (
    N_("Say which need of the team this protocol answers."), N_("A protocol involves at least two professions."),
    N_("Describe at least one step: who does what, when and how."),
    N_("Choose the ACI theme (annexe 3), or « hors liste »."),
    N_("The protocol is not complete enough to be validated."), N_("A validation cannot be dated in the future."),
    N_("Today at the latest."), N_("The review date must come after the validation date."),
    N_("Declare this document a protocol first."),
    N_("Only a protocol the team validated can be published to the library."),
    N_("A restricted document cannot be published: make it readable by the whole structure first."),
    N_("This protocol is in the library: withdraw it from the library first."),
    N_("A link starts with http:// or https://."), N_("Protocol not found in the library."),
)


# The editor --------------------------------------------------------------------------------

def _form_from_protocol(protocol: dict | None) -> tuple[Form, dict, int, int]:
    protocol = protocol or {}
    values = {"need": protocol.get("need", ""), "population": protocol.get("population", ""),
              "aci_theme": protocol.get("aci_theme") or "", "review_on": str(protocol.get("review_on") or "")}
    chosen = {"professions": list(protocol.get("professions", []))}
    steps, references = protocol.get("steps", []), protocol.get("references", [])
    for index, step in enumerate(steps):
        for key in STEP_KEYS:
            values[f"steps.{index}.{key}"] = step.get(key, "")
        chosen[f"steps.{index}.who"] = list(step.get("who", []))
    for index, reference in enumerate(references):
        values[f"references.{index}.citation"] = reference.get("citation", "")
        values[f"references.{index}.url"] = reference.get("url") or ""
    return Form(values), chosen, len(steps) + EXTRA_STEP_ROWS, len(references) + EXTRA_REFERENCE_ROWS


def _rows(form: Form, name: str) -> int:
    try:
        return min(max(int(form.get(f"{name}_rows", "0")), 0), MAX_ROWS)
    except ValueError:
        return 0


@bp.get("/app/documents/<did>/protocol")
def protocol(did: str):
    page, document = document_page(did)
    form, chosen, step_rows, reference_rows = _form_from_protocol(document["protocol"])
    return _editor(page, document, form, chosen, step_rows, reference_rows)


@bp.post("/app/documents/<did>/protocol")
def save_protocol(did: str):
    page, document = document_page(did)
    form = Form.from_request()
    chosen = {"professions": request.form.getlist("professions")}
    step_rows, reference_rows = _rows(form, "steps"), _rows(form, "references")
    for index in range(step_rows):
        chosen[f"steps.{index}.who"] = request.form.getlist(f"steps.{index}.who")
    if "add_step" in request.form or "add_reference" in request.form:
        step_rows += EXTRA_STEP_ROWS if "add_step" in request.form else 0
        reference_rows += EXTRA_REFERENCE_ROWS if "add_reference" in request.form else 0
        return _editor(page, document, form, chosen, min(step_rows, MAX_ROWS), min(reference_rows, MAX_ROWS))
    payload, field_map = _payload(form, chosen, step_rows, reference_rows)
    if form.failed:
        form.message = gettext("Please correct the fields marked below.")
        return _editor(page, document, form, chosen, step_rows, reference_rows, 400)
    try:
        saved = rpc("documents", "declare_protocol", page.user_id, did, payload)
    except (Invalid, Forbidden, Conflict) as exc:
        return _editor(page, document, form.fail(exc, field_map), chosen, step_rows, reference_rows, exc.http_status)
    if document["protocol"] and document["protocol"]["status"] == "validated" and saved["protocol"]["status"] == "draft":
        flash(gettext("The protocol is saved. It changed, so it is a draft again: the team validates it anew."), "info")
    else:
        flash(gettext("The protocol is saved."), "success")
    return redirect(url_for("web.document", did=did) + "#protocol")


def _payload(form: Form, chosen: dict, step_rows: int, reference_rows: int) -> tuple[dict, dict]:
    """What to send, and how the service's field errors map back to the rows of the form.
    An empty row is ignored; a step without its "what" is an error on that row."""
    steps, references, field_map = [], [], {}
    for index in range(step_rows):
        row = {key: form.get(f"steps.{index}.{key}").strip() for key in STEP_KEYS}
        who = chosen.get(f"steps.{index}.who", [])
        if not any(row.values()) and not who:
            continue
        if not row["what"]:
            form.add_error(f"steps.{index}.what", gettext("Say what is done at this step."))
        if not who:
            form.add_error(f"steps.{index}.who", gettext("Choose who does it."))
        sent = len(steps)
        for key in (*STEP_KEYS, "who"):
            field_map[f"steps.{sent}.{key}"] = f"steps.{index}.{key}"
        field_map[f"steps.{sent}"] = f"steps.{index}.what"
        field_map.update({f"steps.{sent}.who.{k}": f"steps.{index}.who" for k in range(len(who))})
        steps.append({"who": who, **row})
    for index in range(reference_rows):
        citation, url = form.get(f"references.{index}.citation").strip(), form.get(f"references.{index}.url").strip()
        if not citation and not url:
            continue
        if not citation:
            form.add_error(f"references.{index}.citation", gettext("Give the reference's title and source."))
        sent = len(references)
        field_map[f"references.{sent}.citation"] = f"references.{index}.citation"
        field_map[f"references.{sent}.url"] = f"references.{index}.url"
        references.append({"citation": citation, "url": url or None})
    payload = {"need": form.get("need"), "population": form.get("population"),
               "professions": chosen.get("professions", []), "steps": steps, "references": references,
               "aci_theme": form.optional("aci_theme"), "review_on": form.optional("review_on")}
    return payload, field_map


def _editor(page: Page, document: dict, form: Form, chosen: dict, step_rows: int, reference_rows: int,
            status: int = 200):
    return render_page("protocol_edit.html", page, active="documents", status=status, document=document, form=form,
                       chosen=chosen, step_rows=step_rows, reference_rows=reference_rows,
                       professions=list(PROFESSIONS), themes=ACI_PROTOCOL_THEMES)


# Validation and publication ------------------------------------------------------------------

@bp.post("/app/documents/<did>/protocol/validate")
def validate_protocol(did: str):
    page, document = document_page(did)
    form = Form.from_request()
    try:
        rpc("documents", "validate_protocol", page.user_id, did,
            {"validated_on": form.optional("validated_on"), "review_on": form.get("review_on")})
    except (Invalid, Forbidden, Conflict) as exc:
        if isinstance(exc, Invalid) and set(exc.fields) - {"validated_on", "review_on"}:
            flash(service_message(exc.message) + " " + " ".join(service_message(m) for m in exc.fields.values()),
                  "error")
            return redirect(url_for("web.protocol", did=did))
        return show_document(page, document, validation_form=form.fail(exc), status=exc.http_status)
    flash(gettext("The protocol is validated: it counts for the ACI from now on."), "success")
    return redirect(url_for("web.document", did=did) + "#protocol")


@bp.post("/app/documents/<did>/protocol/publish")
def publish_protocol(did: str):
    page, _ = document_page(did)
    try:
        rpc("documents", "publish_protocol", page.user_id, did)
    except (Forbidden, Conflict, Gone) as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("The protocol is in the library: every structure of the platform can find and import it."),
              "success")
    return redirect(url_for("web.document", did=did) + "#protocol")


@bp.post("/app/documents/<did>/protocol/withdraw")
def withdraw_protocol(did: str):
    page, _ = document_page(did)
    try:
        rpc("documents", "withdraw_protocol", page.user_id, did)
    except Forbidden as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("The protocol is no longer in the library."), "success")
    return redirect(url_for("web.document", did=did) + "#protocol")


@bp.post("/app/documents/<did>/protocol/remove")
def remove_protocol(did: str):
    page, _ = document_page(did)
    try:
        rpc("documents", "remove_protocol", page.user_id, did)
    except (Forbidden, Conflict) as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("This document is no longer a protocol."), "success")
    return redirect(url_for("web.document", did=did))


# The structure's protocols and the library ------------------------------------------------------

@bp.get("/app/s/<sid>/protocols")
def protocols(sid: str):
    page = structure_page(sid)
    found = rpc("documents", "list_protocols", page.user_id, sid, {})
    return render_page("protocols.html", page, active="documents", protocols=found, themes=ACI_PROTOCOL_THEMES)


@bp.get("/app/s/<sid>/library")
def library(sid: str):
    page = structure_page(sid)
    form = Form({key: request.args.get(key, "") for key in ("q", "theme", "profession")})
    query = {"q": form.get("q")[:200], "theme": form.get("theme") if form.get("theme") in ACI_PROTOCOL_THEMES else None,
             "profession": form.get("profession") if form.get("profession") in PROFESSIONS else None}
    entries = rpc("documents", "search_library", page.user_id, query)
    return render_page("library.html", page, active="documents", form=form, entries=entries,
                       themes=ACI_PROTOCOL_THEMES, professions=list(PROFESSIONS),
                       searching=any(query.values()))


@bp.get("/app/s/<sid>/library/<lid>")
def library_entry(sid: str, lid: str):
    page = structure_page(sid)
    entry = rpc("documents", "get_library_entry", page.user_id, lid)
    return render_page("library_entry.html", page, active="documents", entry=entry, themes=ACI_PROTOCOL_THEMES)


@bp.post("/app/s/<sid>/library/<lid>/import")
def import_protocol(sid: str, lid: str):
    page = structure_page(sid)
    try:
        imported = rpc("documents", "import_protocol", page.user_id, lid,
                       {"structure_id": sid, "folder": "Protocoles"})
    except (Forbidden, Gone, NotFound) as exc:
        if isinstance(exc, NotFound):
            raise
        flash(service_message(exc.message), "error")
        return redirect(url_for("web.library_entry", sid=sid, lid=lid))
    flash(gettext("« %(title)s » is imported as a draft: adapt it to your team, then validate it.",
                  title=imported["title"]), "success")
    return redirect(url_for("web.document", did=imported["id"]))


@bp.get("/app/documents/<did>/protocol/fhir")
def protocol_fhir(did: str):
    """The protocol as a FHIR R4 PlanDefinition, to download."""
    user_id = require_user()
    resource = rpc("documents", "protocol_plan_definition", user_id, did)
    response = current_app.response_class(json.dumps(resource, ensure_ascii=False, indent=2),
                                          mimetype="application/fhir+json")
    response.headers["Content-Disposition"] = f'attachment; filename="{resource.get("name", "protocol")}.fhir.json"'
    return response


@bp.get("/app/library/<lid>/content")
def library_content(lid: str):
    user_id = require_user()
    ticket = rpc("documents", "open_library_content", user_id, lid)
    return file_streams.content_response(ticket, inline=request.args.get("inline") == "1")

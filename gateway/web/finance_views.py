"""The ACI funding pages: the year's ACI page (indicators, evidence, what is missing, the
inputs form for coordinators), payments, the distribution (each member's share, live; the
policy editor for coordinators) and the report downloads."""
from __future__ import annotations

import base64
import re
import uuid

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.errors import Forbidden, Invalid, NotFound

from ..context import rpc
from . import finance_i18n as fi
from .forms import Form
from .i18n import today_in_paris
from .pages import Page, bp, render_page, structure_page

MONEY_RE = re.compile(r"^-?\d{1,9}([.,]\d{1,2})?$")


def euros_to_cents(text: str) -> int | None:
    """« 1 234,56 » → 123456; None when empty; ValueError when not an amount."""
    cleaned = (text or "").replace("\u00a0", "").replace(" ", "").replace("€", "")
    if not cleaned:
        return None
    if not MONEY_RE.match(cleaned):
        raise ValueError(text)
    whole, _, decimals = cleaned.replace(",", ".").partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((decimals + "00")[:2]))


def cents_to_input(cents) -> str:
    if cents is None:
        return ""
    whole, rest = divmod(int(cents), 100)
    return f"{whole},{rest:02d}" if rest else str(whole)


def _int(text: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the service names the field


def _number(text: str):
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _check(form: Form, name: str) -> bool:
    return form.get(name) in ("1", "on", "true", "yes")


@bp.get("/app/s/<sid>/finance")
def finance(sid: str):
    structure_page(sid)
    return redirect(url_for("web.finance_year", sid=sid, year=today_in_paris().year))


# The ACI page ---------------------------------------------------------------------------------

@bp.get("/app/s/<sid>/finance/<int:year>")
def finance_year(sid: str, year: int):
    page = structure_page(sid)
    return _aci_page(page, year, None)


def _aci_page(page: Page, year: int, form: Form | None, status: int = 200):
    aci = rpc("finance", "aci_page", page.user_id, page.sid, year)
    members = rpc("identity", "list_members", page.sid) if aci["can_edit"] else []
    if form is None:
        form = Form(declaration_values(aci["declaration"], aci["remuneration"]))
    return render_page("finance_aci.html", page, active="finance", status=status, aci=aci, year=year, form=form,
                       rules=fi.INDICATOR_INPUTS, member_options=[
                           (m["user_id"], f"{m['first_name']} {m['last_name']}") for m in members],
                       **fi.template_helpers())


def declaration_values(declaration: dict, remuneration: dict) -> dict:
    values = {}
    for name in ("patientele", "partner_professionals", "ald_or_75_patients", "size_tier"):
        values[name] = "" if declaration.get(name) is None else str(declaration[name])
    for name in ("ipa_present", "crisis_occurred", "new_structure", "early_signatory"):
        values[name] = "1" if declaration.get(name) else ""
    values["contract_signed_on"] = declaration.get("contract_signed_on") or ""
    values["notes"] = declaration.get("notes") or ""
    for code, entry in (declaration.get("indicators") or {}).items():
        for key in ("level", "count", "hours", "meetings", "cases"):
            if entry.get(key) is not None:
                values[f"indicators.{code}.{key}"] = str(entry[key]).replace(".", ",") if key == "hours" \
                    else str(entry[key])
        if entry.get("met"):
            values[f"indicators.{code}.met"] = "1"
    missions = list(declaration.get("missions") or [])
    for index in range(max(len(missions), 2)):
        mission = missions[index] if index < len(missions) else {}
        values[f"missions.{index}.title"] = mission.get("title", "")
        values[f"missions.{index}.topic"] = mission.get("topic") or ""
        values[f"missions.{index}.lead_id"] = mission.get("lead_id") or ""
        values[f"missions.{index}.done"] = "1" if mission.get("done") else ""
    for mission in remuneration.get("missions") or []:
        code = mission["code"]
        values[f"cpts_missions.{code}.started"] = "1" if mission["started"] else ""
        values[f"cpts_missions.{code}.variable_percent"] = "" if mission["variable_percent"] is None \
            else str(mission["variable_percent"])
        values[f"cpts_missions.{code}.lead_id"] = mission.get("lead_id") or ""
    return values


def declaration_payload(form: Form, aci: dict) -> dict:
    remuneration, stored = aci["remuneration"], aci["declaration"]
    payload = {name: _int(form.get(name)) for name in ("patientele", "partner_professionals", "ald_or_75_patients")}
    payload.update({name: _check(form, name) for name in ("ipa_present", "crisis_occurred", "new_structure",
                                                          "early_signatory")})
    payload["contract_signed_on"] = form.optional("contract_signed_on")
    payload["notes"] = form.get("notes")
    if aci["structure"]["kind"] == "cpts":
        payload["size_tier"] = _int(form.get("size_tier"))
        missions = {}
        for mission in remuneration["missions"]:
            code = mission["code"]
            if mission["class"] == "operating":
                continue
            previous = (stored.get("cpts_missions") or {}).get(code) or {}
            missions[code] = {"started": _check(form, f"cpts_missions.{code}.started"),
                              "variable_percent": _int(form.get(f"cpts_missions.{code}.variable_percent")),
                              "lead_id": form.optional(f"cpts_missions.{code}.lead_id"),
                              "actions": previous.get("actions") or []}  # actions are edited through the API
        payload["cpts_missions"] = missions
        return payload
    indicators = {}
    for line in remuneration["indicators"]:
        code, entry = line["code"], {}
        for key in fi.INDICATOR_INPUTS.get(line["code"], ()):
            name = f"indicators.{code}.{key}"
            if key == "met":
                entry["met"] = _check(form, name)
            elif key == "hours":
                entry["hours"] = _number(form.get(name))
            else:
                entry[key] = _int(form.get(name))
        if entry:
            indicators[code] = entry
    payload["indicators"] = indicators
    missions = []
    for index in range(2):
        title = form.get(f"missions.{index}.title")
        if title:
            missions.append({"title": title, "topic": form.optional(f"missions.{index}.topic"),
                             "lead_id": form.optional(f"missions.{index}.lead_id"),
                             "done": _check(form, f"missions.{index}.done")})
    payload["missions"] = missions
    return payload


@bp.post("/app/s/<sid>/finance/<int:year>/declaration")
def save_declaration(sid: str, year: int):
    page = structure_page(sid)
    form = Form.from_request()
    aci = rpc("finance", "aci_page", page.user_id, sid, year)
    try:
        rpc("finance", "save_declaration", page.user_id, sid, year, declaration_payload(form, aci))
    except (Invalid, Forbidden) as exc:
        # marshmallow names a value of a dict "<key>.value": the input is "<key>".
        field_map = {name: name.replace(".value.", ".") for name in exc.fields if ".value." in name}
        return _aci_page(page, year, form.fail(exc, field_map), exc.http_status)
    flash(gettext("Declaration saved: the amounts and the shares are recomputed."), "success")
    return redirect(url_for("web.finance_year", sid=sid, year=year))


# Payments ----------------------------------------------------------------------------------------

@bp.get("/app/s/<sid>/finance/<int:year>/payments")
def finance_payments(sid: str, year: int):
    page = structure_page(sid)
    return _payments_page(page, year, Form({"received_on": today_in_paris().isoformat(), "kind": "advance",
                                            "request_id": uuid.uuid4().hex}))


def _payments_page(page: Page, year: int, form: Form, status: int = 200):
    payments = rpc("finance", "payments", page.user_id, page.sid, year)
    return render_page("finance_payments.html", page, active="finance", status=status, payments=payments, year=year,
                       form=form, **fi.template_helpers())


@bp.post("/app/s/<sid>/finance/<int:year>/payments")
def record_payment(sid: str, year: int):
    page = structure_page(sid)
    form = Form.from_request()
    try:
        amount = euros_to_cents(form.get("amount"))
    except ValueError:
        form.add_error("amount", gettext("Enter an amount in euros, such as 12 500,00."))
        return _payments_page(page, year, form, 400)
    payload = {"kind": form.get("kind"), "amount_cents": amount, "received_on": form.get("received_on"),
               "reference": form.get("reference"), "note": form.get("note"), "request_id": form.optional("request_id")}
    try:
        rpc("finance", "record_payment", page.user_id, sid, year, payload)
    except (Invalid, Forbidden) as exc:
        return _payments_page(page, year, form.fail(exc, {"amount_cents": "amount"}), exc.http_status)
    flash(gettext("Payment recorded."), "success")
    return redirect(url_for("web.finance_payments", sid=sid, year=year))


# Distribution and policy --------------------------------------------------------------------------

@bp.get("/app/s/<sid>/finance/<int:year>/distribution")
def finance_distribution(sid: str, year: int):
    page = structure_page(sid)
    return _distribution_page(page, year, None)


def _distribution_page(page: Page, year: int, form: Form | None, status: int = 200):
    distribution = rpc("finance", "distribution", page.user_id, page.sid, year)
    policy = rpc("finance", "get_policy", page.user_id, page.sid, year)
    members = rpc("identity", "list_members", page.sid) if page.is_coordinator else []
    history = rpc("finance", "history", page.user_id, page.sid, year, {"limit": 20}) if page.is_coordinator else None
    if form is None:
        form = Form(policy_values(policy))
    return render_page("finance_distribution.html", page, active="finance", status=status, year=year,
                       distribution=distribution, policy=policy, form=form, history=history,
                       members=[m for m in members if m["role"] != "guest"], **fi.template_helpers())


def policy_values(policy: dict) -> dict:
    reserve = policy.get("reserve") or {}
    values = {"basis": policy["basis"], "fixed_amount": cents_to_input(policy.get("fixed_amount_cents")),
              "reserve.kind": reserve.get("kind", "none"), "reserve.amount": cents_to_input(reserve.get("amount_cents")),
              "reserve.percent": str(reserve.get("percent") or "").replace(".", ",").removesuffix(",0"),
              "reserve.label": reserve.get("label", ""), "pass_cap_excess": policy.get("pass_cap_excess"),
              "note": policy.get("note", ""),
              "per_protocol": cents_to_input((policy.get("deliverables") or {}).get("per_protocol_cents") or None),
              "per_mission": cents_to_input((policy.get("deliverables") or {}).get("per_mission_cents") or None)}
    for key in policy.get("keys") or []:
        name = fi.key_field(key["kind"], key.get("scope"))
        values[f"{name}.weight"] = str(key["weight"])
        if key["kind"] == "equal_share":
            for user_id in key.get("user_ids") or []:
                values[f"partner.{user_id}"] = "1"
    for manual in policy.get("manual_amounts") or []:
        values[f"manual.{manual['user_id']}"] = cents_to_input(manual["amount_cents"])
    return values


def policy_payload(form: Form, members: list[dict], stored: dict) -> dict:
    def money(name: str):
        try:
            return euros_to_cents(form.get(name))
        except ValueError:
            form.add_error(name, gettext("Enter an amount in euros, such as 12 500,00."))
            return None

    keys = []
    for kind, scope in fi.KEY_ROWS:
        weight = _int(form.get(f"{fi.key_field(kind, scope)}.weight"))
        if weight in (None, 0) and kind != "equal_share":
            continue
        if weight in (None, 0):
            continue
        key = {"kind": kind, "weight": weight, "scope": scope or "all"}
        if kind == "equal_share":
            key["user_ids"] = [m["user_id"] for m in members if _check(form, f"partner.{m['user_id']}")]
        keys.append(key)
    reserve_kind = form.get("reserve.kind") or "none"
    percent = _number(form.get("reserve.percent")) if reserve_kind == "percent" else 0
    manual = []
    for member in members:
        cents = money(f"manual.{member['user_id']}")
        if cents:
            manual.append({"user_id": member["user_id"], "amount_cents": cents})
    return {"basis": form.get("basis") or "expected",
            "fixed_amount_cents": money("fixed_amount") if form.get("basis") == "fixed" else None,
            "reserve": {"kind": reserve_kind, "amount_cents": (money("reserve.amount") or 0) if reserve_kind == "fixed"
                        else 0, "percent": percent if percent is not None else 0, "label": form.get("reserve.label")},
            "keys": keys,
            "deliverables": {"per_protocol_cents": money("per_protocol") or 0,
                             "per_mission_cents": money("per_mission") or 0,
                             "protocol_authors": (stored.get("deliverables") or {}).get("protocol_authors") or {}},
            "manual_amounts": manual, "pass_cap_excess": form.get("pass_cap_excess") or "redistribute",
            "note": form.get("note")}


FIELD_MAP = {"reserve.percent": "reserve.percent", "reserve.amount_cents": "reserve.amount",
             "fixed_amount_cents": "fixed_amount", "deliverables.per_protocol_cents": "per_protocol",
             "deliverables.per_mission_cents": "per_mission"}


@bp.post("/app/s/<sid>/finance/<int:year>/policy")
def save_policy(sid: str, year: int):
    page = structure_page(sid)
    form = Form.from_request()
    members = [m for m in rpc("identity", "list_members", sid) if m["role"] != "guest"]
    stored = rpc("finance", "get_policy", page.user_id, sid, year)
    payload = policy_payload(form, members, stored)
    if form.errors:
        return _distribution_page(page, year, form, 400)
    try:
        rpc("finance", "set_policy", page.user_id, sid, year, payload)
    except (Invalid, Forbidden) as exc:
        field_map = dict(FIELD_MAP)
        for index, key in enumerate(payload["keys"]):
            field_map[f"keys.{index}.weight"] = f"{fi.key_field(key['kind'], key.get('scope'))}.weight"
            field_map[f"keys.{index}.user_ids"] = f"{fi.key_field(key['kind'], key.get('scope'))}.weight"
        field_map["keys"] = "keys"
        return _distribution_page(page, year, form.fail(exc, field_map), exc.http_status)
    flash(gettext("Distribution rules saved: the shares are recomputed."), "success")
    return redirect(url_for("web.finance_distribution", sid=sid, year=year))


# Catalogue overrides (instance admins) -------------------------------------------------------------
# Instance-wide, shown under a structure's finance pages to keep their navigation. The finance
# service decides who is an instance admin (MAILLAGE_INSTANCE_ADMINS): anyone else gets its Forbidden.

OVERRIDE_FIELDS = {"catalogue_id": "catalogue_id", "path": "field", "value": "value", "reason": "reason",
                   "clear": "clear"}
WHOLE_NUMBER = re.compile(r"^-?\d+$")


@bp.get("/app/s/<sid>/finance/<int:year>/catalogue")
def finance_catalogue(sid: str, year: int):
    page = structure_page(sid)
    form = Form({name: request.args.get(name, "")[:200] for name in ("catalogue_id", "indicator", "field")})
    return _catalogue_page(page, year, form)


def _catalogue_page(page: Page, year: int, form: Form, status: int = 200):
    catalogues = rpc("finance", "list_catalogues", page.user_id)
    history = rpc("finance", "override_history", page.user_id)
    names = {m["user_id"]: f"{m['first_name']} {m['last_name']}".strip()
             for m in rpc("identity", "list_members", page.sid)}
    latest = {}
    for change in history:  # newest first
        latest.setdefault((change["catalogue_id"], change["path"]), change)
    current = [{"catalogue": catalogue, "value": value, "change": latest.get((catalogue["id"], value["path"]))}
               for catalogue in catalogues for value in catalogue["values"] if value["overridden"]]
    paths = {value["path"] for catalogue in catalogues for value in catalogue["values"]}
    indicators = sorted({path.split(".")[1] for path in paths if path.startswith("indicators.")})
    field_names = sorted({path.split(".", 2)[2] if path.startswith("indicators.") and path.count(".") >= 2 else path
                          for path in paths})
    return render_page("finance_catalogue.html", page, active="finance", status=status, year=year, form=form,
                       catalogue_options=[(c["id"], f"{c['title']} ({c['id']})") for c in catalogues], current=current, history=history, indicators=indicators,
                       field_names=field_names, who=lambda uid: names.get(uid) or uid,
                       value_text=fi.catalogue_value, **fi.template_helpers())


def override_payload(form: Form) -> dict:
    indicator, field = form.get("indicator"), form.get("field")
    path = f"indicators.{indicator}.{field}" if indicator and field else field
    clear = _check(form, "clear")
    raw = form.get("value").replace("\u00a0", "").strip()
    if not field:
        form.add_error("field", gettext("Enter the field to change."))
    if not clear and not raw:
        form.add_error("value", gettext("Enter the new value, or go back to the file's value."))
    value = None if clear else int(raw.replace(" ", "")) if WHOLE_NUMBER.match(raw.replace(" ", "")) else raw
    return {"catalogue_id": form.get("catalogue_id"), "path": path, "value": value, "clear": clear,
            "reason": form.get("reason")}


@bp.post("/app/s/<sid>/finance/<int:year>/catalogue")
def override_catalogue_value(sid: str, year: int):
    page = structure_page(sid)
    form = Form.from_request()
    payload = override_payload(form)
    if form.errors:
        return _catalogue_page(page, year, form, 400)
    try:
        change = rpc("finance", "override_value", page.user_id, payload)
    except NotFound as exc:  # no such catalogue
        form.add_error("catalogue_id", fi.override_message(exc.message))
        return _catalogue_page(page, year, form.fail(exc), 400)
    except Invalid as exc:
        if "path" in (exc.fields or {}):
            form.add_error("field", fi.override_message(exc.fields["path"]))
        return _catalogue_page(page, year, form.fail(exc, OVERRIDE_FIELDS), exc.http_status)
    flash(gettext("%(path)s of %(catalogue)s is now %(value)s: every ledger using it is recomputed.",
                  path=change["path"], catalogue=change["catalogue_id"], value=fi.catalogue_value(change["after"])),
          "success")
    return redirect(url_for("web.finance_catalogue", sid=sid, year=year))


# Report downloads -----------------------------------------------------------------------------------

@bp.get("/app/s/<sid>/finance/<int:year>/report.<fmt>")
def finance_report(sid: str, year: int, fmt: str):
    page = structure_page(sid)
    if fmt == "pdf":
        pdf = base64.b64decode(rpc("finance", "report_pdf", page.user_id, sid, year))
        return Response(pdf, headers={"Content-Type": "application/pdf",
                                      "Content-Disposition": f'attachment; filename="rapport-aci-{year}.pdf"'})
    if fmt == "csv":
        text = rpc("finance", "report_csv", page.user_id, sid, year)
        return Response(text, headers={"Content-Type": "text/csv; charset=utf-8",
                                       "Content-Disposition": f'attachment; filename="rapport-aci-{year}.csv"'})
    if fmt == "json":
        import json

        body = json.dumps(rpc("finance", "report", page.user_id, sid, year), ensure_ascii=False, indent=2)
        return Response(body, headers={"Content-Type": "application/json; charset=utf-8",
                                       "Content-Disposition": f'attachment; filename="rapport-aci-{year}.json"'})
    from maillage_shared.errors import NotFound

    raise NotFound("No such format.")

"""Form helpers of the meetings pages: rows of slots, actions, cases and attendance, turned
into the contract's payloads; Markdown notes rendered safely.

Inputs are named after the contract's field paths (``slots.0.start``, ``cases.1.code``,
``entries.2.minutes``) so the field errors the service returns land next to their input.
"""
from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

from .forms import Form

MAX_ROWS = 60
EXTRA_ROWS = 2

# "js-default": CommonMark without raw HTML; links with javascript:, vbscript:, file: or
# data: (other than images) are not turned into links. The output is safe to insert.
_MARKDOWN = MarkdownIt("js-default", {"linkify": False, "typographer": False})


def render_markdown(text: str | None) -> Markup:
    return Markup(_MARKDOWN.render(text or ""))  # noqa: S704 - raw HTML is disabled in this preset


def row_count(form: Form, prefix: str, add_rows: bool = False) -> int:
    try:
        count = min(int(form.get(f"{prefix}_rows", "0")), MAX_ROWS)
    except ValueError:
        count = 0
    return min(count + (EXTRA_ROWS if add_rows else 0), MAX_ROWS)


def rows(form: Form, prefix: str, keys: tuple[str, ...], add_rows: bool = False) -> list[dict]:
    return [{key: form.get(f"{prefix}.{i}.{key}") for key in keys} for i in range(row_count(form, prefix, add_rows))]


def filled(row: dict, keys: tuple[str, ...]) -> bool:
    return any((row.get(key) or "").strip() for key in keys)


def lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t")]


def minutes_form_values(minutes: dict) -> dict:
    """A form pre-filled from stored minutes, with blank rows to add more."""
    values = {"notes": minutes.get("notes") or "", "decisions": "\n".join(d["text"] for d in minutes["decisions"])}
    actions, cases = minutes.get("actions") or [], minutes.get("cases") or []
    for i, action in enumerate(actions):
        values.update({f"actions.{i}.text": action["text"], f"actions.{i}.owner_id": action.get("owner_id") or "",
                       f"actions.{i}.due_on": action.get("due_on") or "",
                       f"actions.{i}.to_task": "1" if action.get("to_task") else "",
                       f"actions.{i}.task_id": action.get("task_id") or ""})
    for i, case in enumerate(cases):
        values.update({f"cases.{i}.code": case["code"], f"cases.{i}.criterion": case["criterion"],
                       f"cases.{i}.question": case.get("question") or "",
                       f"cases.{i}.decisions": case.get("decisions") or "",
                       f"cases.{i}.recorded_in_file": "1" if case.get("recorded_in_file") else ""})
    values["actions_rows"] = str(len(actions) + EXTRA_ROWS)
    values["cases_rows"] = str(len(cases) + EXTRA_ROWS)
    return values


ACTION_KEYS = ("text", "owner_id", "due_on", "to_task", "task_id")
CASE_KEYS = ("code", "criterion", "question", "decisions", "recorded_in_file")


def minutes_payload(form: Form) -> tuple[dict, dict[str, str]]:
    """The minutes to send, and how the service's row numbers map back to the form's rows
    (empty rows are skipped, so row 3 of the form may be case 1 of the payload)."""
    payload = {"notes": form.get("notes"), "decisions": [{"text": text} for text in lines(form.get("decisions"))],
               "actions": [], "cases": []}
    field_map: dict[str, str] = {}
    for i, row in enumerate(rows(form, "actions", ACTION_KEYS)):
        if not filled(row, ("text",)):
            continue
        sent = len(payload["actions"])
        payload["actions"].append({"text": row["text"], "owner_id": row["owner_id"] or None,
                                   "due_on": row["due_on"] or None, "to_task": bool(row["to_task"]),
                                   "task_id": row["task_id"] or None})
        field_map.update({f"actions.{sent}.{key}": f"actions.{i}.{key}" for key in ACTION_KEYS})
    for i, row in enumerate(rows(form, "cases", CASE_KEYS)):
        if not filled(row, ("code", "question", "decisions")):
            continue
        sent = len(payload["cases"])
        payload["cases"].append({"code": row["code"], "criterion": row["criterion"], "question": row["question"],
                                 "decisions": row["decisions"], "recorded_in_file": bool(row["recorded_in_file"])})
        field_map.update({f"cases.{sent}.{key}": f"cases.{i}.{key}" for key in CASE_KEYS})
    for i in range(len(payload["decisions"])):
        field_map[f"decisions.{i}.text"] = "decisions"
    return payload, field_map


def slots_payload(form: Form) -> tuple[list[dict], dict[str, str]]:
    slots, field_map = [], {}
    for i, row in enumerate(rows(form, "slots", ("date", "start", "end"))):
        if not filled(row, ("date",)):  # times come pre-filled: a row without a date is unused
            continue
        sent = len(slots)
        slots.append({"date": row["date"], "start": row["start"], "end": row["end"]})
        field_map.update({f"slots.{sent}.{key}": f"slots.{i}.{key}" for key in ("date", "start", "end")})
    return slots, field_map


def minutes_number(value: str) -> int | str | None:
    """What the person typed in a minutes field: a whole number, nothing, or the text as typed
    (the service then says what is wrong with it)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value

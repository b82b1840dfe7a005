"""Form state for the pages: the values sent back, and errors next to each field.

Inputs are named after the contract's field paths (``structure.address.postcode``), so the
field errors identity returns (``Invalid`` with ``fields``) land next to the right input
without a translation table. Passwords are never sent back to the browser.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext
from maillage_shared.contracts.identity import WEEKDAYS
from maillage_shared.errors import Invalid, MaillageError

from .i18n import N_, service_message
from .session import CSRF_FIELD

MAX_HOURS_ROWS = 28
EXTRA_HOURS_ROWS = 2
GENERIC_FIX = N_("Please correct the fields marked below.")


class Form:
    def __init__(self, values: dict | None = None, errors: dict | None = None):
        self.values: dict[str, str] = dict(values or {})
        self.errors: dict[str, str] = dict(errors or {})
        self.message: str = ""
        self._shown: set[str] = set()

    @classmethod
    def from_request(cls, secret_fields: tuple[str, ...] = ()) -> Form:
        values = {key: value.strip() if isinstance(value, str) else value
                  for key, value in request.form.items() if key != CSRF_FIELD and key not in secret_fields}
        return cls(values)

    def get(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        return default if value is None else str(value)

    def optional(self, name: str) -> str | None:
        """The stripped value, or None when left empty (optional identifiers, phone…)."""
        value = self.get(name).strip()
        return value or None

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def fail(self, exc: MaillageError, field_map: dict[str, str] | None = None) -> Form:
        """Take an error from a service: field errors go next to their inputs."""
        field_map = field_map or {}
        for name, text in (exc.fields or {}).items():
            self.add_error(field_map.get(name, name), service_message(text))
        if not self.message:
            self.message = gettext(GENERIC_FIX) if isinstance(exc, Invalid) and exc.fields \
                else service_message(exc.message)
        return self

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.message)

    def mark(self, name: str) -> str:
        """Called by the templates for each input they show (returns "" to print nothing)."""
        self._shown.add(name)
        return ""

    def first_error_id(self) -> str:
        return field_id(next(iter(self.errors))) if self.errors else ""

    def leftover(self) -> list[str]:
        """Errors on no input of the page (a rule on several fields, a field the page lacks)."""
        return [text for name, text in self.errors.items() if name not in self._shown]


def field_id(name: str) -> str:
    return "f-" + name.replace(".", "-").replace("_", "-")


def set_path(target: dict, dotted: str, value) -> None:
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


# Opening hours: rows of (day, opens, closes), several allowed per day ------------------------

def hours_rows_from_data(opening_hours: list[dict] | None, blank: int = EXTRA_HOURS_ROWS) -> list[dict]:
    rows = [{"day": h.get("day", ""), "opens": h.get("opens", ""), "closes": h.get("closes", "")}
            for h in (opening_hours or [])]
    if not rows:
        rows = [{"day": day, "opens": "", "closes": ""} for day in WEEKDAYS[:5]]
    return rows + [{"day": "", "opens": "", "closes": ""} for _ in range(blank)]


def hours_rows_from_form(form: Form, prefix: str, add_rows: bool = False) -> list[dict]:
    try:
        count = min(int(form.get(f"{prefix}_rows", "0")), MAX_HOURS_ROWS)
    except ValueError:
        count = 0
    rows = [{"day": form.get(f"{prefix}.{i}.day"), "opens": form.get(f"{prefix}.{i}.opens"),
             "closes": form.get(f"{prefix}.{i}.closes")} for i in range(count)]
    if add_rows:
        rows += [{"day": "", "opens": "", "closes": ""} for _ in range(EXTRA_HOURS_ROWS)]
    return rows[:MAX_HOURS_ROWS]


def hours_payload(form: Form, rows: list[dict], prefix: str) -> tuple[list[dict], dict[str, str]]:
    """The rows worth sending, and how to put the service's errors back on the form rows.

    A row with no time is ignored (the day alone means nothing); a row with one time only is
    an error shown on that row, before anything is sent.
    """
    payload, field_map = [], {}
    for index, row in enumerate(rows):
        if not row["opens"] and not row["closes"]:
            continue
        if not row["day"]:
            form.add_error(f"{prefix}.{index}.day", gettext("Choose the day."))
        if not row["opens"] or not row["closes"]:
            missing = "opens" if not row["opens"] else "closes"
            form.add_error(f"{prefix}.{index}.{missing}", gettext("Enter both the opening and closing times."))
        sent = len(payload)
        for key in ("day", "opens", "closes"):
            field_map[f"{prefix}.{sent}.{key}"] = f"{prefix}.{index}.{key}"
        field_map[f"{prefix}.{sent}"] = f"{prefix}.{index}.closes"
        payload.append(dict(row))
    return payload, field_map

"""Languages of the web client: French first, English available.

The locale is, in order: ``?lang=`` (remembered in a cookie), that cookie, the user's saved
locale, French. Dates are shown in Europe/Paris. Labels of codes (professions, roles,
structure kinds, weekdays) and the messages the services send back are English msgids
translated in ``gateway/translations``.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, request
from flask_babel import format_date, gettext
from maillage_shared.clock import PARIS

log = logging.getLogger(__name__)

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LANG_COOKIE = "maillage_lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention: marked for extraction, translated later
    return message


# Labels of the contract codes ------------------------------------------------------------

PROFESSION_LABELS = {
    "medecin_generaliste": N_("General practitioner"),
    "medecin_specialiste": N_("Specialist physician"),
    "infirmier": N_("Nurse"),
    "ipa": N_("Advanced practice nurse"),
    "pharmacien": N_("Pharmacist"),
    "kinesitherapeute": N_("Physiotherapist"),
    "sage_femme": N_("Midwife"),
    "chirurgien_dentiste": N_("Dentist"),
    "orthophoniste": N_("Speech therapist"),
    "orthoptiste": N_("Orthoptist"),
    "pedicure_podologue": N_("Podiatrist"),
    "dieteticien": N_("Dietitian"),
    "psychologue": N_("Psychologist"),
    "ergotherapeute": N_("Occupational therapist"),
    "assistant_medical": N_("Medical assistant"),
    "coordinateur": N_("Coordinator"),
    "secretaire": N_("Medical secretary"),
    "autre": N_("Other"),
}
ROLE_LABELS = {"coordinator": N_("Coordinator"), "member": N_("Member"), "guest": N_("Guest")}
STRUCTURE_KIND_LABELS = {
    "msp": N_("Multi-professional health centre (MSP)"),
    "cpts": N_("Territorial health community (CPTS)"),
    "cds": N_("Health centre (centre de santé)"),
}
STRUCTURE_KIND_SHORT = {"msp": N_("MSP"), "cpts": N_("CPTS"), "cds": N_("Health centre")}
WEEKDAY_LABELS = {
    "monday": N_("Monday"), "tuesday": N_("Tuesday"), "wednesday": N_("Wednesday"), "thursday": N_("Thursday"),
    "friday": N_("Friday"), "saturday": N_("Saturday"), "sunday": N_("Sunday"),
}
AVAILABILITY_KIND_LABELS = {"leave": N_("Leave"), "on_call": N_("On call")}
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}  # each in its own language, never translated


def label(table: dict, code: str | None) -> str:
    if code in table:
        return gettext(table[code])
    return code or ""


def profession_label(code: str | None) -> str:
    return label(PROFESSION_LABELS, code)


def role_label(code: str | None) -> str:
    return label(ROLE_LABELS, code)


# Messages that come back from the services (contract validators, marshmallow, domain) ----

SERVICE_MESSAGES = (
    # marshmallow and the contracts' validators
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid email address."),
    N_("Not a valid date."),
    N_("Unknown field."),
    N_("Invalid input."),
    N_("Enter a phone number such as 02 99 00 00 00."),
    N_("A French postcode has 5 digits."),
    N_("Use HH:MM."),
    N_("Closing time must be after opening time."),
    N_("Use at least 10 characters."),
    N_("An RPPS number has exactly 11 digits."),
    N_("This RPPS number's check digit is wrong."),
    N_("A FINESS number has 9 characters (digits, 2A or 2B for Corsica)."),
    N_("The end date must be on or after the start date."),
    # the identity service's rules
    N_("A period lasts at most one year."),
    N_("This e-mail address is already used."),
    N_("Choose a more specific name."),
    N_("Already a member."),
    N_("An invitation is already pending."),
    N_("Required to create your account."),
    N_("This person is already a member of the structure."),
    N_("An invitation is already pending for this e-mail address; withdraw it to send a new one."),
    N_("This invitation was already accepted; remove the member instead."),
    N_("A structure needs at least one coordinator; make someone else coordinator first."),
    N_("You are already a member of this structure."),
    N_("This person is not a member of the structure."),
    N_("Only a coordinator can declare availability for someone else."),
    N_("Only a coordinator of this structure can do this."),
    N_("Opening hours need a day, an opening and a closing time."),
)
_PATTERNS = (
    (re.compile(r"^Length must be between 1 and (\d+)\.$"), N_("Fill in this field (at most %(max)s characters)."),
     ("max",)),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), N_("Between %(min)s and %(max)s characters."),
     ("min", "max")),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), N_("At least %(min)s characters."), ("min",)),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), N_("At most %(max)s characters."), ("max",)),
    (re.compile(r"^Must be one of: .*\.$"), N_("Choose a value from the list."), ()),
    (re.compile(r"^Missing: .*\.$"), N_("Enter the day, the opening and the closing time."), ()),
    (re.compile(r"^Overlaps the period from (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)\.$"),
     N_("Overlaps the period from %(start)s to %(end)s."), ("start", "end")),
    # the meetings service's rules
    (re.compile(r"^(\d\d:\d\d) does not exist on (\d{4}-\d\d-\d\d) in Paris: clocks jump from 02:00 to 03:00\.$"),
     N_("%(time)s does not exist on %(date)s in Paris: clocks jump from 02:00 to 03:00."), ("time", "date")),
    (re.compile(r"^Same as slot (\d+)\.$"), N_("Same as slot %(n)s."), ("n",)),
    (re.compile(r"^At most (\d+) minutes: the meeting lasts \d+ minutes\.$"),
     N_("At most %(minutes)s minutes: the meeting lasts %(minutes)s minutes."), ("minutes",)),
    (re.compile(r"^Same code as case (\d+)\.$"), N_("Same code as case %(n)s."), ("n",)),
)


def service_message(message: str) -> str:
    """A message from a service, translated when we know it; otherwise shown as sent."""
    if not message:
        return ""
    for pattern, msgid, names in _PATTERNS:
        match = pattern.match(message)
        if match:
            values = {name: long_date(value) if re.fullmatch(r"\d{4}-\d\d-\d\d", value) else value
                      for name, value in zip(names, match.groups(), strict=True)}
            return gettext(msgid, **values) if values else gettext(msgid)
    return gettext(message)


# Locale and time -------------------------------------------------------------------------

def select_locale() -> str:
    chosen = g.get("remember_lang")  # just chosen: ?lang= or the profile's language
    if chosen in LOCALES:
        return chosen
    asked = request.args.get("lang")
    if asked in LOCALES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LOCALES:
        return remembered
    saved = _saved_locale()
    return saved if saved in LOCALES else DEFAULT_LOCALE


def _saved_locale() -> str | None:
    from .session import load_me  # the session module needs this one; import late

    if not g.get("user_id"):
        return None
    if "me" not in g and g.get("rendering_error"):  # an error page never waits on a service
        return None
    try:
        return load_me()["user"].get("locale")
    except Exception:  # the page is still shown (in French) when identity cannot answer
        log.debug("saved locale unavailable", exc_info=True)
        return None


def today_in_paris() -> date:
    return datetime.now(PARIS).date()


def as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def as_datetime(value) -> datetime | None:
    """Naive UTC datetimes (how the services send them) or aware ones."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def long_date(value) -> str:
    """« lundi 23 novembre 2026 »; a datetime is first moved to Paris time."""
    if isinstance(value, str) and len(value) > 10:
        value = as_datetime(value)
    if isinstance(value, datetime):
        return format_date(value, format="full")
    day = as_date(value)
    return format_date(day, format="full") if day else ""


def period(starts_on, ends_on) -> str:
    start, end = as_date(starts_on), as_date(ends_on)
    if start is None:
        return ""
    if end is None or end == start:
        return long_date(start)
    return gettext("from %(start)s to %(end)s", start=long_date(start), end=long_date(end))


# The catalogue ----------------------------------------------------------------------------

def ensure_compiled(translations_dir: Path = TRANSLATIONS_DIR) -> Path:
    """Compile each ``messages.po`` to ``.mo`` when the ``.mo`` is missing or older.

    A fresh clone then works without ``make``. The file is written next to the ``.po``
    (atomically: several workers may start at once); when that directory is read-only the
    catalogues are compiled into a temporary directory, whose path is returned instead.
    """
    po_paths = sorted(translations_dir.glob("*/LC_MESSAGES/*.po"))
    stale = [po for po in po_paths
             if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    try:
        for po_path in stale:
            _compile(po_path, po_path.with_suffix(".mo"))
        return translations_dir
    except OSError as exc:
        fallback_root = Path(tempfile.mkdtemp(prefix="maillage-translations-"))
        log.warning("cannot write compiled translations next to %s (%s); using %s", translations_dir, exc,
                    fallback_root)
        for po_path in po_paths:
            mo_path = fallback_root / po_path.relative_to(translations_dir).with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            _compile(po_path, mo_path)
        return fallback_root


def _compile(po_path: Path, mo_path: Path) -> None:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=po_path.parent.parent.name)
    fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog)
        os.replace(tmp_name, mo_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise

"""A guard against obvious patient identifiers in minutes (DESIGN §3).

Concertation minutes keep pseudonymous case references and counts only; names and
clinical details belong in the patient's record software. Nothing can prove a text is
anonymous, but the obvious slips are caught and refused with a message saying why:
a social security number (NIR: 13 digits, 15 with its key), a date of birth, an e-mail
address, a phone number, a civility followed by a name ("Mme Dupont").
"""
from __future__ import annotations

import re
from datetime import date

_DIGITS_RUN = re.compile(r"(?<![\w])\d(?:[\s.\-]?[\dAB]){12,16}(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+33[\s.]?|0033[\s.]?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")
_FULL_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_BIRTH_WORDS = re.compile(r"\b(?:n[ée]e?\s+le|date\s+de\s+naissance|DDN)\b", re.IGNORECASE)
_CIVILITY_NAME = re.compile(r"\b(?:M\.|Mme|Mlle|Mr|Monsieur|Madame|Mademoiselle)\s+[A-ZÀ-Ý][\w'’-]+")
_CASE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/#-]{0,19}$")

NIR = "This looks like a social security number (NIR): use the team's pseudonymous code only."
BIRTH_DATE = "This looks like a date of birth: no identifying data here, only the pseudonymous code."
EMAIL = "This looks like an e-mail address: no identifying data in the minutes."
PHONE = "This looks like a phone number: no identifying data in the minutes."
NAME = "This looks like a person's name: refer to patients by their pseudonymous code only."
REFUSALS = (NIR, BIRTH_DATE, EMAIL, PHONE, NAME)
CODE = "A case code is a short pseudonymous reference with at least one digit (e.g. C-2026-014), never a name."


def _is_nir(candidate: str) -> bool:
    digits = re.sub(r"[\s.\-]", "", candidate).upper().replace("2A", "19").replace("2B", "18")
    return digits.isdigit() and len(digits) in (13, 15)


def find_identifier(text: str, reference_year: int) -> str | None:
    """Why ``text`` seems to identify a patient, or None."""
    if not text:
        return None
    if any(_is_nir(m.group(0)) for m in _DIGITS_RUN.finditer(text)):
        return NIR
    if _EMAIL.search(text):
        return EMAIL
    if _PHONE.search(text):
        return PHONE
    if _BIRTH_WORDS.search(text):
        return BIRTH_DATE
    for match in _FULL_DATE.finditer(text):
        year = int(match.group(3) or match.group(4))
        # A follow-up date is this year or later; a year well before is someone's birth.
        if year < reference_year - 1 and _valid_date(match):
            return BIRTH_DATE
    if _CIVILITY_NAME.search(text):
        return NAME
    return None


def _valid_date(match: re.Match) -> bool:
    try:
        if match.group(3):
            date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        else:
            date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    except ValueError:
        return False
    return True


def check_case_code(code: str) -> str | None:
    """Why ``code`` is not an acceptable pseudonymous case code, or None."""
    if _is_nir(code or ""):
        return NIR
    if not _CASE_CODE.match(code or "") or not any(char.isdigit() for char in code):
        return CODE
    return None

"""Text folding for slugs and for the directory search key.

Names are searched without case or accents ("helene" finds "Hélène"), so every user
document stores a folded ``search_key``; queries are folded the same way.
"""
from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_MAX_LENGTH = 60


def fold(text: str) -> str:
    """Lower-case, accents removed, inner whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def search_key(first_name: str, last_name: str) -> str:
    return fold(f"{first_name} {last_name}")


def search_words(query: str) -> list[str]:
    return fold(query).split()


def slugify(name: str) -> str:
    """``MSP des Tilleuls`` → ``msp-des-tilleuls`` (URL of the structure's public site)."""
    slug = _NOT_SLUG.sub("-", fold(name)).strip("-")
    slug = slug[:SLUG_MAX_LENGTH].rstrip("-")
    return slug or "structure"


def slug_candidates(name: str, attempts: int = 50):
    """The base slug, then ``-2``, ``-3``… for homonymous structures."""
    base = slugify(name)
    yield base
    for number in range(2, attempts + 2):
        suffix = f"-{number}"
        yield base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix

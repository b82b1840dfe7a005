"""Folding and normalising what people type: titles, folders, tags, search words.

Searches ignore case and accents ("protocole avk" finds « Protocole AVK »), so each
document stores a folded search text; queries are folded the same way.
"""
from __future__ import annotations

import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def fold(text: str) -> str:
    """Lower-case, accents removed, inner whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def search_words(query: str) -> list[str]:
    return fold(query).split()


def normalise_folder(folder: str | None) -> str:
    """``  Protocoles / Cardio/ `` → ``Protocoles/Cardio`` (the contracts refused ``..`` already)."""
    if not folder:
        return ""
    return "/".join(part.strip() for part in folder.strip().strip("/").split("/"))


def in_folder(folder: str, wanted: str) -> bool:
    """A document is in a folder and in each folder above it."""
    return not wanted or folder == wanted or folder.startswith(wanted + "/")


def normalise_tags(tags: list[str] | None) -> list[str]:
    """Trimmed, duplicates removed whatever their case, in the order given."""
    seen, kept = set(), []
    for tag in tags or []:
        tag = " ".join(tag.split())
        if tag and fold(tag) not in seen:
            seen.add(fold(tag))
            kept.append(tag)
    return kept


def title_from_filename(filename: str) -> str:
    """``compte-rendu_RCP.pdf`` → ``compte-rendu RCP``."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.lstrip(".") else filename
    return " ".join(stem.replace("_", " ").split()) or filename


def document_search_text(title: str, folder: str, tags: list[str], filename: str) -> str:
    return fold(" ".join([title, folder.replace("/", " "), " ".join(tags), filename]))

"""Changing a document: read it, change it, write it back only if nobody changed it in the
meantime (its ``revision``), retrying on a fresh copy when someone did. The events a change
causes are written in the same document write (outbox)."""
from __future__ import annotations

from collections.abc import Callable

from maillage_shared.errors import Conflict, NotFound

from .access import DOCUMENT_NOT_FOUND
from .context import DocumentsContext
from .model import Document, Event

ATTEMPTS = 8
BUSY = "Several changes to this document were made at the same moment; please try again."


def change_document(ctx: DocumentsContext, document_id: str,
                    mutate: Callable[[Document], list[Event] | None]) -> Document:
    """``mutate`` changes the fresh copy it is given (raising to refuse) and returns the events
    to publish; it may run more than once."""
    for _ in range(ATTEMPTS):
        document = ctx.documents.get(document_id)
        if document is None:
            raise NotFound(DOCUMENT_NOT_FOUND)
        events = mutate(document) or []
        if ctx.documents.save(document, events):
            return document
    raise Conflict(BUSY)

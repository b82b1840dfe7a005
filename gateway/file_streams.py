"""File bytes between the client and the object store, streamed and never held (ADR 7).

Uploads: the documents service first names a staging object (``begin_*_upload`` by RPC, once
it has checked who, where and what); the gateway pipes the request body — raw, or the file
part of a multipart form read as it arrives — into that object, counting its size and
SHA-256 on the way and stopping at the size limit; then the service files it
(``complete_upload``) or forgets it (``abort_upload``). Downloads: the service checks the
reader's access and names the object (``open_version``); its bytes go to the client in
chunks. Metadata always goes through the documents service; file bytes never travel over RPC.
Memory stays flat: one multipart part (8 MiB) at a time for uploads, 64 KiB for downloads.
"""
from __future__ import annotations

import hmac
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from urllib.parse import quote

from flask import Response, current_app, request, session
from maillage_shared.contracts.documents import too_large_message
from maillage_shared.errors import Gone, Invalid, MaillageError, PayloadTooLarge, ServiceUnavailable
from maillage_shared.objects import ObjectMissing, ObjectStore, ObjectTooLarge, StreamInterrupted
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from .context import rpc

log = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
FORM_SLACK = 1024 * 1024  # what a multipart form adds around its file, at most
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 100
# Each upload holds about four multipart parts (32 MiB) while it streams: a few at a time per
# process keeps a gateway pod well inside its memory limit, whatever the files' sizes.
UPLOAD_SLOTS = 4
_upload_slots = threading.BoundedSemaphore(UPLOAD_SLOTS)
BUSY = "Too many files are being sent right now; please try again in a moment."
INTERRUPTED = "The upload was interrupted before the end; nothing was kept. Please send the file again."
EMPTY = "The file is empty."


def object_store() -> ObjectStore:
    """The gateway's one object-store client (thread-safe), made at first use."""
    store = current_app.extensions.get("objects")
    if store is None:
        store = current_app.extensions.setdefault(
            "objects", ObjectStore.from_settings(current_app.extensions["settings"], max_connections=32))
    return store


def max_bytes() -> int:
    return current_app.extensions["settings"].documents_max_bytes


def too_large(limit: int) -> PayloadTooLarge:
    message = too_large_message(limit)
    return PayloadTooLarge(message, {"file": message})


def request_stream():
    """The request body as a stream, past Flask's 2 MB form limit: ours (the documents' limit)
    applies while reading; Werkzeug's is set just above it, as a backstop."""
    request.max_content_length = max_bytes() + 2 * FORM_SLACK
    return request.stream


def refuse_early(declared_file_size: int | None) -> None:
    """A declared length over the limit, or an empty body, is refused before reading a byte."""
    if declared_file_size is None:
        return
    if declared_file_size == 0:
        raise Invalid(EMPTY, {"file": EMPTY})
    if declared_file_size > max_bytes():
        raise too_large(max_bytes())


def upload(actor_id: str, begin: Callable[[], dict], source, expected_size: int | None = None) -> dict:
    """Begin (RPC), stream ``source`` to the staging object, then complete (RPC): the document.

    ``expected_size``: the length the client announced; gunicorn ends a body cut short without
    an error, so a shorter stream is how an interrupted upload shows."""
    if not _upload_slots.acquire(timeout=30):
        raise ServiceUnavailable(BUSY)
    try:
        return _upload(actor_id, begin, source, expected_size)
    finally:
        _upload_slots.release()


def _upload(actor_id: str, begin: Callable[[], dict], source, expected_size: int | None) -> dict:
    ticket = begin()
    try:
        stored = object_store().put_stream(ticket["bucket"], ticket["key"], source, ticket["max_bytes"],
                                           expected_size=expected_size)
    except ObjectTooLarge:
        abort(actor_id, ticket, "too_large")
        raise too_large(ticket["max_bytes"]) from None
    except StreamInterrupted as exc:
        log.info("upload %s interrupted: %s", ticket["upload_id"], exc)
        abort(actor_id, ticket, "interrupted")
        raise Invalid(INTERRUPTED, {"file": INTERRUPTED}) from None
    except MaillageError:  # the store went away, or the form was malformed
        abort(actor_id, ticket, "storage")
        raise
    except BaseException:
        abort(actor_id, ticket, "interrupted")
        raise
    return rpc("documents", "complete_upload", actor_id, ticket["upload_id"],
               {"size": stored.size, "sha256": stored.sha256})


def abort(actor_id: str, ticket: dict, reason: str) -> None:
    try:
        rpc("documents", "abort_upload", actor_id, ticket["upload_id"], {"reason": reason})
    except MaillageError as exc:  # the service's janitor forgets the upload later
        log.warning("could not abort upload %s: %s", ticket["upload_id"], exc)


# Multipart forms (the web client) ----------------------------------------------------------

class MultipartFile:
    """A ``multipart/form-data`` body read as it arrives: the fields sent before the file
    (``fields``), then the file's bytes through ``read`` — the form must put its file input
    last. Whatever follows the file part is read and dropped."""

    def __init__(self, stream, content_type: str):
        mimetype, options = parse_options_header(content_type or "")
        boundary = options.get("boundary", "").encode("latin-1")
        if mimetype != "multipart/form-data" or not boundary:
            raise Invalid("Send the file with a multipart/form-data form.", {"file": "Expected a form with a file."})
        self.stream = stream
        self.decoder = MultipartDecoder(boundary, max_form_memory_size=2 * READ_CHUNK + MAX_FIELD_BYTES)
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.file_type: str = ""
        self._pending: deque[bytes] = deque()
        self._in_file = False
        self._file_done = False
        self._ended = False

    def _feed(self) -> None:
        try:
            chunk = self.stream.read(READ_CHUNK)
        except Exception as exc:  # the client went away
            raise StreamInterrupted(str(exc) or type(exc).__name__) from exc
        if not chunk:
            if self._ended:
                raise StreamInterrupted("the form ended early")
            self._ended = True
            self.decoder.receive_data(None)
        else:
            self.decoder.receive_data(chunk)

    def _next(self):
        while True:
            try:
                event = self.decoder.next_event()
            except (ValueError, RequestEntityTooLarge) as exc:
                if self._ended:
                    raise StreamInterrupted("the form ended before its last boundary") from exc
                raise Invalid("The form could not be read.", {"file": "Malformed form."}) from None
            if not isinstance(event, NeedData):
                return event
            self._feed()

    def read_fields(self) -> dict[str, str]:
        """Every field before the file; then ``filename`` and ``file_type`` are set."""
        current: str | None = None
        value = bytearray()
        while True:
            event = self._next()
            if isinstance(event, Field):
                if len(self.fields) >= MAX_FIELDS:
                    raise Invalid("The form has too many fields.", {"file": "Too many fields."})
                current, value = event.name, bytearray()
            elif isinstance(event, Data) and current is not None:
                value += event.data
                if len(value) > MAX_FIELD_BYTES:
                    raise Invalid("A field of the form is too long.", {current: "Too long."})
                if not event.more_data:
                    self.fields[current] = value.decode("utf-8", errors="replace")
                    current = None
            elif isinstance(event, File):
                self.filename = event.filename or ""
                self.file_type = event.headers.get("content-type", "")
                self._in_file = True
                return self.fields
            elif isinstance(event, Epilogue):
                raise Invalid("Choose a file to send.", {"file": "Choose a file."})

    def read(self, size: int = -1) -> bytes:
        """The file's bytes (``size`` at most; fewer only at its end)."""
        wanted = READ_CHUNK if size is None or size < 0 else size
        out = bytearray()
        while len(out) < wanted:
            if self._pending:
                piece = self._pending.popleft()
                if len(out) + len(piece) > wanted:
                    cut = wanted - len(out)
                    self._pending.appendleft(piece[cut:])
                    piece = piece[:cut]
                out += piece
                continue
            if self._file_done:
                break
            event = self._next()
            if isinstance(event, Data) and self._in_file:
                if event.data:
                    self._pending.append(event.data)
                if not event.more_data:
                    self._file_done, self._in_file = True, False
                    self._drain()
        return bytes(out)

    def _drain(self) -> None:
        """Read what follows the file part (a submit button's value…) up to the end."""
        while not isinstance(self._next(), Epilogue):
            pass


def check_csrf_field(fields: dict[str, str]) -> None:
    """The web client's CSRF check, for a form read as a stream (its token comes first)."""
    from .web.session import CSRF_FIELD, CsrfFailure

    expected, sent = session.get("csrf"), fields.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailure()


# Downloads ---------------------------------------------------------------------------------

INLINE_SAFE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


def content_response(ticket: dict, inline: bool = False) -> Response:
    """Stream a version's bytes. ``inline`` only for PDF and images (never HTML or SVG, which
    could run scripts on our origin); everything else is an attachment."""
    base_type = ticket["content_type"].split(";")[0].strip()
    inline = inline and base_type in INLINE_SAFE
    try:
        chunks: Iterator[bytes] = object_store().open(ticket["bucket"], ticket["key"])
    except ObjectMissing:
        raise Gone("The content of this version is missing from the storage; restore another version.") from None
    filename = ticket["filename"]
    fallback = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    disposition = f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    served_type = ticket["content_type"] if base_type not in ("text/html", "image/svg+xml") \
        else "application/octet-stream"
    response = Response(chunks, status=200, content_type=served_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(ticket["size"])
    response.headers["Content-Disposition"] = disposition
    response.headers["ETag"] = f'"{ticket["sha256"]}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Shown in our own pages (a PDF in an iframe, an image), never framed elsewhere; no script.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                                                   "object-src 'self'; frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response

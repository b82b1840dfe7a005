"""What a file really is, from its first bytes (magic numbers), checked against what the
sender claims: its declared content type and its file name's extension.

A PDF is stored and served as ``application/pdf`` only if it starts like one; a file that
claims to be a PDF (by type or by extension) but is something else is refused. What we do
not recognise is accepted as ``application/octet-stream`` (downloaded, never previewed).
"""
from __future__ import annotations

from dataclasses import dataclass

from maillage_shared.errors import UnsupportedMediaType

# kind -> (label for messages, stored content type when the extension says nothing more)
KINDS = {
    "pdf": ("a PDF document", "application/pdf"),
    "png": ("a PNG image", "image/png"),
    "jpeg": ("a JPEG image", "image/jpeg"),
    "gif": ("a GIF image", "image/gif"),
    "webp": ("a WebP image", "image/webp"),
    "zip": ("a ZIP container (Office, OpenDocument or ZIP file)", "application/zip"),
    "ole": ("an old Microsoft Office file", "application/x-ole-storage"),
    "rtf": ("an RTF document", "application/rtf"),
    "text": ("a text file", "text/plain; charset=utf-8"),
}
SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rtf", "rtf"),
)
# extension -> (kind the content must be, content type to store)
EXTENSIONS = {
    ".pdf": ("pdf", "application/pdf"),
    ".png": ("png", "image/png"),
    ".jpg": ("jpeg", "image/jpeg"), ".jpeg": ("jpeg", "image/jpeg"),
    ".gif": ("gif", "image/gif"),
    ".webp": ("webp", "image/webp"),
    ".docx": ("zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("zip", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".odt": ("zip", "application/vnd.oasis.opendocument.text"),
    ".ods": ("zip", "application/vnd.oasis.opendocument.spreadsheet"),
    ".odp": ("zip", "application/vnd.oasis.opendocument.presentation"),
    ".zip": ("zip", "application/zip"),
    ".doc": ("ole", "application/msword"),
    ".xls": ("ole", "application/vnd.ms-excel"),
    ".ppt": ("ole", "application/vnd.ms-powerpoint"),
    ".rtf": ("rtf", "application/rtf"),
    ".txt": ("text", "text/plain; charset=utf-8"),
    ".csv": ("text", "text/csv; charset=utf-8"),
    ".md": ("text", "text/markdown; charset=utf-8"),
    ".ics": ("text", "text/calendar; charset=utf-8"),
    ".vcf": ("text", "text/vcard; charset=utf-8"),
    ".json": ("text", "application/json"),
    ".xml": ("text", "application/xml"),
    ".svg": ("text", "image/svg+xml"),
    ".html": ("text", "text/html; charset=utf-8"), ".htm": ("text", "text/html; charset=utf-8"),
}
# declared content type (without parameters) -> kind the content must be
DECLARED = {content_type.split(";")[0]: kind for kind, content_type in EXTENSIONS.values()}
DECLARED.update({"image/jpg": "jpeg", "image/pjpeg": "jpeg", "text/plain": "text", "application/x-pdf": "pdf",
                 "text/csv": "text", "application/vnd.ms-word": "ole"})
NOT_DECLARING = {"", "application/octet-stream", "binary/octet-stream", "application/x-www-form-urlencoded",
                 "multipart/form-data"}


@dataclass(frozen=True)
class Recognised:
    kind: str | None  # None: some binary format we do not know
    content_type: str


def kind_of(head: bytes) -> str | None:
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _looks_like_text(head):
        return "text"
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    sample = head.removeprefix(b"\xef\xbb\xbf")
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut by the end of the sample
            return True
    printable = sum(1 for byte in sample if byte >= 0x20 or byte in b"\t\r\n")
    return printable / len(sample) > 0.95  # Latin-1 text from an old spreadsheet export


def extension_of(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def label(kind: str | None) -> str:
    return KINDS[kind][0] if kind in KINDS else "a file of an unknown kind"


def recognise(filename: str, declared_type: str | None, head: bytes) -> Recognised:
    """The content type to store for this file, or UnsupportedMediaType when the content
    contradicts its declared type or its extension."""
    kind = kind_of(head)
    declared = (declared_type or "").split(";")[0].strip().lower()
    expected_by_type = DECLARED.get(declared) if declared not in NOT_DECLARING else None
    by_extension = EXTENSIONS.get(extension_of(filename))
    for expected, claim in ((expected_by_type, f"declared as {declared}"),
                            (by_extension[0] if by_extension else None, f"named {extension_of(filename)}")):
        if expected is not None and expected != kind:
            raise UnsupportedMediaType(
                f"The file's content does not match its type: it is {claim} but its content is {label(kind)}.",
                {"file": f"The content is {label(kind)}, not {label(expected)}."})
    if kind is None:
        return Recognised(None, "application/octet-stream")
    if by_extension is not None:
        return Recognised(kind, by_extension[1])
    return Recognised(kind, KINDS[kind][1])

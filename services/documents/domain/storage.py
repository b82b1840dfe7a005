"""Where contents live in the documents bucket, and how they are added and let go.

    <structure_id>/sha256/<hex>   a structure's contents, one object per distinct content
    library/sha256/<hex>          the contents of protocols published to the instance's library
    uploads/<structure_id>/<id>   files on their way in (staging), removed once filed

Content addressing means identical content is stored once per structure whatever the
number of versions or documents pointing at it, and that a key says what its bytes must
hash to. An object is deleted only when nothing refers to it any more; adding and deleting
the same key are serialised by a lock, so a purge can never remove content that an upload
is filing at the same moment.
"""
from __future__ import annotations

from .context import DocumentsContext

STAGING_PREFIX = "uploads/"
LIBRARY_PREFIX = "library/"


def content_key(structure_id: str, sha256: str) -> str:
    return f"{structure_id}/sha256/{sha256}"


def library_key(sha256: str) -> str:
    return f"{LIBRARY_PREFIX}sha256/{sha256}"


def staging_key(structure_id: str, upload_id: str) -> str:
    return f"{STAGING_PREFIX}{structure_id}/{upload_id}"


def sha256_of_key(key: str) -> str | None:
    head, _, digest = key.rpartition("/sha256/")
    return digest if head and len(digest) == 64 else None


def keep_content(ctx: DocumentsContext, source_key: str, target_key: str, size: int) -> None:
    """Make sure ``target_key`` holds the content (a server-side copy unless it is there
    already). The caller holds the lock of ``target_key``."""
    found = ctx.contents.stat(target_key)
    if found is not None and found.size == size:
        return
    ctx.contents.copy(source_key, target_key, size)


def release_content(ctx: DocumentsContext, structure_id: str, key: str) -> bool:
    """Delete a structure's content once no document (active or in the trash) refers to it."""
    with ctx.locks.holding(key):
        if ctx.documents.count_referencing(structure_id, key) > 0:
            return False
        ctx.contents.discard(key)
        return True


def release_library_content(ctx: DocumentsContext, key: str) -> bool:
    with ctx.locks.holding(key):
        if ctx.library.count_referencing(key) > 0:
            return False
        ctx.contents.discard(key)
        return True

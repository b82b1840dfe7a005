"""Keeping the object store and the metadata in step, both ways.

- **Metadata pointing at a missing object** (a version, a library entry): repaired by copying
  the same content back from wherever it is still stored (content addressing: any object
  named ``…/sha256/<hex>`` has those bytes), otherwise the versions are flagged ``missing``
  (downloads then answer 410 with a clear message) and library entries withdrawn.
- **Objects nothing points at** (orphans: a purge or an upload that stopped half-way, a
  staging object whose upload expired): deleted, once older than a grace period so that an
  upload being filed right now is never touched, and only after checking again under the
  content's lock.
- With ``verify``, every stored content is read back and its SHA-256 compared with its key
  (reported only: the metadata cannot tell which side is right).

``python -m services.documents.reconcile [--repair] [--verify]`` runs it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from .context import DocumentsContext
from .ports import ContentMissing
from .storage import LIBRARY_PREFIX, STAGING_PREFIX, sha256_of_key

GRACE = timedelta(hours=1)


@dataclass
class Finding:
    kind: str  # missing_content | missing_library_content | orphan_object | stale_upload | corrupt_content
    key: str
    detail: str
    repaired: bool = False
    action: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def reconcile(ctx: DocumentsContext, repair: bool = False, verify: bool = False, grace: timedelta = GRACE) -> list[Finding]:
    stored = {item.key: item for item in ctx.contents.listing()}
    copies = {}  # sha256 -> a key that holds those bytes
    for key in stored:
        digest = sha256_of_key(key)
        if digest:
            copies.setdefault(digest, key)
    versions: dict[str, list[tuple[str, str, int, bool]]] = {}
    for document in ctx.documents.everything():
        for version in document.versions:
            versions.setdefault(version.object_key, []).append(
                (document.id, document.structure_id, version.number, bool(version.missing)))
    entries = {}
    for entry in ctx.library.everything():
        if entry.state == "published":
            entries.setdefault(entry.object_key, []).append(entry)
    findings = _missing_contents(ctx, stored, copies, versions, repair)
    findings += _missing_library_contents(ctx, stored, copies, entries, repair)
    findings += _orphans(ctx, stored, versions, entries, repair, grace)
    if verify:
        findings += _corrupt(ctx, stored, versions, entries)
    return findings


def _missing_contents(ctx, stored, copies, versions, repair) -> list[Finding]:
    findings = []
    for key, refs in sorted(versions.items()):
        if key in stored:
            continue
        documents = sorted({ref[0] for ref in refs})
        if all(ref[3] for ref in refs) and copies.get(sha256_of_key(key) or "") is None:
            continue  # already flagged as lost, and still no copy to bring back
        finding = Finding("missing_content", key, f"{len(refs)} version(s) of document(s) {', '.join(documents)} "
                                                  "point at an object that is not in the store")
        if repair:
            source = copies.get(sha256_of_key(key) or "")
            if source and _copy_back(ctx, source, key, stored[source].size):
                finding.repaired, finding.action = True, f"copied back from {source}"
            else:
                for document_id in documents:
                    ctx.documents.mark_missing(document_id, key)
                finding.repaired, finding.action = True, "versions flagged as lost (no copy anywhere)"
        findings.append(finding)
    return findings


def _missing_library_contents(ctx, stored, copies, entries, repair) -> list[Finding]:
    findings = []
    for key, published in sorted(entries.items()):
        if key in stored:
            continue
        finding = Finding("missing_library_content", key,
                          f"library entr{'y' if len(published) == 1 else 'ies'} "
                          f"{', '.join(e.id for e in published)} point at a missing object")
        if repair:
            source = copies.get(sha256_of_key(key) or "")
            if source and _copy_back(ctx, source, key, stored[source].size):
                finding.repaired, finding.action = True, f"copied back from {source}"
            else:
                for entry in published:
                    entry.state = "withdrawn"
                    ctx.library.upsert(entry)
                finding.repaired, finding.action = True, "withdrawn from the library (no copy anywhere)"
        findings.append(finding)
    return findings


def _copy_back(ctx: DocumentsContext, source: str, key: str, size: int) -> bool:
    try:
        with ctx.locks.holding(key):
            ctx.contents.copy(source, key, size)
        return True
    except ContentMissing:
        return False


def _orphans(ctx, stored, versions, entries, repair, grace) -> list[Finding]:
    now = ctx.now()
    pending = {upload.staging_key: upload for upload in ctx.uploads.pending()}
    staging_cutoff = now - timedelta(hours=ctx.policy.staging_hours)
    findings = []
    for key, item in sorted(stored.items()):
        if key in versions or key in entries:
            continue
        if item.last_modified is not None and item.last_modified > now - grace:
            continue  # perhaps an upload being filed this very moment
        if key.startswith(STAGING_PREFIX):
            upload = pending.get(key)
            if upload is not None and upload.created_at > staging_cutoff:
                continue  # still on its way
            finding = Finding("stale_upload", key, "a staging object left by an upload that never finished")
        else:
            finding = Finding("orphan_object", key, f"{item.size} bytes that no document or library entry uses")
        if repair and _still_unused(ctx, key):
            ctx.contents.discard(key)
            if key in pending:
                ctx.uploads.finish(pending[key].id, "aborted", now, "expired")
            finding.repaired, finding.action = True, "deleted"
        findings.append(finding)
    return findings


def _still_unused(ctx: DocumentsContext, key: str) -> bool:
    if key.startswith(STAGING_PREFIX):
        return True
    with ctx.locks.holding(key):
        if key.startswith(LIBRARY_PREFIX):
            return ctx.library.count_referencing(key) == 0
        return ctx.documents.count_referencing(key.split("/", 1)[0], key) == 0


def _corrupt(ctx, stored, versions, entries) -> list[Finding]:
    findings = []
    for key in sorted(set(versions) | set(entries)):
        expected = sha256_of_key(key)
        if key not in stored or expected is None:
            continue
        size, actual = ctx.contents.digest(key)
        if actual != expected:
            findings.append(Finding("corrupt_content", key, f"the {size} bytes stored hash to {actual}"))
    return findings

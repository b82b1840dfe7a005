"""The trash (30 days, restorable, then purged from the store) and the reconciliation of the
store with the metadata."""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from maillage_shared.errors import Forbidden, Gone, Invalid

from services.documents.domain import documents, library, protocols, uploads
from services.documents.domain.reconcile import reconcile

from .conftest import ANNE, CLAIRE, PAUL, PDF, SID, new_version, upload
from .test_library import FIELDS


def key_of(data: bytes) -> str:
    return f"{SID}/sha256/{hashlib.sha256(data).hexdigest()}"


def test_a_trashed_document_leaves_the_folders_and_comes_back(ctx, clock, document):
    trashed = documents.trash_document(ctx, CLAIRE, document["id"])

    assert trashed["purge_after"] == clock() + timedelta(days=30)
    assert documents.list_documents(ctx, PAUL, SID, {}) == []
    assert [d["id"] for d in documents.list_trash(ctx, CLAIRE, SID)] == [document["id"]]
    assert documents.list_trash(ctx, PAUL, SID) == []  # Paul could not restore it

    documents.restore_document(ctx, CLAIRE, document["id"])
    assert [d["id"] for d in documents.list_documents(ctx, PAUL, SID, {})] == [document["id"]]
    assert ctx.audit_entries.actions()[-2:] == ["document.trashed", "document.restored"]


def test_the_trash_is_emptied_after_30_days_keeping_content_still_used(ctx, clock, document):
    new_version(ctx, document["id"], data=PDF + b"%only-here")
    upload(ctx, title="Copie", data=PDF)  # shares version 1's content
    documents.trash_document(ctx, CLAIRE, document["id"])

    clock.advance(days=29, hours=23)
    assert documents.purge_trash(ctx) == {"documents": 0, "objects": 0}
    clock.advance(hours=2)
    assert documents.purge_trash(ctx) == {"documents": 1, "objects": 1}

    assert ctx.documents.get(document["id"]) is None
    assert ctx.contents.keys() == [key_of(PDF)]
    assert "document.purged" in ctx.audit_entries.actions()


def test_a_coordinator_empties_a_document_from_the_trash_at_once(ctx, document):
    with pytest.raises(Invalid):
        documents.delete_now(ctx, CLAIRE, document["id"])
    documents.trash_document(ctx, CLAIRE, document["id"])
    with pytest.raises(Forbidden):
        documents.delete_now(ctx, PAUL, document["id"])

    documents.delete_now(ctx, CLAIRE, document["id"])

    assert ctx.documents.rows == {} and ctx.contents.keys() == []


def test_a_clean_store_has_nothing_to_report(ctx, clock, document):
    clock.advance(hours=2)

    assert reconcile(ctx) == []


def test_orphans_are_reported_then_deleted_once_old_enough(ctx, clock, document):
    ctx.contents.store(f"{SID}/sha256/{'0' * 64}", b"left by a crash", "application/pdf")
    stalled = uploads.begin_document_upload(ctx, ANNE, SID, {"filename": "x.pdf"})
    ctx.contents.stage(stalled["key"], b"half")
    assert reconcile(ctx, repair=True) == []  # too recent: perhaps being filed right now

    clock.advance(hours=2)
    found = reconcile(ctx)
    assert [f.kind for f in found] == ["orphan_object"]  # the staging object's upload is still young
    clock.advance(hours=23)
    found = reconcile(ctx, repair=True)

    assert sorted(f.kind for f in found) == ["orphan_object", "stale_upload"]
    assert all(f.repaired for f in found)
    assert ctx.contents.keys() == [key_of(PDF)]
    assert ctx.uploads.get(stalled["upload_id"]).state == "aborted"
    assert reconcile(ctx) == []


def test_missing_content_is_copied_back_from_another_copy(ctx, clock, document):
    protocols.declare_protocol(ctx, CLAIRE, document["id"], FIELDS)
    protocols.validate_protocol(ctx, CLAIRE, document["id"], {"review_on": date(2028, 1, 1)})
    library.publish_protocol(ctx, CLAIRE, document["id"])
    ctx.contents.objects.pop(key_of(PDF))  # lost from the store

    [finding] = reconcile(ctx, repair=True)

    assert finding.kind == "missing_content" and finding.action.startswith("copied back from library/")
    assert documents.open_version(ctx, PAUL, document["id"])["key"] == key_of(PDF)
    assert ctx.contents.stat(key_of(PDF)) is not None


def test_missing_content_without_any_copy_is_flagged_and_downloads_say_so(ctx, clock, document):
    new_version(ctx, document["id"])
    ctx.contents.objects.pop(key_of(PDF))

    [finding] = reconcile(ctx, repair=True)

    assert finding.kind == "missing_content" and "flagged" in finding.action
    with pytest.raises(Gone):
        documents.open_version(ctx, PAUL, document["id"], 1)
    assert documents.open_version(ctx, PAUL, document["id"], 2)["number"] == 2
    assert documents.get_document(ctx, PAUL, document["id"])["versions"][1]["missing"] is True
    with pytest.raises(Gone):
        documents.restore_version(ctx, PAUL, document["id"], 1)
    assert reconcile(ctx) == []  # reported once; nothing more can be done


def test_verify_compares_each_content_with_its_key(ctx, document):
    data, at = ctx.contents.objects[key_of(PDF)]
    ctx.contents.objects[key_of(PDF)] = (data + b"tampered", at)

    [finding] = reconcile(ctx, verify=True)

    assert finding.kind == "corrupt_content"

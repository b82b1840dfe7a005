"""Uploads, versions and content addressing, on fakes."""
from __future__ import annotations

import hashlib

import pytest
from maillage_shared.errors import Conflict, Forbidden, Gone, Invalid, NotFound, PayloadTooLarge, UnsupportedMediaType

from services.documents.domain import documents, uploads

from .conftest import ANNE, CLAIRE, GUEST, OTHER_SID, PAUL, PDF, PNG, SID, ZOE, new_version, upload


def key_of(data: bytes, structure_id: str = SID) -> str:
    return f"{structure_id}/sha256/{hashlib.sha256(data).hexdigest()}"


def test_a_new_document_is_stored_under_its_content_address(ctx, document):
    assert document["title"] == "Protocole AVK"
    assert document["current_version"] == 1
    version = document["current"]
    assert (version["size"], version["sha256"]) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert version["content_type"] == "application/pdf"
    assert version["uploaded_by"] == CLAIRE
    assert ctx.contents.keys() == [key_of(PDF)]  # the staging object is gone
    assert ctx.uploads.pending() == []


def test_the_title_defaults_to_the_file_name(ctx):
    created = upload(ctx, filename="compte-rendu_RCP novembre.pdf")

    assert created["title"] == "compte-rendu RCP novembre"


def test_a_new_version_keeps_the_old_ones(ctx, document):
    updated = new_version(ctx, document["id"], actor=PAUL, version_name="v2", version_note="Relu en réunion")

    assert updated["current_version"] == 2
    assert [v["number"] for v in updated["versions"]] == [2, 1]
    assert (updated["current"]["name"], updated["current"]["note"]) == ("v2", "Relu en réunion")
    assert updated["current"]["uploaded_by"] == PAUL
    assert len(ctx.contents.keys()) == 2


def test_identical_content_is_stored_once(ctx, document):
    again = upload(ctx, title="Copie du protocole")
    same_version = new_version(ctx, document["id"], data=PDF)

    assert ctx.contents.keys() == [key_of(PDF)]
    assert again["current"]["sha256"] == same_version["current"]["sha256"] == document["current"]["sha256"]


def test_the_same_content_in_two_structures_is_stored_once_in_each(ctx, document):
    upload(ctx, actor=ZOE, structure_id=OTHER_SID)

    assert ctx.contents.keys() == sorted([key_of(PDF), key_of(PDF, OTHER_SID)])


def test_restoring_a_version_makes_it_the_latest_without_copying(ctx, document):
    new_version(ctx, document["id"])
    copies = ctx.contents.copies

    restored = documents.restore_version(ctx, ANNE, document["id"], 1)

    assert restored["current_version"] == 3
    assert restored["current"]["restored_from"] == 1
    assert restored["current"]["sha256"] == document["current"]["sha256"]
    assert restored["current"]["note"] == ""
    assert ctx.contents.copies == copies


def test_completing_an_upload_twice_files_it_once(ctx, document):
    ticket = uploads.begin_version_upload(ctx, CLAIRE, document["id"], {"filename": "v2.pdf"})
    receipt = ctx.contents.stage(ticket["key"], PDF + b"%2")
    first = uploads.complete_upload(ctx, CLAIRE, ticket["upload_id"], receipt)

    second = uploads.complete_upload(ctx, CLAIRE, ticket["upload_id"], receipt)

    assert first["current_version"] == second["current_version"] == 2
    assert len(second["versions"]) == 2


def test_someone_else_s_upload_is_not_found(ctx, document):
    ticket = uploads.begin_version_upload(ctx, CLAIRE, document["id"], {"filename": "v2.pdf"})
    receipt = ctx.contents.stage(ticket["key"], PDF)

    with pytest.raises(NotFound):
        uploads.complete_upload(ctx, PAUL, ticket["upload_id"], receipt)


@pytest.mark.parametrize("data, receipt_change, error, field", [
    (b"", {}, Invalid, "file"),
    (PDF, {"size": len(PDF) + 10}, Invalid, "file"),           # cut half-way: fewer bytes arrived than counted
    (b"x" * (1024 * 1024 + 1), {}, PayloadTooLarge, "file"),   # over the 1 MiB limit of the test policy
    (PNG, {}, UnsupportedMediaType, "file"),                   # a PNG declared as a PDF named .pdf
])
def test_a_bad_file_is_refused_and_nothing_is_kept(ctx, data, receipt_change, error, field):
    ticket = uploads.begin_document_upload(ctx, CLAIRE, SID, {"filename": "x.pdf", "content_type": "application/pdf"})
    receipt = {**ctx.contents.stage(ticket["key"], data), **receipt_change}

    with pytest.raises(error) as refused:
        uploads.complete_upload(ctx, CLAIRE, ticket["upload_id"], receipt)

    assert field in refused.value.fields
    assert ctx.contents.keys() == []
    assert ctx.documents.rows == {}
    assert ctx.uploads.get(ticket["upload_id"]).state == "aborted"
    with pytest.raises(Gone):
        uploads.complete_upload(ctx, CLAIRE, ticket["upload_id"], receipt)


def test_a_file_whose_name_lies_about_its_content_is_refused(ctx):
    with pytest.raises(UnsupportedMediaType) as refused:
        upload(ctx, data=PNG, filename="ordonnance.pdf", content_type="application/octet-stream")

    assert "named .pdf" in refused.value.message


def test_unknown_formats_are_accepted_as_plain_bytes(ctx):
    created = upload(ctx, data=b"\x01\x02binary\x00\xff", filename="export.dat", content_type="application/x-foo")

    assert created["current"]["content_type"] == "application/octet-stream"


@pytest.mark.parametrize("size, error", [(0, Invalid), (1024 * 1024 + 1, PayloadTooLarge)])
def test_a_declared_size_is_checked_before_any_byte_is_sent(ctx, size, error):
    with pytest.raises(error):
        uploads.begin_document_upload(ctx, CLAIRE, SID, {"filename": "x.pdf", "size": size})

    assert ctx.uploads.rows == {}


def test_an_aborted_upload_leaves_nothing(ctx):
    ticket = uploads.begin_document_upload(ctx, CLAIRE, SID, {"filename": "x.pdf"})
    ctx.contents.stage(ticket["key"], PDF[:10])

    uploads.abort_upload(ctx, CLAIRE, ticket["upload_id"], "interrupted")

    assert ctx.contents.keys() == []
    assert ctx.uploads.get(ticket["upload_id"]).state == "aborted"


def test_uploads_left_pending_expire(ctx, clock, document):
    stalled = uploads.begin_document_upload(ctx, CLAIRE, SID, {"filename": "x.pdf"})
    ctx.contents.stage(stalled["key"], PDF)
    filed = uploads.begin_version_upload(ctx, CLAIRE, document["id"], {"filename": "v2.pdf"})
    receipt = ctx.contents.stage(filed["key"], PDF + b"%2")
    uploads.complete_upload(ctx, CLAIRE, filed["upload_id"], receipt)
    ctx.uploads.rows[filed["upload_id"]].state = "pending"  # stopped just before marking it done
    clock.advance(hours=25)

    assert uploads.expire_uploads(ctx) == 2

    assert ctx.uploads.get(stalled["upload_id"]).state == "aborted"
    assert ctx.uploads.get(filed["upload_id"]).state == "completed"
    assert not ctx.contents.keys("uploads/")


def test_guests_cannot_upload_and_strangers_do_not_find_the_structure(ctx, document):
    with pytest.raises(Forbidden):
        uploads.begin_document_upload(ctx, GUEST, SID, {"filename": "x.pdf"})
    with pytest.raises(Forbidden):
        uploads.begin_version_upload(ctx, GUEST, document["id"], {"filename": "x.pdf"})
    with pytest.raises(NotFound):
        uploads.begin_document_upload(ctx, ZOE, SID, {"filename": "x.pdf"})
    with pytest.raises(NotFound):
        uploads.begin_version_upload(ctx, ZOE, document["id"], {"filename": "x.pdf"})


def test_no_new_version_for_a_document_in_the_trash(ctx, document):
    ticket = uploads.begin_version_upload(ctx, CLAIRE, document["id"], {"filename": "v2.pdf"})
    receipt = ctx.contents.stage(ticket["key"], PDF + b"%2")
    documents.trash_document(ctx, CLAIRE, document["id"])

    with pytest.raises(Conflict):
        uploads.complete_upload(ctx, CLAIRE, ticket["upload_id"], receipt)
    with pytest.raises(Conflict):
        uploads.begin_version_upload(ctx, CLAIRE, document["id"], {"filename": "v3.pdf"})
    assert not ctx.contents.keys("uploads/")


def test_two_versions_racing_both_land(ctx, document):
    first = uploads.begin_version_upload(ctx, CLAIRE, document["id"], {"filename": "a.pdf"})
    second = uploads.begin_version_upload(ctx, PAUL, document["id"], {"filename": "b.pdf"})
    receipt_a = ctx.contents.stage(first["key"], PDF + b"%a")
    receipt_b = ctx.contents.stage(second["key"], PDF + b"%b")

    uploads.complete_upload(ctx, CLAIRE, first["upload_id"], receipt_a)
    final = uploads.complete_upload(ctx, PAUL, second["upload_id"], receipt_b)

    assert [v["number"] for v in final["versions"]] == [3, 2, 1]
    assert final["current"]["filename"] == "b.pdf"


def test_content_is_filed_under_its_lock(ctx, document):
    assert ctx.locks.taken == [key_of(PDF)]

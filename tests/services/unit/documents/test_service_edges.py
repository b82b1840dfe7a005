"""The Nameko edge stays thin: schema in, domain call, JSON-able schema dump out."""
from __future__ import annotations

import json

import pytest
from maillage_shared.contracts.documents import DocumentSchema, UploadTicketSchema
from maillage_shared.errors import Invalid
from nameko.testing.services import worker_factory

from services.documents.service import DocumentsService

from .conftest import CLAIRE, PDF, SID


class FakeWiring:
    def __init__(self, ctx):
        self.ctx = ctx

    def context(self, db, correlation_id, objects, identity, projects):
        return self.ctx


@pytest.fixture
def service(ctx):
    return worker_factory(DocumentsService, wiring=FakeWiring(ctx))


def test_an_upload_through_the_edge_answers_json_in_the_contract_shape(service, ctx):
    ticket = service.begin_document_upload(CLAIRE, SID, {"filename": "avk.pdf", "title": "AVK", "tags": ["avk"]})
    assert UploadTicketSchema().validate(ticket) == {}
    receipt = ctx.contents.stage(ticket["key"], PDF)

    document = service.complete_upload(CLAIRE, ticket["upload_id"], receipt)

    assert json.loads(json.dumps(document)) == document
    assert DocumentSchema().validate(document) == {}
    assert document["current"]["uploaded_at"].endswith("Z")
    listed = service.list_documents(CLAIRE, SID, {"q": "avk"})
    assert [d["id"] for d in listed] == [document["id"]]
    ticket = service.open_version(CLAIRE, document["id"], "1")
    assert ticket["previewable"] is True and ticket["key"].startswith(f"{SID}/sha256/")
    assert service.open_version(CLAIRE, document["id"], "latest") == ticket


@pytest.mark.parametrize("payload, field", [
    ({"filename": "../../etc/passwd"}, "filename"),
    ({"filename": "dossier/fichier.pdf"}, "filename"),
    ({"filename": "..cache"}, "filename"),
    ({"filename": "a.pdf", "folder": "Protocoles/../Secrets"}, "folder"),
    ({"filename": "a.pdf", "tags": ["a,b"]}, "tags.0"),
    ({"filename": "a.pdf", "size": -1}, "size"),
    ({"filename": "a.pdf", "owner": "me"}, "owner"),
])
def test_bad_input_is_invalid_naming_the_field(service, payload, field):
    with pytest.raises(Invalid) as error:
        service.begin_document_upload(CLAIRE, SID, payload)

    assert field in error.value.fields


@pytest.mark.parametrize("number", ["0", "x", "-2", True, None])
def test_version_numbers_are_whole_numbers_from_one(service, number):
    with pytest.raises(Invalid) as error:
        service.restore_version(CLAIRE, "d1", number)

    assert "number" in error.value.fields


def test_a_receipt_needs_a_real_sha256(service):
    with pytest.raises(Invalid) as error:
        service.complete_upload(CLAIRE, "u1", {"size": 10, "sha256": "not-a-hash"})

    assert "sha256" in error.value.fields

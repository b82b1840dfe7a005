"""Factory fixtures for documents domain tests: a context on fakes with two structures and
their members, and helpers that go through the whole upload path (begin, stream, complete)."""
from __future__ import annotations

import pytest

from services.documents.demo import simple_pdf
from services.documents.domain import uploads

from .fakes import FakeClock, fake_context

SID, OTHER_SID = "s-tilleuls", "s-chenes"
CLAIRE, PAUL, ANNE, GUEST, ZOE = "u-claire", "u-paul", "u-anne", "u-guest", "u-zoe"  # ZOE belongs to OTHER_SID
PDF = simple_pdf("Protocole AVK", ["Suivi de l'INR"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def ctx(clock):
    context = fake_context(clock=clock)
    directory = context.directory
    directory.add(SID, CLAIRE, "coordinator", name="MSP des Tilleuls")
    directory.add(SID, PAUL, "member")
    directory.add(SID, ANNE, "member")
    directory.add(SID, GUEST, "guest")
    directory.add(OTHER_SID, ZOE, "coordinator", name="MSP des Chênes")
    return context


def upload(ctx, actor=CLAIRE, structure_id=SID, data=PDF, filename="protocole-avk.pdf",
           content_type="application/pdf", **request) -> dict:
    """Begin, stream (as the gateway does) and complete the upload of a new document."""
    ticket = uploads.begin_document_upload(ctx, actor, structure_id, {
        "filename": filename, "content_type": content_type, **request})
    receipt = ctx.contents.stage(ticket["key"], data)
    return uploads.complete_upload(ctx, actor, ticket["upload_id"], receipt)


def new_version(ctx, document_id, actor=CLAIRE, data=PDF + b"%v2", filename="protocole-avk-v2.pdf",
                content_type="application/pdf", **request) -> dict:
    ticket = uploads.begin_version_upload(ctx, actor, document_id, {
        "filename": filename, "content_type": content_type, **request})
    receipt = ctx.contents.stage(ticket["key"], data)
    return uploads.complete_upload(ctx, actor, ticket["upload_id"], receipt)


@pytest.fixture
def document(ctx):
    return upload(ctx, title="Protocole AVK", folder="Protocoles", tags=["avk"])

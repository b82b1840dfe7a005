"""Demo documents: created once, whatever the number of runs."""
from __future__ import annotations

from services.documents import demo
from services.documents.domain import documents, library, protocols

from .conftest import ANNE, CLAIRE, PAUL, SID

IDENTITY_DEMO = {"structure_id": SID, "members": [
    {"user_id": CLAIRE, "role": "coordinator", "profession": "coordinateur", "first_name": "Claire",
     "last_name": "Martin", "email": "claire@example.org"},
    {"user_id": PAUL, "role": "member", "profession": "medecin_generaliste", "first_name": "Paul",
     "last_name": "Leroy", "email": "paul@example.org"},
    {"user_id": ANNE, "role": "member", "profession": "infirmier", "first_name": "Anne",
     "last_name": "Morel", "email": "anne@example.org"},
]}


def test_demo_data_is_created_once(ctx):
    first = demo.ensure_demo_data(ctx, IDENTITY_DEMO)
    second = demo.ensure_demo_data(ctx, IDENTITY_DEMO)

    assert len(first["created"]) == len(demo.DOCUMENTS) and second["created"] == []
    assert len(documents.list_documents(ctx, ANNE, SID, {})) == len(demo.DOCUMENTS)
    [protocol] = protocols.list_protocols(ctx, ANNE, SID, {})
    assert (protocol["title"], protocol["status"], protocol["published"]) == (demo.PROTOCOL_TITLE, "validated", True)
    assert protocol["aci_theme"] == "iatrogenic_risk"
    assert [entry["title"] for entry in library.search_library(ctx, ANNE, {"q": "avk"})] == [demo.PROTOCOL_TITLE]
    assert len(ctx.documents.events("documents.protocol_validated.v1")) == 1
    assert documents.open_version(ctx, PAUL, first["protocol_document_id"])["content_type"] == "application/pdf"

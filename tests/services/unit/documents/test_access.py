"""Who reads and who changes a document: structure-wide, project and restricted documents."""
from __future__ import annotations

import pytest
from maillage_shared.errors import Forbidden, Invalid, NotFound, ServiceUnavailable

from services.documents.domain import documents, uploads

from .conftest import ANNE, CLAIRE, GUEST, PAUL, SID, ZOE, new_version, upload

EVERYONE = (CLAIRE, PAUL, ANNE, GUEST)


def readers(ctx, document_id) -> set[str]:
    found = set()
    for user in (*EVERYONE, ZOE):
        ctx._teams.clear()  # each call of the service asks the projects service afresh
        try:
            documents.get_document(ctx, user, document_id)
            found.add(user)
        except NotFound:
            pass
    return found


def listed_for(ctx, user) -> list[str]:
    ctx._teams.clear()
    return [d["title"] for d in documents.list_documents(ctx, user, SID, {})]


def test_a_structure_document_is_read_by_every_member_and_nobody_else(ctx, document):
    assert readers(ctx, document["id"]) == set(EVERYONE)
    with pytest.raises(NotFound):
        documents.list_documents(ctx, ZOE, SID, {})
    with pytest.raises(NotFound):
        documents.open_version(ctx, ZOE, document["id"])


def test_a_restricted_document_is_read_by_the_named_members_and_its_uploader(ctx):
    restricted = upload(ctx, actor=PAUL, title="Contrat de Paul", restricted_to=[ANNE])

    assert restricted["access"] == "restricted"
    assert readers(ctx, restricted["id"]) == {PAUL, ANNE}
    assert listed_for(ctx, CLAIRE) == []
    assert listed_for(ctx, ANNE) == ["Contrat de Paul"]


def test_restricting_is_for_its_managers_and_only_to_members(ctx, document):
    with pytest.raises(Forbidden):
        documents.update_document(ctx, PAUL, document["id"], {"restricted_to": [PAUL]})
    with pytest.raises(Invalid) as stranger:
        documents.update_document(ctx, CLAIRE, document["id"], {"restricted_to": [CLAIRE, ZOE]})
    assert "restricted_to" in stranger.value.fields
    by_anne = upload(ctx, actor=ANNE, title="Planning")
    with pytest.raises(Invalid) as without_self:  # Claire would lose it (Anne, who uploaded it, would not)
        documents.update_document(ctx, CLAIRE, by_anne["id"], {"restricted_to": [PAUL]})
    assert "restricted_to" in without_self.value.fields

    documents.update_document(ctx, CLAIRE, document["id"], {"restricted_to": [CLAIRE, PAUL]})
    assert readers(ctx, document["id"]) == {CLAIRE, PAUL}
    documents.update_document(ctx, CLAIRE, document["id"], {"restricted_to": []})
    assert readers(ctx, document["id"]) == set(EVERYONE)
    assert "document.access_changed" in ctx.audit_entries.actions()


def test_a_project_document_is_read_by_its_team_the_coordinators_and_its_uploader(ctx):
    ctx.projects.add("p-avk", SID, team={PAUL})
    in_project = upload(ctx, actor=PAUL, title="Notes du groupe AVK", project_id="p-avk")
    ctx.projects.add("p-avk", SID, team={PAUL, ANNE})  # Anne joins the project afterwards

    assert in_project["access"] == "project"
    assert readers(ctx, in_project["id"]) == {CLAIRE, PAUL, ANNE}


def test_when_the_projects_service_is_down_only_coordinators_and_the_uploader_read(ctx):
    ctx.projects.add("p-avk", SID, team={PAUL, ANNE})
    in_project = upload(ctx, actor=PAUL, project_id="p-avk")
    ctx.projects.down = True

    assert readers(ctx, in_project["id"]) == {CLAIRE, PAUL}


def test_a_project_hidden_from_a_member_hides_its_documents(ctx):
    ctx.projects.add("p-rh", SID, team={CLAIRE, ANNE}, hidden_from={PAUL})
    in_project = upload(ctx, actor=ANNE, project_id="p-rh")

    assert PAUL not in readers(ctx, in_project["id"])


def test_documents_go_into_projects_of_one_s_own_structure_and_team(ctx):
    ctx.projects.add("p-avk", SID, team={PAUL})
    ctx.projects.add("p-elsewhere", "s-chenes", team={CLAIRE})

    with pytest.raises(Forbidden):
        uploads.begin_document_upload(ctx, ANNE, SID, {"filename": "x.pdf", "project_id": "p-avk"})
    with pytest.raises(Invalid) as elsewhere:
        uploads.begin_document_upload(ctx, CLAIRE, SID, {"filename": "x.pdf", "project_id": "p-elsewhere"})
    assert "project_id" in elsewhere.value.fields
    with pytest.raises(Invalid):
        uploads.begin_document_upload(ctx, CLAIRE, SID, {"filename": "x.pdf", "project_id": "p-unknown"})
    ctx.projects.down = True
    ctx._teams.clear()
    with pytest.raises(ServiceUnavailable):
        uploads.begin_document_upload(ctx, CLAIRE, SID, {"filename": "x.pdf", "project_id": "p-avk"})


def test_guests_read_but_do_not_change(ctx, document):
    assert documents.get_document(ctx, GUEST, document["id"])["can_edit"] is False
    with pytest.raises(Forbidden):
        documents.restore_version(ctx, GUEST, document["id"], 1)
    with pytest.raises(Forbidden):
        documents.update_document(ctx, GUEST, document["id"], {"title": "Autre"})
    with pytest.raises(Forbidden):
        documents.trash_document(ctx, GUEST, document["id"])


def test_members_add_versions_and_rename_but_only_managers_trash(ctx, document):
    new_version(ctx, document["id"], actor=PAUL)
    renamed = documents.update_document(ctx, PAUL, document["id"], {"title": "Protocole AVK 2027", "folder": " A / B "})
    assert (renamed["title"], renamed["folder"]) == ("Protocole AVK 2027", "A/B")
    assert renamed["can_manage"] is False

    with pytest.raises(Forbidden):
        documents.trash_document(ctx, PAUL, document["id"])
    own = upload(ctx, actor=PAUL, title="Mon document")
    assert documents.trash_document(ctx, PAUL, own["id"])["state"] == "trashed"
    assert documents.trash_document(ctx, CLAIRE, document["id"])["state"] == "trashed"


def test_another_structure_s_coordinator_finds_nothing(ctx, document):
    for call in (lambda: documents.get_document(ctx, ZOE, document["id"]),
                 lambda: documents.update_document(ctx, ZOE, document["id"], {"title": "x"}),
                 lambda: documents.trash_document(ctx, ZOE, document["id"]),
                 lambda: documents.restore_version(ctx, ZOE, document["id"], 1),
                 lambda: documents.folders(ctx, ZOE, SID),
                 lambda: documents.list_trash(ctx, ZOE, SID)):
        with pytest.raises(NotFound):
            call()

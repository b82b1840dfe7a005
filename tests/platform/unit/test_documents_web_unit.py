"""The documents part of the gateway alone: Flask's test client, a fake RPC pool and an
in-memory object store. Checked here: the multipart form read as a stream (fields first,
CSRF before any byte is stored, the file piped through), the raw-body API upload, the
download headers, and the pages in French."""
from __future__ import annotations

import hashlib
import io

import pytest
from maillage_shared.contracts.documents import DocumentSchema, ProtocolFieldsSchema
from maillage_shared.errors import Invalid, NotFound, UnsupportedMediaType
from maillage_shared.objects import LimitedHashingReader, ObjectTooLarge, StoredObject, StreamInterrupted
from werkzeug.test import encode_multipart

from gateway.file_streams import MultipartFile

from .test_web_unit import SID, USER_ID, log_in, make_client, me, membership, settings, text  # noqa: F401

DID = "d0c00000-0000-4000-8000-000000000001"
PDF = b"%PDF-1.4\n" + b"x" * 5000
DOCUMENT = {**DocumentSchema.EXAMPLES[0], "id": DID, "structure_id": SID}
TICKET = {"upload_id": "u1", "bucket": "maillage-documents", "key": f"uploads/{SID}/u1", "max_bytes": 1024 * 1024}
CONTENT = {"bucket": "maillage-documents", "key": f"{SID}/sha256/ab", "number": 1, "filename": "protocole avk.pdf",
           "content_type": "application/pdf", "size": 9, "sha256": "ab" * 32, "previewable": True}


class FakeStore:
    """The object store as the gateway uses it."""

    def __init__(self):
        self.objects: dict[str, bytes] = {}

    def put_stream(self, bucket, key, stream, limit, expected_size=None, **kwargs):
        reader = LimitedHashingReader(stream, limit, expected_size=expected_size)
        data = b""
        while True:
            piece = reader.read(8192)
            if not piece:
                break
            data += piece
        self.objects[key] = data
        return StoredObject(key, len(data), hashlib.sha256(data).hexdigest())

    def open(self, bucket, key, chunk_size=65536):
        return iter([self.objects.get(key, b"%PDF-1.4\n")])


def replies(**more) -> dict:
    base = {("identity", "get_me"): me(), ("identity", "get_membership"): membership(),
            ("identity", "list_members"): [], ("documents", "structure_of_document"): SID,
            ("documents", "get_document"): DOCUMENT, ("documents", "folders"): [{"folder": "Protocoles", "documents": 1}],
            ("documents", "list_documents"): [], ("documents", "list_protocols"): [],
            ("documents", "begin_document_upload"): TICKET, ("documents", "begin_version_upload"): TICKET,
            ("projects", "list_projects"): [],
            ("documents", "complete_upload"): DOCUMENT, ("documents", "abort_upload"): None}
    base.update({("documents", name): value for name, value in more.items()})
    return base


@pytest.fixture
def client_with(make_client, log_in):  # noqa: F811
    def make(**more):
        client, pool = make_client(replies(**more))
        store = FakeStore()
        client.application.extensions["objects"] = store
        log_in(client)
        return client, pool, store

    return make


def csrf(client) -> str:
    import re

    html = text(client.get(f"/app/s/{SID}/documents/new"))
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def multipart(fields: list[tuple[str, object]]) -> tuple[bytes, str]:
    """A form body with its parts in this order (the file last, as our forms put it)."""
    from werkzeug.datastructures import FileStorage, MultiDict

    data = MultiDict([(k, FileStorage(io.BytesIO(v[1]), v[0], content_type=v[2]) if isinstance(v, tuple) else v)
                      for k, v in fields])
    boundary, body = encode_multipart(data)
    return body, f"multipart/form-data; boundary={boundary}"


# The multipart reader ------------------------------------------------------------------------

def test_the_form_s_fields_come_first_then_the_file_streams_through():
    body, content_type = multipart([("csrf_token", "t"), ("title", "Protocole AVK"),
                                    ("file", ("avk.pdf", PDF * 40, "application/pdf")), ("after", "ignored")])
    form = MultipartFile(io.BytesIO(body), content_type)

    fields = form.read_fields()
    chunks = []
    while piece := form.read(4096):
        chunks.append(piece)

    assert fields == {"csrf_token": "t", "title": "Protocole AVK"}
    assert (form.filename, form.file_type) == ("avk.pdf", "application/pdf")
    assert b"".join(chunks) == PDF * 40
    assert max(len(c) for c in chunks) <= 4096


def test_a_form_without_a_file_or_malformed_is_refused():
    body, content_type = multipart([("title", "x")])
    with pytest.raises(Invalid):
        MultipartFile(io.BytesIO(body), content_type).read_fields()
    with pytest.raises(Invalid):
        MultipartFile(io.BytesIO(b"a=b"), "application/x-www-form-urlencoded")


def test_a_form_cut_half_way_is_an_interrupted_stream():
    body, content_type = multipart([("csrf_token", "t"), ("file", ("avk.pdf", PDF * 40, "application/pdf"))])
    form = MultipartFile(io.BytesIO(body[: len(body) // 2]), content_type)
    form.read_fields()

    with pytest.raises(StreamInterrupted):
        while form.read(4096):
            pass


def test_a_body_ending_short_of_its_announced_length_is_interrupted():
    reader = LimitedHashingReader(io.BytesIO(b"x" * 1000), limit=10_000, expected_size=4000)

    with pytest.raises(StreamInterrupted):
        reader.read(8192)


def test_the_reader_stops_right_after_the_limit():
    reader = LimitedHashingReader(io.BytesIO(b"x" * 10_000), limit=4096, chunk=1024)

    with pytest.raises(ObjectTooLarge):
        reader.read(8192)


# Web uploads ---------------------------------------------------------------------------------

def test_an_upload_checks_csrf_streams_the_file_then_shows_the_document(client_with):
    client, pool, store = client_with()
    body, content_type = multipart([("csrf_token", csrf(client)), ("title", "Protocole AVK"), ("folder", "Protocoles"),
                                    ("tags", "avk, inr"), ("file", ("avk.pdf", PDF, "application/pdf"))])

    response = client.post(f"/app/s/{SID}/documents/new", data=body, content_type=content_type)

    assert response.status_code == 303 and response.headers["Location"].endswith(f"/app/documents/{DID}")
    begin = pool.args_of("begin_document_upload")
    assert begin[:2] == (USER_ID, SID)
    assert {k: begin[2][k] for k in ("filename", "content_type", "title", "folder", "tags")} == {
        "filename": "avk.pdf", "content_type": "application/pdf", "title": "Protocole AVK", "folder": "Protocoles",
        "tags": ["avk", "inr"]}
    assert store.objects[TICKET["key"]] == PDF
    assert pool.args_of("complete_upload") == (USER_ID, "u1", {"size": len(PDF),
                                                                "sha256": hashlib.sha256(PDF).hexdigest()})


def test_with_javascript_the_answer_is_json(client_with):
    client, _, _ = client_with()
    body, content_type = multipart([("csrf_token", csrf(client)), ("file", ("avk.pdf", PDF, "application/pdf"))])

    response = client.post(f"/app/s/{SID}/documents/new", data=body, content_type=content_type,
                           headers={"X-Requested-With": "XMLHttpRequest"})

    assert response.status_code == 201 and response.json == {"location": f"/app/documents/{DID}"}


@pytest.mark.parametrize("token", ["forged", None])
def test_a_forged_form_stores_nothing(client_with, token):
    client, pool, store = client_with()
    csrf(client)
    parts = ([("csrf_token", token)] if token else []) + [("file", ("avk.pdf", PDF, "application/pdf"))]
    body, content_type = multipart(parts)

    response = client.post(f"/app/s/{SID}/documents/new", data=body, content_type=content_type)

    assert response.status_code == 400
    assert "begin_document_upload" not in pool.methods() and store.objects == {}


def test_a_refused_file_shows_the_form_again_with_a_french_message(client_with):
    error = UnsupportedMediaType("The file's content does not match its type: it is named .pdf but its content is "
                                 "a PNG image.", {"file": "The content is a PNG image, not a PDF document."})
    client, _, _ = client_with(complete_upload=error)
    body, content_type = multipart([("csrf_token", csrf(client)), ("title", "Mon titre"),
                                    ("file", ("avk.pdf", PDF, "application/pdf"))])

    response = client.post(f"/app/s/{SID}/documents/new", data=body, content_type=content_type)

    html = text(response)
    assert response.status_code == 415
    assert "c’est une image PNG, pas un document PDF" in html
    assert 'value="Mon titre"' in html


def test_a_body_larger_than_the_limit_is_refused_before_reading_it(client_with, settings):  # noqa: F811
    client, pool, _ = client_with()
    token = csrf(client)
    body, content_type = multipart([("csrf_token", token), ("file", ("big.pdf", PDF, "application/pdf"))])

    response = client.post(f"/app/s/{SID}/documents/new", data=body, content_type=content_type,
                           environ_overrides={"CONTENT_LENGTH": str(settings.documents_max_bytes + 2 * 1024 * 1024)})

    assert response.status_code == 413
    assert "Le fichier est trop volumineux : la limite est de 200 Mo." in text(response)
    assert "begin_document_upload" not in pool.methods()


# The JSON API ---------------------------------------------------------------------------------

def bearer(settings_, user_id=USER_ID) -> dict:
    from maillage_shared.tokens import AccessTokenSigner, load_private_key

    token, _ = AccessTokenSigner(load_private_key(settings_), 900).issue(user_id, "session-1")
    return {"Authorization": f"Bearer {token}"}


def test_a_raw_body_upload_through_the_api(client_with, settings):  # noqa: F811
    client, pool, store = client_with()

    response = client.post(f"/api/v1/structures/{SID}/documents?filename=avk.pdf&title=AVK&tags=a,b", data=PDF,
                           content_type="application/pdf", headers=bearer(settings))

    assert response.status_code == 201, response.json
    begin = pool.args_of("begin_document_upload")[2]
    assert (begin["size"], begin["tags"], begin["content_type"]) == (len(PDF), ["a", "b"], "application/pdf")
    assert store.objects[TICKET["key"]] == PDF


def test_a_body_larger_than_flask_s_form_limit_streams_through(client_with, settings):  # noqa: F811
    client, pool, store = client_with(begin_document_upload={**TICKET, "max_bytes": 8 * 1024 * 1024})
    data = b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024)  # Flask refuses bodies over 2 MB elsewhere

    response = client.post(f"/api/v1/structures/{SID}/documents?filename=x.pdf", data=data,
                           content_type="application/pdf", headers=bearer(settings))

    assert response.status_code == 201 and store.objects[TICKET["key"]] == data


@pytest.mark.parametrize("query, data, status", [
    ("filename=../../etc/passwd", PDF, 400),
    ("title=sans-nom", PDF, 400),
    ("filename=vide.pdf", b"", 400),
])
def test_bad_api_uploads_are_refused_before_any_byte_is_stored(client_with, settings, query, data, status):  # noqa: F811
    client, pool, store = client_with()

    response = client.post(f"/api/v1/structures/{SID}/documents?{query}", data=data,
                           content_type="application/pdf", headers=bearer(settings),
                           environ_overrides={"CONTENT_LENGTH": str(len(data))})

    assert response.status_code == status
    assert "begin_document_upload" not in pool.methods() and store.objects == {}


def test_another_structure_s_document_is_404_before_the_body_is_read(client_with, settings):  # noqa: F811
    client, pool, store = client_with(structure_of_document=NotFound("Document not found."))

    response = client.post(f"/api/v1/documents/{DID}/versions?filename=v2.pdf", data=PDF,
                           content_type="application/pdf", headers=bearer(settings))

    assert response.status_code == 404 and store.objects == {}


# Downloads ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type, inline, disposition, served", [
    ("application/pdf", "1", "inline", "application/pdf"),
    ("application/pdf", "0", "attachment", "application/pdf"),
    ("text/html; charset=utf-8", "1", "attachment", "application/octet-stream"),
    ("image/svg+xml", "1", "attachment", "application/octet-stream"),
])
def test_downloads_are_streamed_and_only_pdf_and_images_are_shown_inline(client_with, content_type, inline,
                                                                         disposition, served):
    client, _, _ = client_with(open_version={**CONTENT, "content_type": content_type})

    response = client.get(f"/app/documents/{DID}/versions/1/content?inline={inline}")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(served)
    assert response.headers["Content-Disposition"].startswith(disposition)
    assert "filename*=UTF-8''protocole%20avk.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{"ab" * 32}"'
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.data == b"%PDF-1.4\n"


# Pages ----------------------------------------------------------------------------------------

def test_the_documents_page_in_french(client_with):
    summary = {"id": DID, "title": "Protocole AVK", "folder": "Protocoles", "tags": ["avk"], "access": "structure",
               "project_id": None, "meeting_id": None, "current_version": 2, "filename": "avk.pdf",
               "content_type": "application/pdf", "size": 1536 * 1024, "updated_at": "2026-11-23T08:00:00Z",
               "protocol_status": "validated", "review_due": True, "trashed_at": None, "purge_after": None}
    due = [{"document_id": DID, "title": "Protocole AVK", "status": "validated", "aci_theme": "iatrogenic_risk",
            "professions": [], "validated_on": "2024-11-12", "review_on": "2026-11-12", "review_due": True,
            "published": False, "imported": False}]
    client, pool, _ = client_with(list_documents=[summary], list_protocols=due)

    html = text(client.get(f"/app/s/{SID}/documents?q=avk&folder=Protocoles"))

    assert "Ajouter un document" in html and "Bibliothèque de protocoles" in html
    assert "1 protocole est à réviser" in html
    assert "1,5 Mo" in html and "protocole validé" in html and "révision à faire" in html
    assert pool.args_of("list_documents")[2] == {"q": "avk", "folder": "Protocoles", "tag": None}


def test_the_document_page_previews_a_pdf_and_lists_versions(client_with):
    protocol = {**ProtocolFieldsSchema.EXAMPLES[0], "status": "draft", "validated_on": None, "validated_by": None,
                "validated_version": None, "review_due": False, "library_entry_id": None,
                "updated_at": "2026-11-23T08:00:00Z", "updated_by": USER_ID}
    client, _, _ = client_with(get_document={**DOCUMENT, "protocol": protocol})

    html = text(client.get(f"/app/documents/{DID}"))

    assert f'src="/app/documents/{DID}/versions/1/content?inline=1"' in html
    assert "Envoyer une nouvelle version" in html and "Versions" in html
    assert "Mesure de l&#39;INR au domicile" in html
    assert "Valider le protocole" in html  # the coordinator sees the validation form
    assert 'src="/static/documents-upload.js"' in html


def test_the_protocol_editor_sends_the_rows_that_were_filled(client_with):
    client, pool, _ = client_with(get_document=DOCUMENT, declare_protocol=DOCUMENT)
    token = csrf(client)

    response = client.post(f"/app/documents/{DID}/protocol", data={
        "csrf_token": token, "need": "Accidents sous AVK", "aci_theme": "iatrogenic_risk", "steps_rows": "3",
        "professions": ["pharmacien"], "steps.1.who": ["infirmier"], "steps.1.what": "INR au domicile",
        "steps.1.when": "Chaque semaine", "references_rows": "1", "references.0.citation": "HAS 2015"})

    assert response.status_code == 302
    sent = pool.args_of("declare_protocol")[2]
    assert sent["steps"] == [{"who": ["infirmier"], "what": "INR au domicile", "when": "Chaque semaine", "how": ""}]
    assert sent["professions"] == ["pharmacien"] and sent["references"] == [{"citation": "HAS 2015", "url": None}]


def test_a_service_error_on_a_step_lands_on_its_row(client_with):
    error = Invalid("Invalid input: steps.0.who", {"steps.0.who.0": "Must be one of: medecin_generaliste."})
    client, _, _ = client_with(get_document=DOCUMENT, declare_protocol=error)
    token = csrf(client)

    response = client.post(f"/app/documents/{DID}/protocol", data={
        "csrf_token": token, "steps_rows": "2", "steps.1.who": ["infirmier"], "steps.1.what": "INR"})

    html = text(response)
    assert response.status_code == 400
    block = html[html.index('id="f-steps-1-who"') - 400:html.index('id="f-steps-1-who"')]
    assert "Choisissez une valeur dans la liste." in block


def test_the_trash_protocols_and_library_pages(client_with):
    trashed = {"id": DID, "title": "Vieux compte rendu", "folder": "", "tags": [], "access": "structure",
               "project_id": None, "meeting_id": None, "current_version": 1, "filename": "cr.pdf",
               "content_type": "application/pdf", "size": 10, "updated_at": "2026-11-20T08:00:00Z",
               "protocol_status": None, "review_due": False, "trashed_at": "2026-11-20T08:00:00Z",
               "purge_after": "2026-12-20T08:00:00Z"}
    protocols = [{"document_id": DID, "title": "Protocole AVK", "status": "validated", "aci_theme": "iatrogenic_risk",
                  "professions": ["infirmier"], "validated_on": "2026-11-12", "review_on": "2028-11-12",
                  "review_due": False, "published": True, "imported": False}]
    entry = {"id": "l1", "title": "Protocole AVK", "aci_theme": "iatrogenic_risk", "professions": ["infirmier"],
             "need": "Des accidents sous AVK", "origin_structure_name": "MSP des Chênes", "origin_version": 2,
             "validated_on": "2026-11-12", "published_at": "2026-11-23T08:00:00Z"}
    client, pool, _ = client_with(list_trash=[trashed], list_protocols=protocols, search_library=[entry])

    trash = text(client.get(f"/app/s/{SID}/documents/trash"))
    listed = text(client.get(f"/app/s/{SID}/protocols"))
    library = text(client.get(f"/app/s/{SID}/library?q=inr&theme=iatrogenic_risk&profession=astronaute"))
    english = text(client.get(f"/app/s/{SID}/library?lang=en"))

    assert "Vieux compte rendu" in trash and "Supprimer définitivement" in trash and "dimanche 20 décembre 2026" in trash
    assert "Protocole AVK" in listed and "dans la bibliothèque" in listed and "Risque iatrogénique" in listed
    assert "Partagé par MSP des Chênes · version 2" in library
    assert pool.args_of("search_library")[1] == {"q": "inr", "theme": "iatrogenic_risk", "profession": None}
    assert "Protocol library" in english and "Shared by MSP des Chênes" in english


def test_the_protocol_downloads_as_fhir_json(client_with):
    plan = {"resourceType": "PlanDefinition", "name": "ProtocoleAVK", "title": "Protocole AVK"}
    client, _, _ = client_with(protocol_plan_definition=plan)

    response = client.get(f"/app/documents/{DID}/protocol/fhir")

    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert 'filename="ProtocoleAVK.fhir.json"' in response.headers["Content-Disposition"]
    assert response.json == plan


# Attaching an upload to a project ---------------------------------------------------------------

PROJECTS = [{"id": "p1", "title": "Parcours insuffisance cardiaque", "status": "in_progress", "archived": False,
             "restricted": False, "lead_id": USER_ID},
            {"id": "p2", "title": "Ancien projet", "status": "done", "archived": True, "restricted": False,
             "lead_id": USER_ID}]


def test_the_upload_form_offers_the_structure_s_open_projects(client_with):
    client, pool, _ = client_with()
    pool.replies[("projects", "list_projects")] = PROJECTS

    html = text(client.get(f"/app/s/{SID}/documents/new?project_id=p1"))

    assert "Projet" in html and "Aucun : toute la structure" in html
    assert '<option value="p1" selected>Parcours insuffisance cardiaque</option>' in html
    assert "Ancien projet" not in html
    assert pool.args_of("list_projects") == (USER_ID, SID, {})


def test_without_the_projects_service_the_form_still_works(client_with):
    from maillage_shared.errors import ServiceUnavailable

    client, pool, store = client_with()
    pool.replies[("projects", "list_projects")] = ServiceUnavailable("The platform is busy.")

    html = text(client.get(f"/app/s/{SID}/documents/new"))
    assert 'name="project_id"' not in html and 'name="file"' in html

    body, content_type = multipart([("csrf_token", csrf(client)), ("file", ("avk.pdf", PDF, "application/pdf"))])
    response = client.post(f"/app/s/{SID}/documents/new", data=body, content_type=content_type)
    assert response.status_code == 303 and pool.args_of("begin_document_upload")[2]["project_id"] is None


def test_an_upload_attached_to_a_project_sends_its_id(client_with):
    client, pool, store = client_with()
    body, content_type = multipart([("csrf_token", csrf(client)), ("project_id", "p1"),
                                    ("file", ("avk.pdf", PDF, "application/pdf"))])

    response = client.post(f"/app/s/{SID}/documents/new", data=body, content_type=content_type)

    assert response.status_code == 303
    assert pool.args_of("begin_document_upload")[2]["project_id"] == "p1"


def test_a_project_refused_by_the_service_is_named_next_to_the_select(client_with):
    error = Invalid("No such project in this structure.", {"project_id": "No such project in this structure."})
    client, pool, store = client_with(begin_document_upload=error)
    pool.replies[("projects", "list_projects")] = PROJECTS
    body, content_type = multipart([("csrf_token", csrf(client)), ("project_id", "p9"),
                                    ("file", ("avk.pdf", PDF, "application/pdf"))])

    response = client.post(f"/app/s/{SID}/documents/new", data=body, content_type=content_type)

    html = text(response)
    assert response.status_code == 400 and store.objects == {}
    assert 'id="f-project-id-error"' in html and "Aucun projet de ce nom dans cette structure." in html

"""Documents through the gateway, on the running platform: uploads streamed to S3, versions,
downloads, the trash, protocols and the library between two structures; bad input and
interrupted uploads (a clear 4xx, nothing left behind); memory of the gateway during a large
upload; every answer checked against the OpenAPI document."""
from __future__ import annotations

import hashlib
import http.client
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from maillage_shared.objects import ObjectStore
from maillage_shared.settings import Settings
from pymongo import MongoClient

from services.documents.demo import simple_pdf
from tests.platform.helpers import signup

from .steps import API, Api, expect, expect_error, founder, join, today_in_paris
from .test_openapi import mismatches

PDF = simple_pdf("Protocole AVK", ["Suivi de l'INR"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
MIB = 1024 * 1024
LARGE_MIB = 150


@pytest.fixture(scope="module")
def spec(platform) -> dict:
    return requests.get(f"{platform.base_url}{API}/openapi.json", timeout=30).json()


@pytest.fixture(scope="module")
def team(platform):
    """Structure A (a coordinator and a nurse) and structure B (a coordinator)."""
    a, b = signup(platform.base_url), signup(platform.base_url)
    coordinator = founder(a).api(platform.base_url)
    nurse = join(platform, coordinator, a["structure"]["id"], "member", "infirmier", first_name="Anne")
    return {"sid": a["structure"]["id"], "coordinator": coordinator, "nurse": nurse.api(platform.base_url),
            "nurse_id": nurse.user_id, "coordinator_id": a["user_id"], "b_sid": b["structure"]["id"], "b": founder(b).api(platform.base_url),
            "structure_name": a["structure"]["name"]}


@pytest.fixture(scope="module")
def store(platform) -> tuple[ObjectStore, str]:
    servers = platform.servers
    objects = ObjectStore.from_settings(Settings(s3_endpoint=servers.s3_endpoint, s3_access_key=servers.s3_access_key,
                                                 s3_secret_key=servers.s3_secret_key))
    return objects, objects.bucket("documents")


@pytest.fixture(scope="module")
def documents_db(platform):
    client = MongoClient(platform.servers.mongo_uri, serverSelectionTimeoutMS=5000)
    yield client[f"{platform.processes.env['MAILLAGE_DB_PREFIX']}documents"]
    client.close()


def upload(api: Api, sid: str, data: bytes = PDF, content_type: str = "application/pdf", **query):
    query.setdefault("filename", "protocole-avk.pdf")
    return api.post(f"/structures/{sid}/documents", params=query, data=data, headers={"Content-Type": content_type})


def conforms(spec: dict, *responses: requests.Response) -> None:
    problems = [p for r in responses if r.headers.get("Content-Type", "").startswith("application/json")
                for p in mismatches(spec, r)]
    assert not problems, "\n".join(problems)


def test_upload_version_download_restore_trash(team, spec, store):
    sid, coordinator, nurse = team["sid"], team["coordinator"], team["nurse"]
    created = upload(coordinator, sid, title="Protocole AVK", folder="Protocoles/Cardio", tags="avk,inr")
    document = expect(created, 201)
    did = document["id"]
    assert document["current"]["sha256"] == hashlib.sha256(PDF).hexdigest()

    version = nurse.post(f"/documents/{did}/versions", params={"filename": "avk-v2.pdf", "version_name": "v2"},
                         data=PDF + b"%v2", headers={"Content-Type": "application/pdf"})
    assert expect(version, 201)["current_version"] == 2
    latest = coordinator.get(f"/documents/{did}/content")
    first = coordinator.get(f"/documents/{did}/versions/1/content", params={"disposition": "inline"})
    assert latest.content == PDF + b"%v2" and first.content == PDF
    assert first.headers["Content-Disposition"].startswith("inline")
    assert latest.headers["Content-Disposition"].startswith("attachment")
    restored = coordinator.post(f"/documents/{did}/versions/1/restore")
    assert expect(restored, 200)["current"]["restored_from"] == 1
    copy = expect(upload(nurse, sid, title="Copie"), 201)
    objects, bucket = store
    assert sum(1 for item in objects.list(bucket, f"{sid}/")) == 2  # four versions, two contents

    listing = coordinator.get(f"/structures/{sid}/documents", params={"q": "avk", "folder": "Protocoles"})
    assert [d["id"] for d in expect(listing, 200)] == [did]
    assert [d["id"] for d in expect(coordinator.get(f"/structures/{sid}/documents", params={"tag": "INR"}), 200)] == [did]
    folders = coordinator.get(f"/structures/{sid}/documents/folders")
    assert {f["folder"] for f in expect(folders, 200)} == {"Protocoles", "Protocoles/Cardio"}

    forbidden = nurse.post(f"/documents/{did}/trash")
    expect_error(forbidden, 403, "forbidden")
    trashed = coordinator.post(f"/documents/{did}/trash")
    assert expect(trashed, 200)["purge_after"]
    in_trash = coordinator.get(f"/structures/{sid}/documents/trash")
    assert [d["id"] for d in expect(in_trash, 200)] == [did]
    back = coordinator.post(f"/documents/{did}/restore")
    expect(back, 200)
    stranger = team["b"].patch(f"/documents/{did}", json={"restricted_to": []})
    expect_error(stranger, 404, "not_found")
    patched = coordinator.patch(f"/documents/{did}", json={"restricted_to": [team["coordinator_id"]]})
    assert expect(patched, 200)["access"] == "restricted"
    expect_error(nurse.get(f"/documents/{did}"), 404, "not_found")
    assert did not in [d["id"] for d in expect(nurse.get(f"/structures/{sid}/documents"), 200)]
    expect(coordinator.patch(f"/documents/{did}", json={"restricted_to": []}), 200)
    expect(nurse.get(f"/documents/{did}"), 200)
    audit = coordinator.get(f"/structures/{sid}/documents/audit")
    assert {"document.created", "version.added", "document.trashed", "document.restored"} <= {
        e["action"] for e in expect(audit, 200)}
    trash_copy = coordinator.post(f"/documents/{copy['id']}/trash")
    deleted = coordinator.delete(f"/documents/{copy['id']}")
    assert deleted.status_code == 204
    conforms(spec, created, version, restored, listing, folders, forbidden, trashed, in_trash, back, stranger, patched,
             audit, trash_copy, deleted)


@pytest.mark.parametrize("query, data, content_type, status, code", [
    ({"filename": "vide.pdf"}, b"", "application/pdf", 400, "invalid"),
    ({"filename": "../../etc/passwd"}, PDF, "application/pdf", 400, "invalid"),
    ({"filename": "dossier\\fichier.pdf"}, PDF, "application/pdf", 400, "invalid"),
    ({"filename": "ok.pdf", "folder": "a/../b"}, PDF, "application/pdf", 400, "invalid"),
    ({"filename": "photo.pdf"}, PNG, "application/pdf", 415, "unsupported_media_type"),
    ({"filename": "photo.png"}, PDF, "image/png", 415, "unsupported_media_type"),
    ({}, PDF, "application/pdf", 400, "invalid"),
])
def test_bad_uploads_get_a_clear_4xx_and_leave_nothing(team, spec, store, query, data, content_type, status, code):
    sid = team["sid"]
    before = len(expect(team["coordinator"].get(f"/structures/{sid}/documents"), 200))

    response = team["coordinator"].post(f"/structures/{sid}/documents", params=query, data=data,
                                        headers={"Content-Type": content_type})

    error = expect_error(response, status, code)
    assert error["message"]
    conforms(spec, response)
    assert len(expect(team["coordinator"].get(f"/structures/{sid}/documents"), 200)) == before
    objects, bucket = store
    assert [item.key for item in objects.list(bucket, f"uploads/{sid}/")] == []


def raw_request(platform, token: str, path: str, headers: dict[str, str]):
    host, port = urlsplit(platform.base_url).hostname, urlsplit(platform.base_url).port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.putrequest("POST", path)
    for name, value in {"Authorization": f"Bearer {token}", **headers}.items():
        connection.putheader(name, value)
    connection.endheaders()
    return connection


def test_a_declared_length_over_the_limit_is_refused_before_the_body(platform, team):
    token = team["coordinator"].token
    path = f"{API}/structures/{team['sid']}/documents?filename=huge.pdf"
    connection = raw_request(platform, token, path, {"Content-Type": "application/pdf",
                                                     "Content-Length": str(200 * MIB + 1)})

    response = connection.getresponse()

    assert response.status == 413
    assert b"too large" in response.read()
    connection.close()


def test_an_upload_cut_half_way_leaves_nothing(platform, team, store, documents_db):
    sid = team["sid"]
    host, port = urlsplit(platform.base_url).hostname, urlsplit(platform.base_url).port
    query = urlencode({"filename": "coupe.pdf", "title": "Coupé en route"})
    head = (f"POST {API}/structures/{sid}/documents?{query} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {team['coordinator'].token}\r\nContent-Type: application/pdf\r\n"
            f"Content-Length: {40 * MIB}\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(head + b"%PDF-1.4\n" + b"x" * (12 * MIB))  # more than one 8 MiB part, then gone

    deadline = time.monotonic() + 30
    upload_doc = None
    while time.monotonic() < deadline:
        upload_doc = documents_db.uploads.find_one({"request.filename": "coupe.pdf"})
        if upload_doc and upload_doc["state"] != "pending":
            break
        time.sleep(0.1)
    assert upload_doc and upload_doc["state"] == "aborted", upload_doc
    objects, bucket = store
    assert [item.key for item in objects.list(bucket, f"uploads/{sid}/")] == []
    titles = {d["title"] for d in expect(team["coordinator"].get(f"/structures/{sid}/documents"), 200)}
    assert "Coupé en route" not in titles


def gateway_worker_pid(platform) -> int:
    master = platform.processes.processes["gateway"].pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def test_a_large_upload_streams_through_the_gateway_with_flat_memory(platform, team):
    pid = gateway_worker_pid(platform)
    before, peak, done = rss(pid), [rss(pid)], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss(pid))
            time.sleep(0.05)

    digest = hashlib.sha256()

    def body():
        block = b"%PDF-1.7\n" + bytes(range(256)) * 4096
        block = block[:MIB]
        for _ in range(LARGE_MIB):
            digest.update(block)
            yield block

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        response = requests.post(f"{platform.base_url}{API}/structures/{team['sid']}/documents",
                                 params={"filename": "grand.pdf"}, data=body(), timeout=300,
                                 headers={"Authorization": f"Bearer {team['coordinator'].token}",
                                          "Content-Type": "application/pdf"})
    finally:
        done.set()
        sampler.join()

    document = expect(response, 201)
    growth = peak[0] - before
    print(f"\ngateway worker: RSS {before / MIB:.0f} MiB, peak {peak[0] / MIB:.0f} MiB during a {LARGE_MIB} MiB upload")
    assert document["current"]["size"] == LARGE_MIB * MIB
    assert document["current"]["sha256"] == digest.hexdigest()
    assert growth < 80 * MIB, f"the gateway grew by {growth / MIB:.0f} MiB"


def test_protocol_validation_publication_and_import(team, spec):
    sid, coordinator, nurse, b = team["sid"], team["coordinator"], team["nurse"], team["b"]
    did = expect(upload(nurse, sid, data=PDF + b"%protocol", title="Suivi des patients sous AVK"), 201)["id"]
    fields = {"need": "Des accidents sous AVK", "population": "Adultes sous AVK",
              "professions": ["medecin_generaliste"], "aci_theme": "iatrogenic_risk",
              "steps": [{"who": ["infirmier"], "what": "INR au domicile", "when": "Chaque semaine"},
                        {"who": ["medecin_generaliste"], "what": "Adapter la dose"}],
              "references": [{"citation": "HAS 2015", "url": "https://www.has-sante.fr/jcms/c_2033014"}]}
    declared = nurse.put(f"/documents/{did}/protocol", json=fields)
    assert expect(declared, 200)["protocol"]["status"] == "draft"
    review_on = today_in_paris().replace(year=today_in_paris().year + 2).isoformat()
    refused = nurse.post(f"/documents/{did}/protocol/validation", json={"review_on": review_on})
    expect_error(refused, 403, "forbidden")
    validated = coordinator.post(f"/documents/{did}/protocol/validation", json={"review_on": review_on})
    assert expect(validated, 200)["protocol"]["status"] == "validated"
    listed = coordinator.get(f"/structures/{sid}/protocols")
    assert [p["document_id"] for p in expect(listed, 200)] == [did]
    fhir = coordinator.get(f"/documents/{did}/protocol/fhir")
    assert expect(fhir, 200)["resourceType"] == "PlanDefinition"
    published = coordinator.post(f"/documents/{did}/protocol/publication")
    entry = expect(published, 201)

    found = b.get("/library", params={"q": "inr domicile", "theme": "iatrogenic_risk", "profession": "infirmier"})
    assert entry["id"] in [e["id"] for e in expect(found, 200)]
    shown = b.get(f"/library/{entry['id']}")
    assert expect(shown, 200)["origin_structure_name"] == team["structure_name"]
    assert b.get(f"/library/{entry['id']}/content").content == PDF + b"%protocol"
    imported = b.post(f"/library/{entry['id']}/import", json={"structure_id": team["b_sid"]})
    copy = expect(imported, 201)
    assert (copy["origin"]["document_id"], copy["origin"]["version"], copy["protocol"]["status"]) == (did, 1, "draft")
    assert b.get(f"/documents/{copy['id']}/content").content == PDF + b"%protocol"
    expect_error(b.get(f"/documents/{did}"), 404, "not_found")
    withdrawn = coordinator.delete(f"/documents/{did}/protocol/publication")
    expect(withdrawn, 200)
    assert entry["id"] not in [e["id"] for e in expect(b.get("/library"), 200)]
    conforms(spec, declared, refused, validated, listed, fhir, published, found, shown, imported, withdrawn)


def test_a_project_document_is_read_by_the_project_s_team_and_the_coordinators(platform, team, spec):
    sid, coordinator = team["sid"], team["coordinator"]
    outsider = join(platform, coordinator, sid, "member", "pharmacien", first_name="Julien").api(platform.base_url)
    project = expect(coordinator.post(f"/structures/{sid}/projects", json={
        "title": "Parcours AVK", "participant_ids": [team["nurse_id"]]}), 201)

    created = upload(team["nurse"], sid, title="Notes du groupe AVK", project_id=project["id"])
    document = expect(created, 201)

    assert document["access"] == "project"
    expect(coordinator.get(f"/documents/{document['id']}"), 200)
    expect_error(outsider.get(f"/documents/{document['id']}"), 404, "not_found")
    assert document["id"] not in [d["id"] for d in expect(outsider.get(f"/structures/{sid}/documents"), 200)]
    refused = upload(outsider, sid, title="Intrus", project_id=project["id"])
    expect_error(refused, 403, "forbidden")
    conforms(spec, created, refused)

"""The documents service in a real Nameko container (with identity beside it), against a real
RabbitMQ vhost, the Mongo-wire server and the SeaweedFS S3 server, called over RPC like the
gateway calls it. Bytes go the gateway's way: streamed to the staging object with
``ObjectStore.put_stream`` (the code the gateway runs), never through RPC.
"""
from __future__ import annotations

import hashlib
import os
import time
import uuid
from datetime import timedelta

import eventlet
import pytest
from maillage_shared.contracts.documents import EVENTS, ProtocolFieldsSchema
from maillage_shared.contracts.envelope import EventEnvelopeSchema
from maillage_shared.contracts.identity import SignupRequestSchema
from maillage_shared.errors import Invalid, NotFound, PayloadTooLarge, ServiceUnavailable, UnsupportedMediaType
from maillage_shared.events import OUTBOX_COUNT
from maillage_shared.objects import ObjectStore, ObjectTooLarge, StreamInterrupted
from nameko.events import event_handler
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from pymongo import MongoClient

from infra.local.servers import _Proc, start_local_servers
from services.documents import reconcile as reconcile_command
from services.documents.demo import simple_pdf
from services.documents.domain.reconcile import reconcile
from services.documents.service import DocumentsService
from services.documents.wiring import command_context
from services.identity.service import IdentityService

from ..conftest import nameko_config

SIGNUP = SignupRequestSchema.EXAMPLES[0]
PDF = simple_pdf("Protocole AVK", ["Suivi de l'INR au domicile"])
MIB = 1024 * 1024
LARGE_UPLOAD_MIB = int(os.environ.get("MAILLAGE_TEST_LARGE_UPLOAD_MIB", "200"))  # the benchmark does 1 GiB


class ProtocolValidatedProbe:
    """Finance, as a consumer of ``documents.protocol_validated.v1`` sees it."""

    name = "documents_protocol_validated_probe"

    @event_handler("documents", "protocol_validated.v1")
    def handle(self, event):
        return event


class Generated:
    """``size`` bytes made up on the fly (never held in memory), PDF-looking, with the RSS of
    this process sampled as they are read."""

    def __init__(self, size: int, seed: bytes = b"maillage"):
        self.left, self.sent = size, 0
        self.block = (b"%PDF-1.7\n" + hashlib.sha256(seed).digest() * 32768)[:MIB]
        self.digest = hashlib.sha256()
        self.peak_rss = rss_bytes()

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        start = self.sent % len(self.block)
        data = (self.block[start:] + self.block * (size // len(self.block) + 1))[:size]
        self.left -= len(data)
        self.sent += len(data)
        self.digest.update(data)
        self.peak_rss = max(self.peak_rss, rss_bytes())
        return data


def rss_bytes(pid: str = "self") -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@pytest.fixture
def settings(service_settings):
    return service_settings(documents_max_bytes=LARGE_UPLOAD_MIB * MIB + MIB)


@pytest.fixture
def start(container_factory):
    def start_services(for_settings):
        containers = [container_factory(cls, nameko_config(for_settings)) for cls in (IdentityService, DocumentsService)]
        for container in containers:
            container.start()
        return containers

    return start_services


@pytest.fixture
def connect():
    proxies = []

    def open_proxy(service, for_settings):
        proxy = ServiceRpcProxy(service, nameko_config(for_settings), timeout=60,
                                context_data={"correlation_id": f"test-{uuid.uuid4().hex[:8]}"})
        proxies.append(proxy)
        return proxy.start()

    yield open_proxy
    for proxy in proxies:
        proxy.stop()


class Platform:
    """What the gateway holds: RPC proxies and the object store."""

    def __init__(self, settings, identity, documents):
        self.settings, self.identity, self.documents = settings, identity, documents
        self.store = ObjectStore.from_settings(settings)
        self.bucket = self.store.bucket("documents")
        self.coordinator = identity.signup(SIGNUP, "192.0.2.1")
        self.sid, self.actor = self.coordinator["structure"]["id"], self.coordinator["user_id"]

    def stream(self, ticket: dict, source) -> dict:
        stored = self.store.put_stream(ticket["bucket"], ticket["key"], source, ticket["max_bytes"])
        return {"size": stored.size, "sha256": stored.sha256}

    def upload(self, data: bytes = PDF, filename: str = "protocole-avk.pdf", content_type="application/pdf",
               **request) -> dict:
        import io

        ticket = self.documents.begin_document_upload(self.actor, self.sid, {
            "filename": filename, "content_type": content_type, **request})
        return self.documents.complete_upload(self.actor, ticket["upload_id"], self.stream(ticket, io.BytesIO(data)))

    def read(self, ticket: dict) -> bytes:
        return b"".join(self.store.open(ticket["bucket"], ticket["key"]))

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(item.key for item in self.store.list(self.bucket, prefix))


@pytest.fixture
def platform(settings, start, connect):
    start(settings)
    return Platform(settings, connect("identity", settings), connect("documents", settings))


@pytest.fixture
def database(settings, mongo_uri):
    client = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    yield client[settings.database_name("documents")]
    client.close()


def wait_until(condition, timeout=15.0, message="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout} s")
        eventlet.sleep(0.05)


def test_minio_and_pymongo_work_inside_the_eventlet_patched_service(platform):
    assert platform.documents.health() == {"status": "ok"}


def test_upload_versions_dedup_and_download(platform):
    document = platform.upload(title="Protocole AVK", folder="Protocoles", tags=["avk"])
    did, digest = document["id"], hashlib.sha256(PDF).hexdigest()
    assert document["current"]["sha256"] == digest
    assert platform.keys() == [f"{platform.sid}/sha256/{digest}"]  # no staging object left

    import io
    ticket = platform.documents.begin_version_upload(platform.actor, did, {"filename": "v2.pdf"})
    v2 = platform.documents.complete_upload(platform.actor, ticket["upload_id"],
                                            platform.stream(ticket, io.BytesIO(PDF + b"%v2")))
    copy = platform.upload(title="Même contenu")
    restored = platform.documents.restore_version(platform.actor, did, 1)

    assert v2["current_version"] == 2 and restored["current_version"] == 3
    assert copy["current"]["sha256"] == digest
    assert len(platform.keys()) == 2  # three documents' versions, two distinct contents
    assert platform.read(platform.documents.open_version(platform.actor, did, "latest")) == PDF
    assert platform.read(platform.documents.open_version(platform.actor, did, 2)) == PDF + b"%v2"
    found = platform.documents.list_documents(platform.actor, platform.sid, {"q": "avk", "folder": "Protocoles"})
    assert [d["id"] for d in found] == [did]


@pytest.mark.parametrize("data, filename, receipt_change, error", [
    (b"", "vide.pdf", {}, Invalid),
    (PDF, "coupe.pdf", {"size": len(PDF) * 2}, Invalid),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "ment.pdf", {}, UnsupportedMediaType),
])
def test_bad_files_are_refused_and_leave_nothing_in_the_store(platform, data, filename, receipt_change, error):
    import io

    ticket = platform.documents.begin_document_upload(platform.actor, platform.sid, {"filename": filename})
    receipt = {**platform.stream(ticket, io.BytesIO(data)), **receipt_change}

    with pytest.raises(error):
        platform.documents.complete_upload(platform.actor, ticket["upload_id"], receipt)

    assert platform.keys() == []
    assert platform.documents.list_documents(platform.actor, platform.sid, {}) == []


def test_the_size_limit_stops_the_stream_and_nothing_is_kept(service_settings, start, connect):
    settings = service_settings(documents_max_bytes=6 * MIB)
    start(settings)
    platform = Platform(settings, connect("identity", settings), connect("documents", settings))
    with pytest.raises(PayloadTooLarge):
        platform.documents.begin_document_upload(platform.actor, platform.sid, {"filename": "x.pdf",
                                                                                "size": 7 * MIB})
    ticket = platform.documents.begin_document_upload(platform.actor, platform.sid, {"filename": "x.pdf"})
    source = Generated(20 * MIB)

    with pytest.raises(ObjectTooLarge):
        platform.stream(ticket, source)
    platform.documents.abort_upload(platform.actor, ticket["upload_id"], {"reason": "too_large"})

    assert source.sent <= 6 * MIB + 2 * MIB  # stopped right after the limit, not at the end
    assert platform.keys() == []


def test_a_large_upload_streams_with_flat_memory(platform):
    ticket = platform.documents.begin_document_upload(platform.actor, platform.sid, {
        "filename": "export.pdf", "content_type": "application/pdf"})
    source = Generated(LARGE_UPLOAD_MIB * MIB)
    before = rss_bytes()

    receipt = platform.stream(ticket, source)
    document = platform.documents.complete_upload(platform.actor, ticket["upload_id"], receipt)

    growth = source.peak_rss - before
    print(f"\n{LARGE_UPLOAD_MIB} MiB streamed: RSS {before / MIB:.0f} MiB before, peak {source.peak_rss / MIB:.0f} MiB "
          f"(+{growth / MIB:.0f} MiB)")
    assert growth < 80 * MIB, f"memory grew by {growth / MIB:.0f} MiB while streaming {LARGE_UPLOAD_MIB} MiB"
    assert document["current"]["size"] == LARGE_UPLOAD_MIB * MIB
    assert document["current"]["sha256"] == source.digest.hexdigest()
    assert platform.keys() == [f"{platform.sid}/sha256/{source.digest.hexdigest()}"]


def test_a_validated_protocol_is_announced_through_the_outbox(platform, container_factory, settings, database):
    document = platform.upload(title="Protocole AVK")
    platform.documents.declare_protocol(platform.actor, document["id"], ProtocolFieldsSchema.EXAMPLES[0])
    probe = container_factory(ProtocolValidatedProbe, nameko_config(settings))
    probe.start()

    with entrypoint_waiter(probe, "handle", timeout=15,
                           callback=lambda worker_ctx, result, exc_info: result["payload"]["document_id"]
                           == document["id"]) as waited:
        platform.documents.validate_protocol(platform.actor, document["id"], {"review_on": "2099-01-01"})

    event = waited.get()
    assert EventEnvelopeSchema().validate(event) == {}
    assert EVENTS[event["type"]]().load(event["payload"])["title"] == "Protocole AVK"
    assert event["structure_id"] == platform.sid
    wait_until(lambda: database.documents.count_documents({OUTBOX_COUNT: {"$gt": 0}}) == 0, message="outbox empty")


def test_publish_and_import_across_structures(platform, settings):
    document = platform.upload(title="Protocole AVK")
    platform.documents.declare_protocol(platform.actor, document["id"], ProtocolFieldsSchema.EXAMPLES[0])
    platform.documents.validate_protocol(platform.actor, document["id"], {"review_on": "2099-01-01"})
    entry = platform.documents.publish_protocol(platform.actor, document["id"])
    other = platform.identity.signup({**SIGNUP, "coordinator": {**SIGNUP["coordinator"], "email": "zoe@example.org"},
                                      "structure": {**SIGNUP["structure"], "name": "MSP des Chênes"}})

    found = platform.documents.search_library(other["user_id"], {"q": "domicile", "profession": "infirmier"})
    imported = platform.documents.import_protocol(other["user_id"], entry["id"],
                                                  {"structure_id": other["structure"]["id"]})

    assert [f["id"] for f in found] == [entry["id"]]
    assert imported["origin"]["structure_name"] == "MSP des Tilleuls"
    assert platform.read(platform.documents.open_version(other["user_id"], imported["id"])) == PDF
    with pytest.raises(NotFound):
        platform.documents.get_document(other["user_id"], document["id"])


def test_reconcile_finds_and_repairs_both_directions(platform, settings, capsys):
    kept = platform.upload(title="Gardé")
    lost = platform.upload(title="Perdu", data=PDF + b"%lost")
    platform.store.put_bytes(platform.bucket, f"{platform.sid}/sha256/{'0' * 64}", b"orphan")
    platform.store.remove(platform.bucket, lost["current"]["sha256"].join([f"{platform.sid}/sha256/", ""]))

    assert reconcile_command.main(["--json"], settings=settings) == 1
    ctx, close = command_context(settings)
    try:
        found = reconcile(ctx, repair=True, grace=timedelta(0))
    finally:
        close()

    assert sorted(f.kind for f in found) == ["missing_content", "orphan_object"] and all(f.repaired for f in found)
    assert platform.keys() == [f"{platform.sid}/sha256/{kept['current']['sha256']}"]
    with pytest.raises(Exception) as gone:
        platform.documents.open_version(platform.actor, lost["id"])
    assert type(gone.value).__name__ == "Gone"
    capsys.readouterr()
    assert reconcile_command.main([], settings=settings) == 0
    assert "agree" in capsys.readouterr().out


def test_restarting_s3_or_the_service_mid_upload_loses_nothing_confirmed(service_settings, start, connect,
                                                                         tmp_path, container_factory):
    own, stop_own = start_local_servers(tmp_path / "s3-fault")
    s3 = _Proc.from_files((tmp_path / "s3-fault").resolve(), "s3")
    restarted = []
    try:
        settings = service_settings(s3_endpoint=own.s3_endpoint, s3_access_key=own.s3_access_key,
                                    s3_secret_key=own.s3_secret_key)
        identity_container, documents_container = start(settings)
        platform = Platform(settings, connect("identity", settings), connect("documents", settings))
        confirmed = platform.upload(title="Confirmé avant la panne")

        # S3 stops while a file streams in: the gateway's write fails, nothing is filed
        ticket = platform.documents.begin_document_upload(platform.actor, platform.sid, {"filename": "x.pdf"})
        source = Generated(40 * MIB)
        original_read = source.read

        def read_then_stop(size=-1):
            if source.sent >= 10 * MIB and s3.alive():
                s3.stop()
            return original_read(size)

        source.read = read_then_stop
        with pytest.raises((ServiceUnavailable, StreamInterrupted)):
            platform.stream(ticket, source)
        platform.documents.abort_upload(platform.actor, ticket["upload_id"], {"reason": "storage"})
        _, stop_again = start_local_servers(tmp_path / "s3-fault", s3_port=s3.port)
        restarted.append(stop_again)
        assert platform.read(platform.documents.open_version(platform.actor, confirmed["id"])) == PDF

        # the service stops between the stream and its completion: the upload waits for it
        import io
        ticket = platform.documents.begin_document_upload(platform.actor, platform.sid, {"filename": "y.pdf"})
        receipt = platform.stream(ticket, io.BytesIO(PDF + b"%after"))
        documents_container.stop()
        container_factory(DocumentsService, nameko_config(settings)).start()
        filed = platform.documents.complete_upload(platform.actor, ticket["upload_id"], receipt)

        titles = {d["title"] for d in platform.documents.list_documents(platform.actor, platform.sid, {})}
        assert titles == {"Confirmé avant la panne", filed["title"]}
        ctx, close = command_context(settings)
        try:
            assert [f.kind for f in reconcile(ctx, grace=timedelta(0))
                    if f.kind in ("missing_content", "missing_library_content")] == []
        finally:
            close()
    finally:
        for stop in [*restarted, stop_own]:
            stop()


def test_demo_documents_are_loaded_once_over_rpc(platform):
    demo = platform.identity.ensure_demo_data()

    first = platform.documents.ensure_demo_data(demo)
    second = platform.documents.ensure_demo_data(demo)

    assert len(first["created"]) == 4 and second["created"] == []
    coordinator = next(m for m in demo["members"] if m["role"] == "coordinator")["user_id"]
    [protocol] = platform.documents.list_protocols(coordinator, demo["structure_id"], {})
    assert (protocol["title"], protocol["status"], protocol["published"]) == (
        "Suivi des patients sous AVK", "validated", True)
    pdf = platform.read(platform.documents.open_version(coordinator, protocol["document_id"], "latest"))
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")

"""The identity service in a real Nameko container, against a real RabbitMQ vhost and a
real Mongo-wire server, called over RPC like the gateway calls it."""
import re
import time
import uuid

import eventlet
import pytest
from maillage_shared.contracts.envelope import EventEnvelopeSchema
from maillage_shared.contracts.identity import EVENTS, SignupRequestSchema
from maillage_shared.errors import Conflict, Gone, Invalid, TooManyRequests, Unauthorized
from maillage_shared.events import OUTBOX, OUTBOX_COUNT
from nameko.events import event_handler
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter, restrict_entrypoints
from pymongo import MongoClient

from services.identity.service import IdentityService

from ..conftest import free_port, nameko_config

SIGNUP = SignupRequestSchema.EXAMPLES[0]
COORDINATOR = SIGNUP["coordinator"]
NEW_ACCOUNT = {"first_name": "Paul", "last_name": "Leroy", "password": "un autre mot de passe"}


class MemberLeftProbe:
    """Another service of the platform, as a consumer of ``identity.member_left.v1`` sees it."""

    name = "identity_member_left_probe"

    @event_handler("identity", "member_left.v1")
    def handle(self, event):
        return event


@pytest.fixture
def settings(service_settings):
    return service_settings()


@pytest.fixture
def start_identity(container_factory):
    def start(settings, *only_entrypoints):
        container = container_factory(IdentityService, nameko_config(settings))
        if only_entrypoints:
            restrict_entrypoints(container, *only_entrypoints)
        container.start()
        return container

    return start


@pytest.fixture
def identity(start_identity, settings):
    return start_identity(settings)


@pytest.fixture
def connect(settings):
    proxies = []

    def open_proxy(for_settings=None):
        proxy = ServiceRpcProxy("identity", nameko_config(for_settings or settings), timeout=30,
                                context_data={"correlation_id": f"test-{uuid.uuid4().hex[:8]}"})
        proxies.append(proxy)
        return proxy.start()

    yield open_proxy
    for proxy in proxies:
        proxy.stop()


@pytest.fixture
def rpc(identity, connect):
    return connect()


@pytest.fixture
def database(settings, mongo_uri):
    client = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    yield client[settings.database_name("identity")]
    client.close()


@pytest.fixture
def coordinator(rpc):
    return rpc.signup(SIGNUP, "192.0.2.1")


def invite_and_read_link(rpc, mailbox, coordinator, email="paul.leroy@example.org", role="member"):
    invitation = rpc.invite(coordinator["user_id"], coordinator["structure"]["id"],
                            {"email": email, "role": role, "profession": "medecin_generaliste"})
    message = mailbox.wait_for(email)
    token = re.search(r"http://maillage\.test/invitations/(\S+)", message.get_content()).group(1)
    return invitation, token


def wait_until(condition, timeout=15.0, message="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout} s")
        eventlet.sleep(0.05)


def test_pymongo_works_inside_the_eventlet_patched_service(rpc):
    assert rpc.health() == {"status": "ok"}


def test_signup_then_login_then_me(rpc, coordinator):
    tokens = rpc.login({"email": COORDINATOR["email"].upper(), "password": COORDINATOR["password"]}, "192.0.2.2")
    me = rpc.get_me(tokens["user_id"])

    assert coordinator["structure"]["slug"] == "msp-des-tilleuls"
    assert me["user"]["email"] == COORDINATOR["email"]
    assert [(m["structure_slug"], m["role"]) for m in me["memberships"]] == [("msp-des-tilleuls", "coordinator")]
    assert rpc.get_membership(tokens["user_id"], coordinator["structure"]["id"])["role"] == "coordinator"


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_session(rpc, coordinator):
    first = coordinator["tokens"]["refresh_token"]
    second = rpc.refresh({"refresh_token": first})["refresh_token"]

    with pytest.raises(Unauthorized):
        rpc.refresh({"refresh_token": first})
    with pytest.raises(Unauthorized):
        rpc.refresh({"refresh_token": second})


def test_typed_errors_arrive_as_their_own_classes(rpc, coordinator):
    with pytest.raises(Conflict) as taken:
        rpc.signup({**SIGNUP, "structure": {**SIGNUP["structure"], "name": "Autre MSP"}}, "192.0.2.1")
    with pytest.raises(Invalid) as invalid:
        rpc.login({"email": "pas-une-adresse", "password": "x"}, "192.0.2.1")
    with pytest.raises(Unauthorized):
        rpc.login({"email": COORDINATOR["email"], "password": "mauvais mot de passe"}, "192.0.2.1")

    assert taken.value.fields == {"coordinator.email": "This e-mail address is already used."}
    assert list(invalid.value.fields) == ["email"]


def test_repeated_failures_are_throttled(rpc, coordinator):
    for _ in range(5):
        with pytest.raises(Unauthorized):
            rpc.login({"email": COORDINATOR["email"], "password": "mauvais mot de passe"}, "192.0.2.3")

    with pytest.raises(TooManyRequests):
        rpc.login({"email": COORDINATOR["email"], "password": COORDINATOR["password"]}, "192.0.2.3")


def test_invite_accept_then_find_in_the_directory(rpc, coordinator, mailbox):
    structure_id = coordinator["structure"]["id"]
    invitation, token = invite_and_read_link(rpc, mailbox, coordinator)

    preview = rpc.preview_invitation(token)
    accepted = rpc.accept_invitation(token, NEW_ACCOUNT)

    assert invitation["status"] == "pending" and preview["account_exists"] is False
    assert accepted["structure_id"] == structure_id
    [paul] = rpc.directory(structure_id, {"q": "LER", "profession": "medecin_generaliste"})
    assert (paul["first_name"], paul["on_leave"], paul["on_call"]) == ("Paul", False, False)
    assert rpc.login({"email": "paul.leroy@example.org", "password": NEW_ACCOUNT["password"]})["user_id"] == \
        accepted["tokens"]["user_id"]
    with pytest.raises(Gone):
        rpc.accept_invitation(token, NEW_ACCOUNT)
    assert [e["action"] for e in rpc.audit_log(coordinator["user_id"], structure_id, 2)] == [
        "invitation.accepted", "invitation.sent"]


def test_the_invitation_is_kept_when_the_mail_server_is_down(start_identity, service_settings, connect, mongo_uri):
    settings = service_settings(smtp_port=free_port())  # nothing listens there
    start_identity(settings)
    rpc = connect(settings)
    coordinator = rpc.signup(SIGNUP, "192.0.2.1")
    structure_id = coordinator["structure"]["id"]

    invitation = rpc.invite(coordinator["user_id"], structure_id,
                            {"email": "anne.morel@example.org", "role": "member", "profession": "infirmier"})

    assert [i["id"] for i in rpc.list_invitations(coordinator["user_id"], structure_id)] == [invitation["id"]]
    [sent] = [e for e in rpc.audit_log(coordinator["user_id"], structure_id) if e["action"] == "invitation.sent"]
    assert sent["details"]["delivered"] is False


def test_on_call_declared_then_looked_up_by_date(rpc, coordinator):
    structure_id, user_id = coordinator["structure"]["id"], coordinator["user_id"]

    declared = rpc.declare_availability(user_id, structure_id, {"kind": "on_call", "starts_on": "2026-11-28",
                                                                "ends_on": "2026-11-29", "note": "Garde"})

    assert [p["id"] for p in rpc.on_call(structure_id, {"date": "2026-11-29"})] == [declared["id"]]
    assert rpc.on_call(structure_id, {"date": "2026-11-30"}) == []
    week = {"starts_on": "2026-11-23", "ends_on": "2026-11-29", "kind": "on_call"}
    assert [p["note"] for p in rpc.list_availability(structure_id, week)] == ["Garde"]


def test_removing_a_member_publishes_member_left_through_the_outbox(
        start_identity, settings, connect, container_factory, database, mailbox):
    # The relay is switched off first, to see the event waiting in the membership document.
    without_relay = start_identity(settings, "signup", "invite", "accept_invitation", "remove_member")
    rpc = connect()
    coordinator = rpc.signup(SIGNUP, "192.0.2.1")
    _, token = invite_and_read_link(rpc, mailbox, coordinator)
    paul_id = rpc.accept_invitation(token, NEW_ACCOUNT)["tokens"]["user_id"]

    rpc.remove_member(coordinator["user_id"], coordinator["structure"]["id"], paul_id)

    membership = database.memberships.find_one({"user_id": paul_id})
    [pending] = [e for e in membership[OUTBOX].values() if e["type"] == "identity.member_left.v1"]
    assert membership["status"] == "left"
    without_relay.stop()

    # A consumer elsewhere on the bus, then the service again: the relay publishes what waited.
    probe = container_factory(MemberLeftProbe, nameko_config(settings))
    probe.start()
    with entrypoint_waiter(probe, "handle", timeout=15,
                           callback=lambda worker_ctx, result, exc_info: result["event_id"] == pending["event_id"]
                           ) as waited:
        start_identity(settings)

    event = waited.get()
    assert EventEnvelopeSchema().validate(event) == {}
    assert EVENTS[event["type"]]().load(event["payload"]) == {"user_id": paul_id, "reason": "removed"}
    assert event["structure_id"] == coordinator["structure"]["id"]
    wait_until(lambda: database.memberships.count_documents({OUTBOX_COUNT: {"$gt": 0}}) == 0, message="outbox empty")


def test_a_removed_member_can_be_invited_back(rpc, coordinator, mailbox, database):
    structure_id = coordinator["structure"]["id"]
    _, token = invite_and_read_link(rpc, mailbox, coordinator)
    paul_id = rpc.accept_invitation(token, NEW_ACCOUNT)["tokens"]["user_id"]
    rpc.remove_member(coordinator["user_id"], structure_id, paul_id)

    _, token = invite_and_read_link(rpc, mailbox, coordinator, role="guest")
    rpc.accept_invitation(token, {"password": NEW_ACCOUNT["password"]})

    assert rpc.get_membership(paul_id, structure_id)["role"] == "guest"
    assert database.memberships.count_documents({"user_id": paul_id}) == 1


def test_demo_data_is_idempotent(rpc, database):
    first = rpc.ensure_demo_data()
    documents = {name: database[name].count_documents({}) for name in ("users", "memberships", "availabilities")}
    second = rpc.ensure_demo_data()

    assert (first["created"], second["created"]) == (True, False)
    assert {name: database[name].count_documents({}) for name in documents} == documents == {
        "users": 9, "memberships": 9, "availabilities": 2}
    member = first["logins"][1]
    assert rpc.login({"email": member["email"], "password": member["password"]})["user_id"]
    entries = rpc.directory(first["structure_id"], {})
    assert [e["first_name"] for e in entries if e["on_leave"]] == ["Hélène"]
    assert [e["first_name"] for e in entries if e["on_call"]] == ["Paul"]

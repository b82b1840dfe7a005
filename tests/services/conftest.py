import eventlet; eventlet.monkey_patch()  # noqa: E702,I001 - Nameko's test helpers hang without it, first of all

# Fixtures of the service tiers: real servers for integration tests.
#
# The embedded servers of `make run` (infra/local/servers.py: nx-27017 Mongo-wire server,
# S3, SMTP sink writing .eml files) started in a temporary directory on free ports, and a
# dedicated RabbitMQ vhost (a service running on `/` would consume our messages), both for
# the whole session. Every test gets its own database prefix, so tests never see each
# other's data.
import email  # noqa: E402
import email.policy  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from infra.local.servers import LocalServerError, LocalServers, start_local_servers  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def local_servers(tmp_path_factory) -> LocalServers:
    vhost = f"maillage-test-{uuid.uuid4().hex[:12]}"
    try:
        servers, stop = start_local_servers(tmp_path_factory.mktemp("servers"), vhost=vhost)
    except LocalServerError as exc:
        pytest.fail(f"the embedded servers could not start (make install sets them up): {exc}")
    try:
        yield servers
    finally:
        stop()  # stops what it started and deletes the vhost


@pytest.fixture(scope="session")
def mongo_uri(local_servers) -> str:
    return local_servers.mongo_uri


@pytest.fixture(scope="session")
def broker_uri(local_servers) -> str:
    return local_servers.amqp_uri


class Mailbox:
    """The SMTP sink's messages (one .eml file each) that arrived during one test."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.read = set(directory.glob("*.eml"))  # earlier tests' mail is not ours

    def wait_for(self, recipient: str, timeout: float = 10) -> email.message.EmailMessage:
        """The next unread message to ``recipient``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in sorted(set(self.directory.glob("*.eml")) - self.read):
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if message["To"] == recipient:
                    self.read.add(path)
                    return message
            eventlet.sleep(0.05)
        raise AssertionError(f"no e-mail to {recipient} within {timeout} s in {self.directory}")


@pytest.fixture
def mailbox(local_servers) -> Mailbox:
    return Mailbox(local_servers.mail_dir)


@pytest.fixture
def service_settings(local_servers, tmp_path):
    """Settings for one test: its own database prefix and data dir (JWT keys)."""
    from maillage_shared.settings import Settings

    def make(**overrides) -> Settings:
        values = dict(env="test", amqp_uri=local_servers.amqp_uri, mongo_uri=local_servers.mongo_uri,
                      db_prefix=f"t{uuid.uuid4().hex[:10]}_", data_dir=str(tmp_path),
                      smtp_host=local_servers.smtp_host, smtp_port=local_servers.smtp_port,
                      s3_endpoint=local_servers.s3_endpoint, s3_access_key=local_servers.s3_access_key,
                      s3_secret_key=local_servers.s3_secret_key, s3_bucket_prefix=f"t{uuid.uuid4().hex[:10]}-",
                      public_url="http://maillage.test")
        values.update(overrides)
        return Settings(**values)

    return make


def nameko_config(settings) -> dict:
    return {**settings.nameko_config(), "AMQP_URI": settings.amqp_uri, "MAILLAGE_SETTINGS": settings}


@pytest.fixture
def connect(settings):
    """Opens started RPC proxies to services on the test vhost (stopped after the test);
    a test module that needs its containers running overrides this to depend on them."""
    from nameko.standalone.rpc import ServiceRpcProxy

    proxies = []

    def open_proxy(service):
        proxy = ServiceRpcProxy(service, nameko_config(settings), timeout=30,
                                context_data={"correlation_id": f"test-{uuid.uuid4().hex[:8]}"})
        proxies.append(proxy)
        return proxy.start()

    yield open_proxy
    for proxy in proxies:
        proxy.stop()

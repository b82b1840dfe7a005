"""The embedded development servers really start, serve, get reused and stop (no eventlet here)."""
from __future__ import annotations

import io
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import uuid
from email.message import EmailMessage
from pathlib import Path

import pymongo
import pytest
from minio import Minio

from infra.local import servers as local
from infra.local.servers import (
    LocalServerError,
    create_vhost,
    delete_vhost,
    local_servers_status,
    port_answers,
    start_local_servers,
    vhost_exists,
)

PID_NAMES = ("mongo", "s3", "smtp")


def _pids(data_dir: Path) -> dict[str, str]:
    return {name: (data_dir / "pids" / f"{name}.pid").read_text() for name in PID_NAMES}


def _ports(servers) -> list[int]:
    return [int(servers.mongo_uri.split(":")[2].split("/")[0]), int(servers.s3_endpoint.rsplit(":", 1)[1]),
            servers.smtp_port]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dev-servers")
    servers, stop = start_local_servers(data_dir)
    try:
        yield data_dir, servers
    finally:
        stop()


def test_all_servers_started_on_free_ports(running):
    data_dir, servers = running
    assert servers.started == ("mongo", "s3", "smtp")
    assert all(port_answers(port) for port in _ports(servers))
    assert set(local_servers_status(data_dir).values()) != {None}
    env = servers.env()
    assert env["MAILLAGE_S3_SECURE"] == "false" and env["MAILLAGE_SMTP_PORT"] == str(servers.smtp_port)
    assert env["MAILLAGE_AMQP_URI"] == "amqp://guest:guest@127.0.0.1:5672/"


def test_mongo_insert_and_find(running):
    _, servers = running
    with pymongo.MongoClient(servers.mongo_uri, serverSelectionTimeoutMS=5000) as client:
        collection = client["maillage_test"]["things"]
        collection.insert_one({"name": "stéthoscope", "n": 1})
        assert collection.find_one({"name": "stéthoscope"})["n"] == 1


def test_s3_put_and_get(running):
    _, servers = running
    client = Minio(servers.s3_endpoint, access_key=servers.s3_access_key, secret_key=servers.s3_secret_key,
                   secure=False)
    client.make_bucket("maillage-test")
    client.put_object("maillage-test", "docs/protocole.txt", io.BytesIO(b"protocole"), 9)
    response = client.get_object("maillage-test", "docs/protocole.txt")
    try:
        assert response.read() == b"protocole"
    finally:
        response.close()
        response.release_conn()


def test_s3_rejects_other_credentials(running):
    _, servers = running
    client = Minio(servers.s3_endpoint, access_key=servers.s3_access_key, secret_key="wrong", secure=False)
    with pytest.raises(Exception, match="SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId"):
        client.list_buckets()


def test_smtp_sink_writes_eml(running):
    _, servers = running
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "no-reply@maillage.localhost", "a@x.example", "Invitation"
    message.set_content("Votre lien : http://127.0.0.1:8080/invitation/abc")
    with smtplib.SMTP(servers.smtp_host, servers.smtp_port, timeout=10) as smtp:
        smtp.send_message(message, to_addrs=["a@x.example", "hidden@x.example"])
    files = list(servers.mail_dir.glob("*.eml"))
    assert len(files) == 1  # the sink answers 250 only after the rename
    content = files[0].read_text()
    assert "Subject: Invitation" in content and "invitation/abc" in content
    assert "X-Envelope-To: a@x.example, hidden@x.example" in content
    assert not list(servers.mail_dir.glob(".*.tmp"))


def test_second_start_reuses_and_its_stop_leaves_servers_running(running):
    data_dir, servers = running
    pids_before = _pids(data_dir)
    again, stop_again = start_local_servers(data_dir)
    assert again.started == ()
    assert (again.mongo_uri, again.s3_endpoint, again.smtp_port) == (servers.mongo_uri, servers.s3_endpoint,
                                                                      servers.smtp_port)
    assert (again.s3_access_key, again.s3_secret_key) == (servers.s3_access_key, servers.s3_secret_key)
    stop_again()
    assert _pids(data_dir) == pids_before
    assert all(port_answers(port) for port in _ports(servers))


def test_stop_closes_ports_and_restart_keeps_data(tmp_path):
    servers, stop = start_local_servers(tmp_path)
    with pymongo.MongoClient(servers.mongo_uri, serverSelectionTimeoutMS=5000) as client:
        client["maillage_test"]["kept"].insert_one({"k": 1})
    ports = _ports(servers)
    stop()
    assert not any(port_answers(port) for port in ports)
    assert not list((tmp_path / "pids").iterdir())
    stop()  # a second call is harmless

    again, stop_again = start_local_servers(tmp_path)
    try:
        assert again.started == ("mongo", "s3", "smtp")
        assert again.s3_access_key == servers.s3_access_key  # credentials are per data dir, kept
        with pymongo.MongoClient(again.mongo_uri, serverSelectionTimeoutMS=5000) as client:
            assert client["maillage_test"]["kept"].find_one({"k": 1}) is not None

        # a server that died leaves a stale pid file: only that one is started again
        os.kill(int((tmp_path / "pids" / "smtp.pid").read_text()), signal.SIGKILL)
        third, stop_third = start_local_servers(tmp_path)
        assert third.started == ("smtp",) and third.mongo_uri == again.mongo_uri
        stop_third()
        assert not port_answers(third.smtp_port) and port_answers(_ports(again)[0])
    finally:
        stop_again()


def test_fixed_port_taken_by_a_stranger_names_the_variable(tmp_path):
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        with pytest.raises(LocalServerError, match=rf"port {port}.*MAILLAGE_MONGO_PORT"):
            start_local_servers(tmp_path, mongo_port=port, fixed_ports=True)
    assert not (tmp_path / "pids" / "mongo.pid").exists()


def test_failed_start_reports_the_end_of_the_log(tmp_path):
    for sub in ("logs", "pids"):
        (tmp_path / sub).mkdir()
    argv = [sys.executable, "-c", "print('cannot bind: boom', flush=True); raise SystemExit(3)"]
    with pytest.raises(LocalServerError, match=r"(?s)exited with code 3.*cannot bind: boom"):
        local._launch(tmp_path, "smtp", argv, 1, lambda: False)
    assert not (tmp_path / "pids" / "smtp.pid").exists()


def _rabbitmqctl_usable() -> bool:
    if not shutil.which("rabbitmqctl"):
        return False
    try:
        return subprocess.run(["rabbitmqctl", "-q", "status"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _rabbitmqctl_usable(), reason="rabbitmqctl missing or the broker does not answer it")
def test_create_and_delete_vhost():
    name = f"maillage-test-{uuid.uuid4().hex}"
    try:
        uri = create_vhost(name)
        assert uri == f"amqp://guest:guest@127.0.0.1:5672/{name}"
        assert vhost_exists(name)
        assert create_vhost(name) == uri  # idempotent
    finally:
        delete_vhost(name)
    assert not vhost_exists(name)
    delete_vhost(name)  # deleting a missing vhost is not an error

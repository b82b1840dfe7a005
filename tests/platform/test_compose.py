"""Checks of the deployment files: docker-compose.yml, the Prometheus/Grafana/RabbitMQ config
under infra/, and the Kubernetes manifests in infra/k8s.

Static checks need only pyyaml. The checks that start containers use testcontainers and run
only where a Docker engine answers; elsewhere they are skipped with the reason.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
PROMETHEUS_FILE = ROOT / "infra" / "prometheus" / "prometheus.yml"
GRAFANA_DIR = ROOT / "infra" / "grafana"
RABBITMQ_DIR = ROOT / "infra" / "rabbitmq"
K8S_DIR = ROOT / "infra" / "k8s"

SECRET_WORDS = ("PASS", "SECRET", "KEY", "TOKEN")
FILE_REFERENCE_SUFFIXES = ("_PATH", "_FILE")
# ${VAR:?message}: compose refuses to start when VAR is unset or empty.
REQUIRED_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}")
# ${VAR:-default} / ${VAR-default}: a default value baked into the file.
DEFAULTED_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}]*)\}")
URI_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)@")
ONE_SHOT_CONDITION = "service_completed_successfully"
ALLOWED_CONDITIONS = {"service_healthy", ONE_SHOT_CONDITION}


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose) -> dict:
    assert compose.get("services"), "docker-compose.yml defines no services"
    return compose["services"]


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        env = {pair[0]: (pair[1] if len(pair) > 1 else None) for pair in pairs}
    return {key: ("" if value is None else str(value)) for key, value in env.items()}


def one_shot_services(services: dict) -> set[str]:
    """Services that others wait on with service_completed_successfully."""
    found = set()
    for service in services.values():
        depends = service.get("depends_on") or {}
        if isinstance(depends, dict):
            found.update(name for name, dep in depends.items()
                         if isinstance(dep, dict) and dep.get("condition") == ONE_SHOT_CONDITION)
    return found


def image_is_pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False
    tag = last.split(":", 1)[1]
    # A version tag: not latest, not a floating word such as "stable" or "edge".
    return bool(tag) and tag != "latest" and "$" not in tag and any(ch.isdigit() for ch in tag)


# --------------------------------------------------------------------------- compose


def test_every_service_has_a_healthcheck(services):
    one_shots = one_shot_services(services)
    for name, service in services.items():
        check = service.get("healthcheck")
        assert isinstance(check, dict), f"{name}: no healthcheck"
        if check.get("disable"):
            # Only a one-shot job may go without one: its exit code is its health.
            assert name in one_shots, f"{name}: healthcheck disabled on a long-running service"
            assert str(service.get("restart", "no")) == "no", f"{name}: one-shot job must not restart"
            continue
        test = check.get("test")
        assert test, f"{name}: healthcheck without a test"
        if isinstance(test, list):
            assert test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test must start with CMD or CMD-SHELL"
            assert len(test) > 1, f"{name}: empty healthcheck command"


def test_python_containers_check_healthz_with_urllib(services):
    built = {name: s for name, s in services.items() if "build" in s}
    assert {"identity", "gateway"} <= set(built)
    for name, service in built.items():
        command = " ".join(service["healthcheck"]["test"])
        assert "python" in command and "urllib" in command and "/healthz" in command, name


def test_depends_on_uses_long_form_with_a_health_condition(services):
    for name, service in services.items():
        depends = service.get("depends_on")
        if depends is None:
            continue
        assert isinstance(depends, dict), f"{name}: depends_on must use the long form with a condition"
        for target, dep in depends.items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert isinstance(dep, dict), f"{name} -> {target}: long form required"
            condition = dep.get("condition")
            assert condition in ALLOWED_CONDITIONS, f"{name} -> {target}: condition {condition!r}"
            if condition == "service_healthy":
                check = services[target].get("healthcheck") or {}
                assert not check.get("disable"), f"{name} waits for {target} to be healthy, which has no healthcheck"
            else:
                assert str(services[target].get("restart", "no")) == "no", (
                    f"{name} waits for {target} to complete, but {target} restarts")


def test_images_are_pinned(services):
    for name, service in services.items():
        image = service.get("image")
        if image is None:
            assert "build" in service, f"{name}: neither image nor build"
            continue
        if "build" in service:
            continue  # built here: the tag names our own build
        assert image_is_pinned(image), f"{name}: image {image!r} is not pinned to a version tag or digest"


def test_the_pin_rule_itself():
    assert image_is_pinned("mongo:7.0.28")
    assert image_is_pinned("minio/minio:RELEASE.2025-09-07T16-13-09Z")
    assert image_is_pinned("localhost:5000/x/y:1.2")
    assert image_is_pinned("redis@sha256:" + "0" * 64)
    for floating in ("mongo", "mongo:latest", "localhost:5000/x/y", "grafana/grafana:main", "x:stable"):
        assert not image_is_pinned(floating), floating


def test_no_secret_is_inlined_in_environment(services):
    for name, service in services.items():
        for key, value in environment_of(service).items():
            upper = key.upper()
            if any(word in upper for word in SECRET_WORDS):
                if upper.endswith(FILE_REFERENCE_SUFFIXES):
                    assert value.startswith("/"), f"{name}.{key}: expected a file path, got {value!r}"
                else:
                    assert REQUIRED_REF.fullmatch(value), (
                        f"{name}.{key}: secrets must come from ${{VAR:?...}}, got {value!r}")
            userinfo = URI_USERINFO.match(value)
            if userinfo:
                leftover = REQUIRED_REF.sub("", userinfo.group(1)).replace(":", "")
                assert leftover == "", f"{name}.{key}: credentials inlined in a URI"


def test_no_secret_variable_has_a_default_anywhere():
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for match in DEFAULTED_REF.finditer(text):
        variable = match.group(1).upper()
        assert not any(word in variable for word in SECRET_WORDS), (
            f"${{{match.group(1)}}} has a default value in docker-compose.yml")


def test_published_ports_listen_on_loopback_only(services):
    for name, service in services.items():
        for port in service.get("ports") or []:
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: port {port} not bound to 127.0.0.1"
            else:
                assert str(port).startswith("127.0.0.1:"), f"{name}: port {port!r} not bound to 127.0.0.1"


def test_gateway_published_on_loopback_8080(services):
    assert "127.0.0.1:8080:8080" in [str(p) for p in services["gateway"].get("ports", [])]


def test_mongo_runs_as_a_replica_set(services):
    mongo = services["mongo"]
    command = mongo["command"] if isinstance(mongo["command"], list) else mongo["command"].split()
    assert "--replSet" in command and command[command.index("--replSet") + 1] == "rs0"
    assert "rs.initiate" in " ".join(mongo["healthcheck"]["test"])
    for name in ("identity", "gateway"):
        assert "replicaSet=rs0" in environment_of(services[name])["MAILLAGE_MONGO_URI"]


def test_stateful_engines_use_named_volumes(compose, services):
    declared = set(compose.get("volumes") or {})
    for name in ("mongo", "rabbitmq", "minio", "prometheus", "grafana"):
        sources = [str(v).split(":", 1)[0] for v in services[name].get("volumes", []) if not isinstance(v, dict)]
        named = [s for s in sources if not s.startswith((".", "/"))]
        assert named, f"{name}: no named volume"
        assert set(named) <= declared, f"{name}: undeclared volume in {named}"


def test_python_services_get_their_settings(services):
    expected = {"MAILLAGE_ENV", "MAILLAGE_AMQP_URI", "MAILLAGE_MONGO_URI", "MAILLAGE_S3_ENDPOINT",
                "MAILLAGE_S3_ACCESS_KEY", "MAILLAGE_S3_SECRET_KEY", "MAILLAGE_S3_SECURE", "MAILLAGE_SMTP_HOST",
                "MAILLAGE_SMTP_PORT", "MAILLAGE_MAIL_FROM", "MAILLAGE_PUBLIC_URL", "MAILLAGE_SECRET_KEY"}
    for name in ("identity", "gateway"):
        env = environment_of(services[name])
        assert expected <= set(env), f"{name} misses {sorted(expected - set(env))}"
    identity = environment_of(services["identity"])
    assert identity["MAILLAGE_METRICS_PORT"] == "9101"
    assert {"MAILLAGE_JWT_PRIVATE_KEY_PATH", "MAILLAGE_JWT_PUBLIC_KEY_PATH"} <= set(identity)


def test_bind_mounted_files_exist(compose, services):
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source = volume.get("source", "") if isinstance(volume, dict) else str(volume).split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"
    for name, secret in (compose.get("secrets") or {}).items():
        path = str(secret.get("file", ""))
        assert path.startswith("./secrets/"), f"secret {name} must be read from ./secrets/ (kept out of git)"


# --------------------------------------------------------------------------- infra config


def prometheus_targets() -> dict[str, set[str]]:
    config = yaml.safe_load(PROMETHEUS_FILE.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for job in config["scrape_configs"]:
        path = job.get("metrics_path", "/metrics")
        for static in job.get("static_configs", []):
            for target in static.get("targets", []):
                found.setdefault(target, set()).add(path)
    return found


def test_prometheus_scrapes_gateway_and_identity():
    targets = prometheus_targets()
    assert "/metrics" in targets.get("gateway:8080", set())
    assert "/metrics" in targets.get("identity:9101", set())


def test_grafana_dashboard_uses_the_provisioned_datasource_and_metrics():
    datasources = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uids = {ds["uid"] for ds in datasources["datasources"]}
    providers = yaml.safe_load((GRAFANA_DIR / "provisioning" / "dashboards" / "maillage.yml").read_text())
    assert providers["providers"][0]["options"]["path"]
    dashboard = json.loads((GRAFANA_DIR / "dashboards" / "maillage.json").read_text(encoding="utf-8"))
    exprs = []
    for panel in dashboard["panels"]:
        if panel.get("type") == "row":
            continue
        assert panel["datasource"]["uid"] in uids, panel["title"]
        exprs += [t["expr"] for t in panel["targets"]]
    joined = "\n".join(exprs)
    assert "histogram_quantile(0.50" in joined and "histogram_quantile(0.99" in joined
    for metric in ("maillage_http_request_duration_seconds_bucket", "maillage_http_request_duration_seconds_count",
                   "maillage_rpc_duration_seconds_bucket", "maillage_outbox_pending_events"):
        assert metric in joined, metric


def test_rabbitmq_definitions_and_plugins():
    definitions = json.loads((RABBITMQ_DIR / "definitions.json").read_text(encoding="utf-8"))
    assert "users" not in definitions, "users (and their password hashes) come from RABBITMQ_DEFAULT_USER/PASS"
    exchanges = {(x["vhost"], x["name"]): x for x in definitions["exchanges"]}
    federation = exchanges[("/", "maillage.federation")]
    assert federation["type"] == "topic" and federation["durable"] is True
    plugins = (RABBITMQ_DIR / "enabled_plugins").read_text(encoding="utf-8").strip()
    assert plugins.startswith("[") and plugins.endswith("].")
    enabled = {p.strip() for p in plugins[1:-2].split(",")}
    assert {"rabbitmq_management", "rabbitmq_federation"} <= enabled


# --------------------------------------------------------------------------- kubernetes


def k8s_documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S_DIR.glob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                docs.append((path.name, doc))
    return docs


def test_k8s_documents_parse_and_kustomization_lists_existing_files():
    docs = k8s_documents()
    assert docs
    kustomizations = [doc for name, doc in docs if name == "kustomization.yaml"]
    assert len(kustomizations) == 1
    for resource in kustomizations[0]["resources"]:
        assert (K8S_DIR / resource).is_file(), resource
    for name, doc in docs:
        assert "kind" in doc, f"{name}: document without kind"


def deployments() -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in k8s_documents() if doc.get("kind") == "Deployment"}


def test_k8s_deployments_have_probes_and_resource_limits():
    found = deployments()
    assert found["identity"]["spec"]["replicas"] == 2
    assert found["gateway"]["spec"]["replicas"] == 2
    for name, deployment in found.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod.get("securityContext", {}).get("runAsNonRoot") is True, name
        for container in pod["containers"]:
            label = f"{name}/{container['name']}"
            readiness, liveness = container.get("readinessProbe"), container.get("livenessProbe")
            assert readiness and liveness, f"{label}: readiness and liveness probes required"
            assert readiness["httpGet"]["path"] == "/readyz", label
            assert liveness["httpGet"]["path"] == "/healthz", label
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("limits", {})), f"{label}: limits"
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), f"{label}: requests"


def test_k8s_has_gateway_service_ingress_and_autoscaler():
    kinds = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in k8s_documents() if "metadata" in doc}
    assert ("Service", "gateway") in kinds and ("Ingress", "gateway") in kinds
    hpa = kinds[("HorizontalPodAutoscaler", "gateway")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "gateway"
    assert ("ConfigMap", "maillage-config") in kinds


def test_k8s_commits_no_secret_values():
    for name, doc in k8s_documents():
        if doc.get("kind") == "Secret":
            assert not doc.get("data") and not doc.get("stringData"), f"{name}: secret values committed"
        if doc.get("kind") == "ConfigMap":
            for key in doc.get("data", {}):
                assert not any(word in key.upper() for word in SECRET_WORDS), f"{name}: {key} belongs in a Secret"


# --------------------------------------------------------------------------- with a Docker engine


@pytest.fixture(scope="module")
def docker_engine():
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - docker is a test dependency
        pytest.skip(f"no Docker engine answers: the docker package is missing ({exc})")
    try:
        client = docker.from_env(timeout=5)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no engine to test against
        pytest.skip(f"no Docker engine answers: {exc}")
    yield client
    client.close()


def _mongo_container_class():
    try:
        from testcontainers.community.mongodb import MongoDbContainer
    except ImportError:
        from testcontainers.mongodb import MongoDbContainer
    return MongoDbContainer


@pytest.mark.docker
def test_pinned_mongo_image_answers_a_ping(docker_engine):
    import pymongo

    image = load_compose()["services"]["mongo"]["image"]
    with _mongo_container_class()(image) as mongo:
        client = pymongo.MongoClient(mongo.get_connection_url(), serverSelectionTimeoutMS=30_000)
        try:
            assert client.admin.command("ping")["ok"] == 1
        finally:
            client.close()


@pytest.mark.docker
def test_compose_mongo_definition_becomes_a_writable_replica_set_primary(docker_engine):
    """Runs the mongo service as docker-compose.yml defines it (keyFile entrypoint, --replSet,
    the healthcheck that initiates rs0) and waits for its healthcheck to pass."""
    import pymongo
    from testcontainers.core.container import DockerContainer

    service = load_compose()["services"]["mongo"]
    unescape = lambda text: text.replace("$$", "$")  # noqa: E731 - compose's own escaping
    user, password = "maillage", secrets.token_urlsafe(18)
    healthcheck = unescape(service["healthcheck"]["test"][1])
    container = DockerContainer(
        service["image"],
        entrypoint=[unescape(part) for part in service["entrypoint"]],
        hostname=service["hostname"],
    )
    container.with_command(service["command"]).with_exposed_ports(27017)
    container.with_env("MONGO_INITDB_ROOT_USERNAME", user).with_env("MONGO_INITDB_ROOT_PASSWORD", password)
    with container:
        deadline = time.monotonic() + 180
        while True:
            result = container.get_wrapped_container().exec_run(["sh", "-c", healthcheck])
            if result.exit_code == 0:
                break
            assert time.monotonic() < deadline, f"mongo never became healthy: {result.output[-500:]!r}"
            time.sleep(3)
        host, port = container.get_container_host_ip(), container.get_exposed_port(27017)
        client = pymongo.MongoClient(host, int(port), username=user, password=password, authSource="admin",
                                     directConnection=True, serverSelectionTimeoutMS=30_000)
        try:
            assert client.admin.command("replSetGetStatus")["set"] == "rs0"
            client.maillage_platform_test.probe.insert_one({"ok": True})
        finally:
            client.close()

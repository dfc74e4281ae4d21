"""The Kubernetes manifests: every overlay renders with kustomize; core objects pass the Kubernetes JSON schemas
(kubernetes-validate, strict: unknown fields fail); KEDA and prometheus-operator resources pass models generated
from their CRDs (cloudcoil); Strimzi resources are checked field by field here (no schema of theirs is packaged);
and the workloads are hardened as the platform demands."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from portcullis.shared.kafka.topics import TOPICS
from portcullis.shared.streams import CATALOGUE
from tests.deploy.promql import REPO

K8S = REPO / "deploy" / "k8s"
OVERLAYS = ["dev", "prod"]
SERVICES = {"ingest": 8001, "scoring": 8002, "watchlist": 8003, "api-gateway": 8000, "analytics": 8004}
KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]  # the oldest supported upstream at writing, and the newest schemas
MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


NEEDS_KUSTOMIZE = pytest.mark.skipif(
    kustomize_command() is None, reason="neither kustomize nor kubectl: run scripts/install-deploy-tools.sh as root"
)


@cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    command = kustomize_command()
    assert command is not None
    result = subprocess.run(
        [*command, str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(docs: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    matches = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def memory_bytes(quantity: str) -> int:
    for suffix, factor in MEMORY_UNITS.items():
        if quantity.endswith(suffix):
            return int(float(quantity.removesuffix(suffix)) * factor)
    return int(quantity)


pytestmark = NEEDS_KUSTOMIZE


def schema_tools_python() -> Path:
    return Path(os.environ.get("PORTCULLIS_DEPLOY_TOOLS", "/opt/portcullis-deploy-tools")) / "bin" / "python"


def broken_examples() -> list[dict[str, Any]]:
    """Documents with one mistake each, which the schema check must reject (a check that cannot fail is no check)."""
    deployment = yaml.safe_load(yaml.safe_dump(named(render("dev"), "Deployment", "ingest")))
    deployment["metadata"]["name"] = "misspelled-probe"
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"port": 8001}}
    scaled = yaml.safe_load(yaml.safe_dump(of_kind(render("prod"), "ScaledObject")[0]))
    scaled["metadata"]["name"] = "trigger-without-metadata"
    scaled["spec"]["triggers"][0]["metdata"] = scaled["spec"]["triggers"][0].pop("metadata")
    monitor = yaml.safe_load(yaml.safe_dump(named(render("prod"), "ServiceMonitor", "ingest")))
    monitor["metadata"]["name"] = "unknown-endpoint-field"
    monitor["spec"]["endpoints"][0]["scrapeInterval"] = "15s"
    return [deployment, scaled, monitor]


@cache
def schema_results() -> tuple[dict[str, Any], ...]:
    """The schema check of every overlay (and of the broken examples) on every Kubernetes version, in one run."""
    python = schema_tools_python()
    if not python.exists():
        pytest.skip(f"{python} missing: run scripts/install-deploy-tools.sh as root (schemas of Kubernetes and CRDs)")
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for overlay in OVERLAYS:
            path = Path(folder) / f"{overlay}.yaml"
            path.write_text(yaml.safe_dump_all(render(overlay)))
            files.append(str(path))
        broken = Path(folder) / "broken.yaml"
        broken.write_text(yaml.safe_dump_all(broken_examples()))
        files.append(str(broken))
        result = subprocess.run(
            [str(python), str(Path(__file__).with_name("schema_check.py")), ",".join(KUBERNETES_VERSIONS), *files],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    return tuple(
        {**record, "file": Path(record["file"]).stem} for record in map(json.loads, result.stdout.splitlines())
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_passes_its_schema_strictly(overlay: str) -> None:
    records = [r for r in schema_results() if r["file"] == overlay]
    invalid = [f"{r['kind']}/{r['name']} on {r['version']}: {r['error']}" for r in records if r["status"] == "invalid"]
    assert not invalid, invalid
    unchecked = {r["kind"] for r in records if r["status"] == "no-schema"}
    # Strimzi publishes no packaged schema: its resources are checked field by field by the tests below.
    assert unchecked <= {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
    checked = {r["kind"] for r in records if r["status"] == "valid"}
    assert {"Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap", "Job"} <= checked
    assert {"PersistentVolumeClaim", "ServiceMonitor", "PrometheusRule"} <= checked
    assert ("ScaledObject" if overlay == "prod" else "HorizontalPodAutoscaler") in checked
    assert {r["version"] for r in records} == set(KUBERNETES_VERSIONS)


def test_the_schema_check_rejects_a_misspelled_field_in_a_core_or_custom_resource() -> None:
    records = {(r["name"], r["version"]): r for r in schema_results() if r["file"] == "broken"}
    for version in KUBERNETES_VERSIONS:
        assert records[("misspelled-probe", version)]["status"] == "invalid"
        assert "readinesProbe" in records[("misspelled-probe", version)]["error"]
        assert records[("trigger-without-metadata", version)]["status"] == "invalid"
        assert "metadata" in records[("trigger-without-metadata", version)]["error"]
        assert records[("unknown-endpoint-field", version)]["status"] == "invalid"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_has_a_name_and_lands_in_the_overlay_namespace(overlay: str) -> None:
    namespace = {"dev": "portcullis-dev", "prod": "portcullis"}[overlay]
    seen = set()
    for doc in render(overlay):
        key = (doc["kind"], doc["metadata"]["name"])
        assert key not in seen, f"duplicate {key}"
        seen.add(key)
        assert doc["metadata"]["namespace"] == namespace, key
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "portcullis", key


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_runs_hardened_with_probes_and_limits(overlay: str) -> None:
    docs = render(overlay)
    deployments = {d["metadata"]["name"]: d for d in of_kind(docs, "Deployment")}
    assert set(deployments) == set(SERVICES)
    pods = [(name, d["spec"]["template"]) for name, d in deployments.items()]
    pods += [(j["metadata"]["name"], j["spec"]["template"]) for j in of_kind(docs, "Job")]
    for name, template in pods:
        spec = template["spec"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert security.get("runAsUser", 10001) == 10001, name
            limits, requests = container["resources"]["limits"], container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(limits), name
            assert {"cpu", "memory"} <= set(requests), name
            assert memory_bytes(requests["memory"]) <= memory_bytes(limits["memory"]), name
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp, f"{name}: nothing mounted at /tmp"
            assert "emptyDir" in volumes[tmp[0]["name"]], f"{name}: /tmp is not an emptyDir"
    for name, port in SERVICES.items():
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": port}, name
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        env = {e["name"]: e.get("value") for e in container["env"]}
        prefix = "GATEWAY" if name == "api-gateway" else name.upper()
        assert env[f"PORTCULLIS_{prefix}_HOST"] == "0.0.0.0", name
        assert env[f"PORTCULLIS_{prefix}_PORT"] == str(port), name
    scoring = deployments["scoring"]["spec"]["template"]["spec"]["containers"][0]
    assert memory_bytes(scoring["resources"]["limits"]["memory"]) < 500 * 10**6


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_come_from_secret_references_and_databases_are_migrated_by_jobs(overlay: str) -> None:
    docs = render(overlay)
    assert not of_kind(docs, "Secret"), "no Secret is committed: they are created in the cluster"
    [config] = of_kind(docs, "ConfigMap")
    assert config["data"]["PORTCULLIS_GATEWAY_MIGRATE_ON_START"] == "false"
    assert config["data"]["PORTCULLIS_WATCHLIST_MIGRATE_ON_START"] == "false"
    assert not [key for key in config["data"] if "DATABASE_URL" in key or "SECRET" in key or "PASSWORD" in key]
    expected = {
        "api-gateway": ("PORTCULLIS_GATEWAY_DATABASE_URL", "portcullis-database", "gateway-database-url"),
        "watchlist": ("PORTCULLIS_WATCHLIST_DATABASE_URL", "portcullis-database", "watchlist-database-url"),
        "scoring": ("PORTCULLIS_SCORING_RANDOM_SELECTION_SECRET", "portcullis-scoring", "random-selection-secret"),
        "migrate-api-gateway": ("PORTCULLIS_GATEWAY_DATABASE_URL", "portcullis-database", "gateway-database-url"),
        "migrate-watchlist": ("PORTCULLIS_WATCHLIST_DATABASE_URL", "portcullis-database", "watchlist-database-url"),
    }
    workloads = {d["metadata"]["name"]: d for d in [*of_kind(docs, "Deployment"), *of_kind(docs, "Job")]}
    for name, (variable, secret, key) in expected.items():
        container = workloads[name]["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": secret, "key": key}, name
    for name in SERVICES:
        container = workloads[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}], name


def test_the_migration_jobs_command_migrates_a_database(tmp_path: Path) -> None:
    jobs = [job for job in of_kind(render("dev"), "Job") if job["metadata"]["name"].startswith("migrate-")]
    assert len(jobs) == 2
    for job in jobs:
        container = job["spec"]["template"]["spec"]["containers"][0]
        assert container["command"][:2] == ["python", "-c"]
        variable = next(e["name"] for e in container["env"] if e["name"].endswith("_DATABASE_URL"))
        database = tmp_path / f"{job['metadata']['name']}.db"
        result = subprocess.run(
            [sys.executable, "-c", container["command"][2]],
            env={**os.environ, variable: f"sqlite+aiosqlite:///{database}"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(database) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "alembic_version" in tables, (job["metadata"]["name"], tables)
        assert len(tables) >= 2, (job["metadata"]["name"], tables)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_pdbs_and_service_monitors_point_at_the_pods(overlay: str) -> None:
    docs = render(overlay)
    for name, port in SERVICES.items():
        pod_labels = named(docs, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        service = named(docs, "Service", name)
        assert service["spec"]["selector"].items() <= pod_labels.items(), name
        assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}]
        pdb = named(docs, "PodDisruptionBudget", name)
        assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(), name
        monitor = named(docs, "ServiceMonitor", name)
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items(), name
        assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["http"], name
        assert monitor["spec"]["endpoints"][0]["path"] == "/metrics", name
    rule = named(docs, "PrometheusRule", "portcullis")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    for group in rule["spec"]["groups"]:
        assert group["name"]
        assert group["rules"]
        for item in group["rules"]:
            assert item["expr"]
            assert ("alert" in item) != ("record" in item)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_open_dns_kafka_postgres_and_console_backends(overlay: str) -> None:
    docs = render(overlay)
    policies = {p["metadata"]["name"]: p["spec"] for p in of_kind(docs, "NetworkPolicy")}
    deny_ingress = policies["default-deny-ingress"]
    assert deny_ingress == {"podSelector": {}, "policyTypes": ["Ingress"]}
    workloads = {*SERVICES, "migrate-api-gateway", "migrate-watchlist", "bootstrap-admin-key"}

    def selected(spec: dict[str, Any]) -> set[str]:
        selector = spec["podSelector"]
        if "matchLabels" in selector:
            return {selector["matchLabels"]["app.kubernetes.io/name"]}
        [expression] = selector["matchExpressions"]
        assert expression["key"] == "app.kubernetes.io/name"
        assert expression["operator"] == "In"
        return set(expression["values"])

    deny_egress = policies["portcullis-default-deny-egress"]
    assert "egress" not in deny_egress
    assert selected(deny_egress) == workloads
    egress_ports: dict[str, set[int]] = {name: set() for name in workloads}
    for spec in policies.values():
        for rule in spec.get("egress", []):
            for name in selected(spec):
                egress_ports[name] |= {p["port"] for p in rule["ports"]}
    for name in workloads:
        assert 53 in egress_ports[name], name
    for name in [*SERVICES, "bootstrap-admin-key"]:
        assert {9092, 9093} <= egress_ports[name], name
    assert 5432 not in egress_ports["bootstrap-admin-key"]
    assert 5432 in egress_ports["api-gateway"]
    assert 5432 in egress_ports["watchlist"]
    assert 5432 not in egress_ports["ingest"]
    assert 5432 not in egress_ports["scoring"]
    assert {8003, 8004} <= egress_ports["api-gateway"]  # the console's backends, and only the gateway's
    assert not {8003, 8004} & set().union(*(ports for name, ports in egress_ports.items() if name != "api-gateway"))
    assert {9092, 9093, 5432, 53, 8003, 8004} >= set().union(*egress_ports.values())
    open_to_ingress = {name for spec in policies.values() if spec.get("ingress") for name in selected(spec)}
    assert open_to_ingress == set(SERVICES)
    # The HTTP port of the pods is named `http`: the ingress policies open exactly that.
    for spec in policies.values():
        for rule in spec.get("ingress", []):
            assert [p["port"] for p in rule["ports"]] == ["http"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_topics_are_those_of_topics_py(overlay: str) -> None:
    docs = render(overlay)
    topics = {t["spec"]["topicName"]: t for t in of_kind(docs, "KafkaTopic")}
    assert set(topics) == set(TOPICS)
    replicas = {"dev": 1, "prod": 3}[overlay]
    for name, spec in TOPICS.items():
        topic = topics[name]
        assert topic["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "portcullis"
        assert topic["spec"]["partitions"] == spec.partitions, name
        assert topic["spec"]["replicas"] == replicas, name
        config = dict(topic["spec"]["config"])
        if overlay == "prod":
            # Three replicas: a write needs two, so an acknowledged declaration survives one broker's loss.
            assert config.pop("min.insync.replicas") == "2", name
            expected = {k: v for k, v in spec.config.items() if k != "min.insync.replicas"}
        else:
            expected = dict(spec.config)
        assert config == expected, name
        assert all(isinstance(value, str) for value in topic["spec"]["config"].values()), name
    assert topics["watchlist"]["spec"]["config"]["cleanup.policy"] == "compact"
    dead_letter_topics = [name for name in topics if name.endswith(".dlq")]
    assert dead_letter_topics
    assert all(name.removesuffix(".dlq") in topics for name in dead_letter_topics)
    # Every stream of the catalogue has its topic and its dead letters, with the partitions it declares.
    for stream in CATALOGUE:
        assert topics[stream.topic]["spec"]["partitions"] == stream.partitions, stream.name
        assert stream.dead_letter_topic in topics, stream.name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_kafka_cluster_runs_in_kraft_mode_with_node_pools(overlay: str) -> None:
    docs = render(overlay)
    kafka = named(docs, "Kafka", "portcullis")
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1beta2"
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    assert "zookeeper" not in kafka["spec"]
    listeners = {listener["name"]: listener for listener in kafka["spec"]["kafka"]["listeners"]}
    assert listeners["plain"]["port"] == 9092
    assert listeners["plain"]["type"] == "internal"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    pools = of_kind(docs, "KafkaNodePool")
    for pool in pools:
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == "portcullis"
        assert pool["spec"]["replicas"] >= 1
        assert set(pool["spec"]["roles"]) <= {"controller", "broker"}
        assert pool["spec"]["storage"]["type"] in {"jbod", "persistent-claim", "ephemeral"}
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    if overlay == "prod":
        assert controllers == 3
        assert brokers == 3
        assert all(len(p["spec"]["roles"]) == 1 for p in pools), "prod keeps controllers and brokers apart"
        assert kafka["spec"]["kafka"]["config"]["min.insync.replicas"] == 2
    else:
        assert controllers == brokers == 1
        assert kafka["spec"]["kafka"]["config"]["offsets.topic.replication.factor"] == 1
    # Every client reaches the bootstrap Service that Strimzi creates for this cluster.
    [config] = of_kind(docs, "ConfigMap")
    assert config["data"]["PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS"] == "portcullis-kafka-bootstrap:9092"


def test_prod_scales_scoring_on_consumer_lag_and_dev_on_cpu() -> None:
    prod, dev = render("prod"), render("dev")
    [config] = of_kind(prod, "ConfigMap")
    [scaled] = of_kind(prod, "ScaledObject")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] == "scoring"
    kafka_trigger = next(t for t in scaled["spec"]["triggers"] if t["type"] == "kafka")
    assert kafka_trigger["metadata"]["consumerGroup"] == config["data"]["PORTCULLIS_SCORING_GROUP_ID"]
    assert kafka_trigger["metadata"]["consumerGroup"] == "portcullis-scoring"
    assert kafka_trigger["metadata"]["topic"] == "declarations"
    assert kafka_trigger["metadata"]["bootstrapServers"] == config["data"]["PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS"]
    assert all(isinstance(v, str) for t in scaled["spec"]["triggers"] for v in t["metadata"].values())
    assert 2 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
    assert scaled["spec"]["maxReplicaCount"] <= TOPICS["declarations"].partitions
    assert not of_kind(prod, "HorizontalPodAutoscaler")
    [hpa] = of_kind(dev, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "scoring"}
    assert hpa["spec"]["maxReplicas"] <= TOPICS["declarations"].partitions
    assert not of_kind(dev, "ScaledObject")
    # The autoscaler owns scoring's replica count: the Deployment does not set one.
    for docs in (prod, dev):
        assert "replicas" not in named(docs, "Deployment", "scoring")["spec"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_scoring_reads_models_from_a_read_only_shared_volume(overlay: str) -> None:
    docs = render(overlay)
    claim = named(docs, "PersistentVolumeClaim", "portcullis-models")
    assert "ReadOnlyMany" in claim["spec"]["accessModes"]
    pod = named(docs, "Deployment", "scoring")["spec"]["template"]["spec"]
    [volume] = [v for v in pod["volumes"] if "persistentVolumeClaim" in v]
    assert volume["persistentVolumeClaim"] == {"claimName": "portcullis-models", "readOnly": True}
    [mount] = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == volume["name"]]
    [config] = of_kind(docs, "ConfigMap")
    assert mount["mountPath"] == config["data"]["PORTCULLIS_SCORING_MODEL_REGISTRY"]
    assert mount["readOnly"] is True


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_analytics_reads_the_same_models_read_only_for_model_backtests(overlay: str) -> None:
    pod = named(render(overlay), "Deployment", "analytics")["spec"]["template"]["spec"]
    [volume] = [v for v in pod["volumes"] if v.get("persistentVolumeClaim", {}).get("claimName") == "portcullis-models"]
    assert volume["persistentVolumeClaim"]["readOnly"] is True
    [container] = pod["containers"]
    [mount] = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]
    assert mount["readOnly"] is True
    environment = {e["name"]: e.get("value") for e in container["env"]}
    assert environment["PORTCULLIS_ANALYTICS_MODEL_REGISTRY"] == mount["mountPath"]


def test_the_model_publisher_mounts_the_same_volume_read_write() -> None:
    publisher = yaml.safe_load((K8S / "tools" / "model-publisher.yaml").read_text())
    spec = publisher["spec"]
    [volume] = [v for v in spec["volumes"] if "persistentVolumeClaim" in v]
    assert volume["persistentVolumeClaim"]["claimName"] == "portcullis-models"
    assert not volume["persistentVolumeClaim"].get("readOnly", False)
    assert spec["securityContext"]["runAsUser"] == 10001
    assert spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_watchlist_runs_as_one_replica_and_a_rollout_never_runs_two(overlay: str) -> None:
    docs = render(overlay)
    watchlist = named(docs, "Deployment", "watchlist")["spec"]
    assert watchlist["replicas"] == 1
    assert watchlist["strategy"]["type"] == "RollingUpdate"
    assert watchlist["strategy"]["rollingUpdate"]["maxSurge"] == 0
    assert watchlist["strategy"]["rollingUpdate"]["maxUnavailable"] == 1
    scalers = [*of_kind(docs, "HorizontalPodAutoscaler"), *of_kind(docs, "ScaledObject")]
    assert not [s for s in scalers if s["spec"]["scaleTargetRef"]["name"] == "watchlist"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_job_creates_the_first_admin_key_with_the_images_own_command(overlay: str) -> None:
    docs = render(overlay)
    job = named(docs, "Job", "bootstrap-admin-key")
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"][:3] == ["python", "-m", "portcullis.shared.auth.bootstrap"]
    [config] = of_kind(docs, "ConfigMap")
    assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
    env = {e["name"]: e for e in container["env"]}
    assert env["PORTCULLIS_KAFKA_SASL_USERNAME"]["value"] == "admin-kafka"  # the user that may write `apikeys`
    assert env["PORTCULLIS_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "admin-kafka",
        "key": "password",
    }
    gateway = named(docs, "Deployment", "api-gateway")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == gateway["image"]
    assert job["spec"]["ttlSecondsAfterFinished"] <= 3600, "the key stays in the Job's log no longer than an hour"
    # The module it names exists and says what it does.
    result = subprocess.run(
        [sys.executable, *container["command"][1:3], "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "admin key" in result.stdout


#: What each service does with each topic (Write also means Describe): the ACLs must be exactly these. The streams'
#: topics come from the stream catalogue: ingest writes every stream, scoring reads every scored one and
#: dead-letters its poison records.
KAFKA_ACCESS = {
    "ingest": {**{stream.topic: {"Write"} for stream in CATALOGUE}, "apikeys": {"Read"}},
    "scoring": {
        **{stream.topic: {"Read"} for stream in CATALOGUE.scored()},
        **{stream.dead_letter_topic: {"Write"} for stream in CATALOGUE.scored()},
        "watchlist": {"Read"},
        "selections": {"Read", "Write"},
        "links": {"Read", "Write"},
        "reviews": {"Read"},
        "mirror-gaps": {"Read"},
        "decisions": {"Write"},
    },
    "watchlist": {"watchlist": {"Write"}, "apikeys": {"Read"}},
    "api-gateway": {
        "decisions": {"Read"},
        "decisions.dlq": {"Write"},
        "outcomes": {"Write"},
        "overrides": {"Write"},
        "reviews": {"Write"},
        "apikeys": {"Read", "Write"},
    },
    "analytics": {
        "declarations": {"Read"},
        "passengers": {"Read"},
        "containers": {"Read"},
        "clearance-events": {"Read"},
        "decisions": {"Read"},
        "outcomes": {"Read"},
        "overrides": {"Read"},
        "apikeys": {"Read"},
        "declarations.dlq": {"Write"},
        "passengers.dlq": {"Write"},
        "containers.dlq": {"Write"},
        "clearance-events.dlq": {"Write"},
        "decisions.dlq": {"Write"},
        "outcomes.dlq": {"Write"},
        "overrides.dlq": {"Write"},
        # The saved rules (backtests) and, in a group of its own, the re-screener's watchlist; the alerts it raises.
        "watchlist": {"Read"},
        "watchlist.dlq": {"Write"},
        "alerts": {"Read", "Write"},
        # The mirror gap table scoring's rules test.
        "mirror-gaps": {"Write"},
    },
}


def _acls(user: dict[str, Any]) -> tuple[dict[str, set[str]], dict[str, tuple[str, set[str]]]]:
    """A KafkaUser's topic and group ACLs: {topic: operations}, {group: (pattern type, operations)}."""
    topics: dict[str, set[str]] = {}
    groups: dict[str, tuple[str, set[str]]] = {}
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        assert resource["name"] != "*"
        assert resource.get("patternType", "literal") in {"literal", "prefix"}
        assert acl.get("host", "*") == "*"
        if resource["type"] == "topic":
            assert resource["patternType"] == "literal", resource
            topics.setdefault(resource["name"], set()).update(acl["operations"])
        else:
            assert resource["type"] == "group", resource
            groups[resource["name"]] = (resource["patternType"], set(acl["operations"]))
    return topics, groups


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_authenticates_every_client_and_each_service_reaches_only_its_topics(overlay: str) -> None:
    docs = render(overlay)
    kafka = named(docs, "Kafka", "portcullis")
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener["authentication"]["type"] in {"scram-sha-512", "tls"}, listener["name"]
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert "superUsers" not in kafka["spec"]["kafka"]["authorization"]
    assert "userOperator" in kafka["spec"]["entityOperator"]
    [config] = of_kind(docs, "ConfigMap")
    assert config["data"]["PORTCULLIS_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert config["data"]["PORTCULLIS_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    users = {u["metadata"]["name"]: u for u in of_kind(docs, "KafkaUser")}
    for user in users.values():
        assert user["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == "portcullis"
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        assert user["spec"]["authorization"]["type"] == "simple"
        topics, _ = _acls(user)
        assert set(topics) <= set(TOPICS), user["metadata"]["name"]
    deployments = {d["metadata"]["name"]: d for d in of_kind(docs, "Deployment")}
    readers_of_keys = set()
    for service, access in KAFKA_ACCESS.items():
        env = {e["name"]: e for e in deployments[service]["spec"]["template"]["spec"]["containers"][0]["env"]}
        username = env["PORTCULLIS_KAFKA_SASL_USERNAME"]["value"]
        # The password is the one Strimzi's user operator generated for this very user.
        assert env["PORTCULLIS_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": username,
            "key": "password",
        }
        topics, groups = _acls(users[username])
        assert {topic: ops - {"Describe"} for topic, ops in topics.items()} == access, service
        assert all("Describe" in ops for ops in topics.values()), service
        if "Read" in topics.get("apikeys", set()):
            readers_of_keys.add(service)
        consumed = {topic for topic, ops in access.items() if "Read" in ops} - {
            "apikeys",
            "watchlist",
            "selections",
            "links",
        }
        if consumed:  # consumer groups of the batch consumers; the followers of compacted topics use none
            prefix = {"scoring": "SCORING", "api-gateway": "GATEWAY", "analytics": "ANALYTICS"}[service]
            wanted = {config["data"][f"PORTCULLIS_{prefix}_GROUP_ID"]}
            if service == "analytics":
                wanted.add(config["data"]["PORTCULLIS_ANALYTICS_RESCREEN_GROUP_ID"])
            pattern = "prefix" if service == "scoring" else "literal"
            assert groups == {group: (pattern, {"Read", "Describe"}) for group in wanted}
        else:
            assert groups == {}, service
    # Key hashes are readable by the services that check keys, and the operators' admin user only (the analytics
    # service checks keys too; its Deployment comes with the service).
    admin_topics, _ = _acls(users["admin-kafka"])
    assert admin_topics == {"apikeys": {"Read", "Write", "Describe"}}
    assert readers_of_keys == {"ingest", "watchlist", "api-gateway", "analytics"}
    holders = {name for name, user in users.items() if "apikeys" in _acls(user)[0]}
    checkers = {users_of(service, deployments) for service in readers_of_keys} | {"analytics-kafka"}
    assert holders == checkers | {"admin-kafka"}


def users_of(service: str, deployments: dict[str, dict[str, Any]]) -> str:
    env = {e["name"]: e for e in deployments[service]["spec"]["template"]["spec"]["containers"][0]["env"]}
    return str(env["PORTCULLIS_KAFKA_SASL_USERNAME"]["value"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_run_as_production_with_every_secret_they_require_from_a_secret(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portcullis.gateway.settings import GatewaySettings
    from portcullis.ingest.settings import IngestSettings
    from portcullis.scoring.settings import ScoringSettings
    from portcullis.shared.environment import default_secrets
    from portcullis.watchlist.settings import WatchlistSettings

    for variable in [name for name in os.environ if name.startswith("PORTCULLIS_")]:
        monkeypatch.delenv(variable)
    docs = render(overlay)
    [config] = of_kind(docs, "ConfigMap")
    assert config["data"]["PORTCULLIS_ENVIRONMENT"] == "production"
    deployments = {d["metadata"]["name"]: d for d in of_kind(docs, "Deployment")}
    settings = {"ingest": IngestSettings, "scoring": ScoringSettings, "watchlist": WatchlistSettings}
    required = {name: default_secrets(cls()) for name, cls in settings.items()}
    required["api-gateway"] = default_secrets(GatewaySettings())
    assert "PORTCULLIS_GATEWAY_CURSOR_SECRET" in required["api-gateway"]
    for service, variables in required.items():
        env = {e["name"]: e for e in deployments[service]["spec"]["template"]["spec"]["containers"][0]["env"]}
        for variable in variables:
            assert "secretKeyRef" in env[variable]["valueFrom"], (service, variable)

"""The Helm chart renders, with Helm's own template engine, to valid Kubernetes objects that run
the façade as docs/deployment.md says: probes, config, secrets, replicas, PDB, optional Redis.

Rendering uses `helm-python-sdk` (Helm's Go SDK, bundled in the wheel); objects are checked
against Kubernetes' JSON schemas (`kubernetes-validate`, strict: unknown fields fail).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from facade.config import load_settings

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "klantinteracties-facade"
DOCKERFILE = CHART.parents[2] / "Dockerfile"
KUBERNETES_VERSIONS = ("1.29.0", "1.33.0")
"""The oldest minor still common at municipalities' providers, and a recent one."""

try:
    import helm_python
except (ImportError, OSError) as exc:  # the wheel bundles a native library for the platform
    helm_python = None
    HELM_MISSING = f"helm-python-sdk (Helm's Go SDK) cannot be loaded here: {exc}"
else:
    HELM_MISSING = ""

pytestmark = pytest.mark.skipif(helm_python is None, reason=HELM_MISSING or "-")


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    with helm_python.Chart.load(str(CHART)) as chart:
        manifests = chart.render(values or {}, name="ki", namespace="klantzaken")
    objects = []
    for name, text in sorted(manifests.items()):
        if name.endswith(".yaml"):
            objects += [doc for doc in yaml.safe_load_all(text) if doc]
    return objects


def one(objects: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"{len(found)} {kind} objects named {name}"
    return found[0]


def validate(objects: list[dict]) -> None:
    import kubernetes_validate

    for obj in objects:
        if obj["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # a custom resource: no schema in Kubernetes itself
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(obj, version, strict=True)


def facade_container(objects: list[dict]) -> dict:
    deployment = one(objects, "Deployment", "ki-klantinteracties-facade")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_the_chart_lints_without_errors():
    result = helm_python.lint(str(CHART))
    assert result["errors"] == []
    assert not [m for m in result["messages"] if m["severity"] > 1], result["messages"]


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"redis": {"enabled": True}},
        {"secretFiles": ["zgw-client"], "replicaCount": 4, "podDisruptionBudget": {"minAvailable": 2}},
        {"podDisruptionBudget": {"enabled": False}, "serviceAccount": {"create": False}, "topologySpread": False},
    ],
    ids=["defaults", "redis", "secret-files", "minimal"],
)
def test_every_rendered_object_is_valid_kubernetes(values):
    objects = render(values)
    assert objects
    validate(objects)
    assert not [o for o in objects if o["kind"] == "Secret"], "the chart refers to Secrets, it never holds one"


def test_the_deployment_runs_the_facade_as_the_image_and_the_docs_say():
    objects = render()
    deployment = one(objects, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = facade_container(objects)
    assert deployment["spec"]["replicas"] == 2
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert "--port=8000" in container["args"] and container["args"][0] == "serve"
    assert container["resources"]["requests"] and container["resources"]["limits"]
    # shutdown: the preStop pause and the façade's own bound fit in the grace period
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
    shutdown = int(next(a for a in container["args"] if a.startswith("--shutdown-timeout=")).split("=")[1])
    assert pause + shutdown < pod["terminationGracePeriodSeconds"]
    # non-root, as the image's USER
    user = next(line.split()[1] for line in DOCKERFILE.read_text().splitlines() if line.startswith("USER "))
    assert str(pod["securityContext"]["runAsUser"]) == user.split(":")[0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    service = one(objects, "Service")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize("redis", [False, True])
def test_the_configmap_holds_a_configuration_the_facade_accepts(redis, tmp_path, monkeypatch):
    objects = render({"redis": {"enabled": redis}})
    config_map = one(objects, "ConfigMap")
    container = facade_container(objects)
    mount = next(m for m in container["volumeMounts"] if m["name"] == "config")
    env = {e["name"]: e for e in container["env"]}
    assert env["FACADE_CONFIG"]["value"] == mount["mountPath"] + "/config.yaml"
    for name, entry in env.items():  # what Kubernetes would put in the environment
        monkeypatch.setenv(name, entry.get("value") or f"{name.lower()}-from-a-secret-0123456789")
    path = tmp_path / "config.yaml"
    path.write_text(config_map["data"]["config.yaml"])
    settings = load_settings(path)
    assert settings.cache.backend == ("redis" if redis else "memory")
    if redis:
        service = one(objects, "Service", "ki-klantinteracties-facade-redis")
        port = service["spec"]["ports"][0]["port"]
        assert env["FACADE_REDIS_URL"]["value"] == f"redis://{service['metadata']['name']}:{port}/0"
        redis_pods = one(objects, "Deployment", "ki-klantinteracties-facade-redis")["spec"]["template"]
        assert service["spec"]["selector"] == redis_pods["metadata"]["labels"]
        policy = one(objects, "NetworkPolicy")
        allowed = policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
        assert allowed == one(objects, "Deployment", "ki-klantinteracties-facade")["spec"]["selector"]["matchLabels"]
        assert "--save" in redis_pods["spec"]["containers"][0]["args"], "a cache: nothing on disk"
    else:
        assert not [o for o in objects if "redis" in o["metadata"]["name"]]


def test_secrets_reach_the_pod_only_as_references():
    objects = render({"secretFiles": ["zgw-client"]})
    container = facade_container(objects)
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    from_secrets = [e for e in container["env"] if "valueFrom" in e]
    assert {e["name"] for e in from_secrets} == {"FACADE_IDENTITY_SECRET", "FACADE_TOKEN_KISS", "FACADE_METRICS_TOKEN"}
    assert all("value" not in e for e in from_secrets)
    volume = next(v for v in pod["volumes"] if v["name"] == "secret-zgw-client")
    assert volume["secret"]["secretName"] == "zgw-client"
    assert {"name": "secret-zgw-client", "mountPath": "/run/secrets/zgw-client", "readOnly": True} in container[
        "volumeMounts"
    ]


def test_a_servicemonitor_scrapes_metrics_with_the_token():
    objects = render({"serviceMonitor": {"enabled": True}})
    monitor = one(objects, "ServiceMonitor")
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics" and endpoint["port"] == "http"
    assert endpoint["authorization"]["credentials"] == {"name": "klantinteracties-facade", "key": "metrics-token"}
    assert monitor["spec"]["selector"]["matchLabels"] == one(objects, "Service")["spec"]["selector"]

"""The kustomize base in docker/kubernetes, validated offline against the Kubernetes schemas
(the PyPI package kubernetes-validate, strict: unknown fields are errors), and checked for what
running replicas needs: readiness that fails while draining, time to drain, non-root, limits."""

import copy
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

BASE = Path(__file__).resolve().parents[2] / "docker" / "kubernetes"
VERSION = kubernetes_validate.latest_version()


def resources():
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization["resources"]
    on_disk = sorted(p.name for p in BASE.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(listed) == on_disk, "every manifest is in the kustomization, and only those"
    return {name: yaml.safe_load((BASE / name).read_text()) for name in listed}


def test_every_manifest_is_valid_against_the_kubernetes_schemas():
    found = resources()
    for name, resource in found.items():
        kubernetes_validate.validate(resource, VERSION, strict=True)
    kinds = sorted(r["kind"] for r in found.values())
    assert kinds == ["Deployment", "PodDisruptionBudget", "Service"]


def test_the_validator_refuses_a_wrong_manifest():
    deployment = copy.deepcopy(resources()["deployment.yaml"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSecond"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSION, strict=True)


def test_the_deployment_drains_before_it_is_killed_and_runs_unprivileged():
    found = resources()
    deployment = found["deployment.yaml"]
    pod = deployment["spec"]["template"]["spec"]
    (bridge,) = pod["containers"]
    env = {e["name"]: e["value"] for e in bridge["env"]}
    # /health is 503 while draining or while the child is down: readiness reads it.
    assert bridge["readinessProbe"]["exec"]["command"] == ["cw-bridge", "healthcheck"]
    assert "tcpSocket" in bridge["livenessProbe"], "liveness must not fail while draining"
    probe = bridge["readinessProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] < int(env["BRIDGE_DRAIN_SECS"])
    assert pod["terminationGracePeriodSeconds"] >= (
        int(env["BRIDGE_DRAIN_SECS"]) + int(env["BRIDGE_TOOL_TIMEOUT_SECS"]) + 5
    )
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001, "the image's USER"
    assert bridge["securityContext"]["readOnlyRootFilesystem"] is True
    assert bridge["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= set(bridge["resources"]["requests"])
    assert bridge["envFrom"] == [{"secretRef": {"name": "connectwise-mcp"}}]
    dockerfile = (BASE.parents[1] / "Dockerfile.bridge").read_text()
    assert "USER 10001:10001" in dockerfile and "EXPOSE 3002" in dockerfile
    assert bridge["ports"][0]["containerPort"] == int(env["MCP_PORT"]) == 3002
    assert found["poddisruptionbudget.yaml"]["spec"]["minAvailable"] == 1
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert found["service.yaml"]["spec"]["selector"] == selector
    assert found["poddisruptionbudget.yaml"]["spec"]["selector"]["matchLabels"] == selector

"""Quick tier: the non-Python files of every render pass their own checkers.

Dockerfile: hadolint. compose.yaml: the Compose specification's JSON schema (no Docker
engine runs here, so `docker compose config` is not available). Kubernetes manifests:
kubernetes-validate --strict, file by file (no cluster, and no kustomize to assemble them). GitHub workflows: the
workflow JSON schema and actionlint. Plus YAML syntax, the pre-commit config, the
license, and a scan for secrets.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import (
    ALL_VARIANTS,
    BIN,
    KUBERNETES_VERSION,
    actionlint,
    answers_for,
    docker_uv_steps,
    python_tool,
    run,
    variant_params,
    workflow_uv_syncs,
)

# Each check runs on the renders that have its file; that the others lack it is the
# MANIFEST test's job (tests/test_generation.py).
WITH_DOCKER = [variant for variant in ALL_VARIANTS if answers_for(variant)["use_docker"]]
WITH_GITHUB_CI = [variant for variant in ALL_VARIANTS if answers_for(variant)["ci"] == "github"]
WITH_KUBERNETES = [variant for variant in ALL_VARIANTS if answers_for(variant)["use_kubernetes"]]
every_render = pytest.mark.parametrize("variant", variant_params(ALL_VARIANTS))
with_docker = pytest.mark.parametrize("variant", variant_params(WITH_DOCKER))
with_github_ci = pytest.mark.parametrize("variant", variant_params(WITH_GITHUB_CI))
with_kubernetes = pytest.mark.parametrize("variant", variant_params(WITH_KUBERNETES))

LICENSE_FIRST_WORDS = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "Proprietary": "Copyright (c) Your Name. All rights reserved.",
}
# A URL with a password that is not an obvious placeholder.
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:(?!password@|change-me@|postgres@|\$\{)[^@\s/]+@")


@every_render
def test_yaml_files_parse(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)

    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        assert isinstance(yaml.safe_load(path.read_text()), dict), path


@with_docker
def test_dockerfile_passes_hadolint(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)
    result = run([str(BIN / "hadolint"), "--failure-threshold", "info", "Dockerfile"], project)
    users = re.findall(r"^USER (\S+)$", (project / "Dockerfile").read_text(), re.MULTILINE)

    assert result.returncode == 0, result.stdout + result.stderr
    assert users[-1] not in {"root", "0"}, "the image runs as an unprivileged user"


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore's ``patterns`` keep ``path`` out of the build context (the last match decides;
    a pattern that matches a parent directory matches the files in it)."""
    parents = ["/".join(path.split("/")[: i + 1]) for i in range(path.count("/") + 1)]
    ignored = False
    for pattern in patterns:
        if any(fnmatch.fnmatchcase(parent, pattern.removeprefix("!").strip("/")) for parent in parents):
            ignored = not pattern.startswith("!")
    return ignored


@with_docker
def test_the_docker_build_installs_the_versions_of_uv_lock(
    render: Callable[..., Path], variant: dict[str, Any]
) -> None:
    project = render(**variant)
    steps, settings = docker_uv_steps(project)
    lines = (project / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]

    assert steps, "the build stage installs with uv"
    assert "uv.lock" in steps[0][0], "the lock is in place before the first uv sync"
    assert [source for sources, _ in steps for source in sources if dockerignored(source, patterns)] == []
    assert [command for _, command in steps if "--locked" not in command] == []
    assert settings["UV_PROJECT_ENVIRONMENT"] == "/opt/venv", "the venv the runtime stage copies"


@with_github_ci
def test_every_ci_job_that_runs_make_installs_the_versions_of_uv_lock(
    render: Callable[..., Path], variant: dict[str, Any]
) -> None:
    project = render(**variant)
    jobs = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())["jobs"]

    for name, job in jobs.items():
        commands = [step.get("run", "") for step in job["steps"]]
        if any(command.startswith("make ") for command in commands):
            first_make = next(i for i, command in enumerate(commands) if command.startswith("make "))
            assert any(command.startswith("uv sync") for command in commands[:first_make]), name
    assert workflow_uv_syncs(project), "the workflow installs with uv"
    assert [command for command in workflow_uv_syncs(project) if "--locked" not in command] == []


@with_docker
def test_compose_file_matches_the_compose_specification(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)
    result = run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"], project)
    compose = yaml.safe_load((project / "compose.yaml").read_text())

    assert result.returncode == 0, result.stdout
    assert compose["services"]["app"]["build"] == "."
    if variant["database"] == "postgresql":
        postgres = compose["services"]["postgres"]
        assert "healthcheck" in postgres
        assert compose["services"]["app"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert postgres["volumes"][0].split(":")[0] in compose["volumes"]


@with_github_ci
def test_workflow_matches_the_schema_and_passes_actionlint(
    render: Callable[..., Path], variant: dict[str, Any]
) -> None:
    project = render(**variant)
    workflow = project / ".github" / "workflows" / "ci.yml"
    schema = run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)], project)
    lint = actionlint(workflow)
    jobs = yaml.safe_load(workflow.read_text())["jobs"]

    assert schema.returncode == 0, schema.stdout
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert ("services" in jobs["test"]) == (variant["database"] == "postgresql")
    for job in jobs.values():
        for step in job["steps"]:
            assert "uses" not in step or re.search(r"@v\d+\.\d+\.\d+$", step["uses"]), f"unpinned: {step['uses']}"


@every_render
def test_pre_commit_config_is_valid(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    result = run(python_tool("pre_commit", "validate-config", ".pre-commit-config.yaml"), render(**variant))

    assert result.returncode == 0, result.stdout + result.stderr


@every_render
def test_license_file_and_metadata_agree(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)
    license_id = answers_for(variant)["license"]
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]

    assert (project / "LICENSE").read_text().lstrip().startswith(LICENSE_FIRST_WORDS[str(license_id)])
    assert metadata["license-files"] == ["LICENSE"]
    if license_id == "Proprietary":
        assert metadata["license"] == "LicenseRef-Proprietary"
        assert "Private :: Do Not Upload" in metadata["classifiers"]
    else:
        assert metadata["license"] == license_id


@every_render
def test_no_secrets_in_the_rendered_project(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)
    found = [
        f"{path.relative_to(project)}: {match.group(0)}"
        for path in project.rglob("*")
        if path.is_file() and path.name != ".env.example"
        for match in CREDENTIALS_IN_URL.finditer(path.read_text())
    ]

    assert found == []
    assert ".env" in (project / ".gitignore").read_text().splitlines()


def kubernetes_manifests(project: Path) -> dict[str, dict[str, Any]]:
    """The app's Kubernetes objects, by kind: deploy/kubernetes and its migrate/ (kustomization files left out;
    not the optional pgbouncer/, whose objects have the same kinds)."""
    deploy = project / "deploy" / "kubernetes"
    paths = sorted([*deploy.glob("*.yaml"), *deploy.glob("migrate/*.yaml")])
    objects = [yaml.safe_load(path.read_text()) for path in paths if path.name != "kustomization.yaml"]
    return {manifest["kind"]: manifest for manifest in objects}


@with_kubernetes
def test_kubernetes_manifests_pass_strict_validation(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)
    deploy = project / "deploy" / "kubernetes"
    manifests = sorted(str(path) for path in deploy.rglob("*.yaml") if path.name != "kustomization.yaml")
    result = run([str(BIN / "kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, *manifests], project)
    listed = {
        (kustomization.parent / resource).resolve()
        for kustomization in deploy.rglob("kustomization.yaml")
        for resource in yaml.safe_load(kustomization.read_text())["resources"]
    }

    examples = {path.resolve() for path in deploy.rglob("*.example.yaml")}  # Secrets you create, never applied

    assert result.returncode == 0, result.stdout + result.stderr
    assert listed == {Path(path).resolve() for path in manifests} - examples
    assert (deploy / "migrate" / "job.yaml").is_file() == answers_for(variant)["use_alembic"]


@with_kubernetes
def test_pods_drain_before_they_are_killed(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    """SIGKILL comes terminationGracePeriodSeconds after the preStop hook starts: it must outlast the
    preStop sleep, the app's SHUTDOWN_DELAY and its SHUTDOWN_TIMEOUT for requests in flight."""
    manifests = kubernetes_manifests(render(**variant))
    deployment = manifests["Deployment"]["spec"]
    pod = deployment["template"]["spec"]
    (container,) = pod["containers"]
    config = manifests["ConfigMap"]["data"]
    draining = container["lifecycle"]["preStop"]["sleep"]["seconds"] + float(config["SHUTDOWN_DELAY"])

    assert pod["terminationGracePeriodSeconds"] > draining + float(config["SHUTDOWN_TIMEOUT"])
    assert deployment["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    # Secrets come from Secrets: the database URL, and with auth=jwt the key that signs tokens.
    secrets = [variable["valueFrom"]["secretKeyRef"]["key"] for variable in container["env"]]
    assert secrets in (["DATABASE_URL"], ["DATABASE_URL", "SECRET_KEY"])

"""Full tier: the optional PgBouncer of deploy/kubernetes/pgbouncer, with real components.

No cluster runs here, so the parts are checked one by one: kustomize (kubectl's) assembles the
manifests with the component and kubernetes-validate checks the result; the component's
pgbouncer.ini, as rendered, runs in a real PgBouncer in front of a real PostgreSQL, and the app,
configured as the component's patches configure it, serves through it with concurrent writes and
reads (each driver prepares statements, which transaction pooling breaks unless DB_PGBOUNCER).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from helpers import (
    ALL_VARIANTS,
    BIN,
    DEFAULT_SLUG,
    KUBERNETES_VERSION,
    answers_for,
    clean_env,
    python_tool,
    run,
    served_render,
    variant_params,
)
from sqlalchemy.engine import make_url

from benchmarks import auth
from tools.serving import free_port

pytestmark = pytest.mark.slow

PGBOUNCER = shutil.which("pgbouncer", path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")
# One render with Kubernetes per session mode: asyncpg and psycopg each prepare statements their own way.
ONE_PER_DRIVER = list(
    {answers_for(v)["session_mode"]: v for v in reversed(ALL_VARIANTS) if answers_for(v)["use_kubernetes"]}.values()
)
DRIVERS = {"async": "postgresql+asyncpg", "sync": "postgresql+psycopg"}


def component(project: Path) -> Path:
    return project / "deploy" / "kubernetes" / "pgbouncer"


def app_settings(project: Path) -> dict[str, str]:
    """What the component's patch puts in the app's ConfigMap."""
    kustomization = yaml.safe_load((component(project) / "kustomization.yaml").read_text())
    patches = [yaml.safe_load(patch["patch"]) for patch in kustomization["patches"]]
    (config_map,) = [patch for patch in patches if patch["kind"] == "ConfigMap"]
    return dict(config_map["data"])


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl to assemble the manifests with kustomize")
@pytest.mark.parametrize("variant", variant_params(ONE_PER_DRIVER))
def test_the_component_assembles_into_valid_manifests(
    render: Callable[..., Path], variant: dict[str, Any], tmp_path: Path
) -> None:
    deploy = tmp_path / "kubernetes"
    shutil.copytree(render(**variant) / "deploy" / "kubernetes", deploy)
    without = run(["kubectl", "kustomize", str(deploy)], deploy)
    with (deploy / "kustomization.yaml").open("a") as kustomization:  # kustomize edit add component pgbouncer
        kustomization.write("components:\n  - pgbouncer\n")
    assembled = run(["kubectl", "kustomize", str(deploy)], deploy)
    assert without.returncode == assembled.returncode == 0, without.stderr + assembled.stderr
    (deploy / "assembled.yaml").write_text(assembled.stdout)
    validated = run([str(BIN / "kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, "assembled.yaml"], deploy)
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(assembled.stdout)}
    name = next(name for kind, name in objects if kind == "Deployment" and not name.endswith("-pgbouncer"))

    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "pgbouncer" not in without.stdout  # opted into, never there by default
    assert {kind for kind, _ in objects} >= {"Deployment", "Service", "ConfigMap"}
    assert objects["ConfigMap", name]["data"]["DB_PGBOUNCER"] == "true"
    (app,) = objects["Deployment", name]["spec"]["template"]["spec"]["containers"]
    from_secrets = {env["name"]: env["valueFrom"]["secretKeyRef"]["key"] for env in app["env"]}
    assert from_secrets["DATABASE_URL"] == "POOLED_DATABASE_URL"
    assert "pool_mode = transaction" in objects["ConfigMap", f"{name}-pgbouncer"]["data"]["pgbouncer.ini"]
    pgbouncer = objects["Deployment", f"{name}-pgbouncer"]["spec"]["template"]["spec"]
    assert pgbouncer["securityContext"]["runAsNonRoot"] is True
    assert pgbouncer["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.fixture
def pgbouncer(render: Callable[..., Path], variant: dict[str, Any], scratch_database: str) -> Iterator[str]:
    """The component's pgbouncer.ini, as rendered, in a PgBouncer in front of ``scratch_database``; yields the
    URL the app's POOLED_DATABASE_URL would hold (the example Secret's user and password)."""
    if PGBOUNCER is None:
        pytest.skip("pgbouncer is not installed: make bench-deps")
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as directory:  # not under pytest's, which root owns
        yield from serve_pgbouncer(render(**variant), scratch_database, Path(directory))


def serve_pgbouncer(project: Path, scratch_database: str, tmp_path: Path) -> Iterator[str]:
    config = yaml.safe_load((component(project) / "configmap.yaml").read_text())["data"]["pgbouncer.ini"]
    secret = yaml.safe_load((component(project) / "secret.example.yaml").read_text())["stringData"]
    server, port = make_url(scratch_database), free_port()
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "userlist.txt").write_text(secret["userlist.txt"])
    (tmp_path / "secret" / "databases.ini").write_text(
        f"[databases]\n{DEFAULT_SLUG} = host={server.host} port={server.port or 5432} dbname={server.database} "
        f"user={server.username}\n"
    )
    ini = tmp_path / "pgbouncer.ini"
    ini.write_text(
        config.replace("/etc/pgbouncer-secret/", f"{tmp_path}/secret/")
        .replace("listen_addr = 0.0.0.0", "listen_addr = 127.0.0.1")
        .replace("listen_port = 5432", f"listen_port = {port}")
    )
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        for path in (tmp_path, tmp_path / "secret", *tmp_path.rglob("*")):
            shutil.chown(path, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    log = tmp_path / "pgbouncer.log"
    with log.open("w") as out:
        process = subprocess.Popen([*as_postgres, PGBOUNCER, str(ini)], stdout=out, stderr=out)
    try:
        time.sleep(1)  # it listens within milliseconds, or exits saying why
        assert process.poll() is None, log.read_text()
        user, password = (word.strip('"') for word in secret["userlist.txt"].split()[:2])
        yield f"postgresql://{user}:{password}@127.0.0.1:{port}/{DEFAULT_SLUG}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("variant", variant_params(ONE_PER_DRIVER))
def test_app_serves_concurrent_writes_and_reads_through_the_components_pgbouncer(
    render: Callable[..., Path], variant: dict[str, Any], pgbouncer: str, scratch_database: str
) -> None:
    project = render(**variant)
    with_auth = answers_for(variant)["auth"] == "jwt"
    auth_settings = auth.SETTINGS if with_auth else {}
    if (project / "alembic.ini").exists():  # the migration Job: to PostgreSQL directly
        migrate = python_tool("alembic", "upgrade", "head")
        migrated = run(migrate, project, DATABASE_URL=scratch_database, **auth_settings)
        assert migrated.returncode == 0, migrated.stderr
    pooled = make_url(pgbouncer).set(drivername=DRIVERS[variant["session_mode"]])
    env = clean_env(DATABASE_URL=pooled.render_as_string(hide_password=False), **app_settings(project), **auth_settings)
    with served_render(project, env) as server:
        headers = {}
        if with_auth:  # the items are a user's: log in as one, through PgBouncer too
            auth.create_user(project, scratch_database)
            headers["Authorization"] = f"Bearer {auth.access_token(server.base_url)}"
        with httpx.Client(base_url=server.base_url, timeout=10, headers=headers) as client:

            def write_then_read(n: int) -> tuple[int, int]:
                created = client.post("/items/", json={"title": f"item {n}"})
                read = client.get(f"/items/{created.json()['id']}") if created.status_code == 201 else created
                return created.status_code, read.status_code

            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(write_then_read, range(200)))
            listed = client.get("/items/", params={"limit": 100})

    assert statuses == [(201, 200)] * 200, server.log[-3000:]
    assert (listed.status_code, len(listed.json())) == (200, 100)
    assert "Traceback" not in server.log, server.log[-3000:]

{% from "variant.jinja" import slug, async, await with context %}
"""A database file that cannot be written for a while: 503s while it lasts, writes again after it."""

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from httpx import AsyncClient
from support import migrate, running

from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine
from {{ slug }}.main import create_app


@contextmanager
def read_only(database: Path) -> Iterator[None]:
    """Make the database's files unwritable until the block ends, as an operator or a failing disk might."""
    files = [str(path) for path in (database, database.with_name(f"{database.name}-wal")) if path.exists()]
    if os.geteuid() == 0:  # root writes any file whatever its mode: only the immutable flag stops it
        lock, unlock = ["chattr", "+i", *files], ["chattr", "-i", *files]
    else:
        lock, unlock = ["chmod", "a-w", *files], ["chmod", "u+w", *files]
    locked = subprocess.run(lock, capture_output=True, text=True) if shutil.which(lock[0]) else None
    if locked is None or locked.returncode != 0:
        pytest.skip(f"`{' '.join(lock[:2])}` cannot make a file read-only here: {locked and locked.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(unlock, check=True)


@pytest.fixture
{{ async }}def database(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    engine = create_db_engine(Settings(database_url=f"sqlite:///{path}"))
    {{ await }}migrate(engine)
    {{ await }}engine.dispose()
    return path


@pytest.fixture
async def client(database: Path) -> AsyncIterator[AsyncClient]:
    """The app on ``database`` with a pool of one connection: each request uses the one the last one left."""
    async with running(create_app(Settings(database_url=f"sqlite:///{database}", db_pool_size=1))) as client:
        yield client


async def test_health_reports_a_read_only_file_before_any_write_fails(database: Path, client: AsyncClient) -> None:
    assert (await client.get("/health")).status_code == 200

    with read_only(database):
        # The pooled connection opened the file for writing before: only a write to it would fail.
        during = await client.get("/health")

    assert during.status_code == 503
    assert int(during.headers["retry-after"]) > 0
    assert (await client.get("/health")).status_code == 200


async def test_writes_are_503_while_the_file_is_read_only_and_work_again_after(
    database: Path, client: AsyncClient
) -> None:
    assert (await client.post("/items/", json={"title": "before"})).status_code == 201

    with read_only(database):
        # The first write fails on the connection opened before, which cannot write to the
        # file; the second on a new connection, which SQLite opened read-only.
        during = [await client.post("/items/", json={"title": "during"}) for _ in range(2)]

    after = await client.post("/items/", json={"title": "after"})

    assert [response.status_code for response in during] == [503, 503]
    assert all(int(response.headers["retry-after"]) > 0 for response in during)
    assert after.status_code == 201  # the read-only connection was discarded: no restart needed


async def test_health_discards_a_connection_opened_while_the_file_was_read_only(
    database: Path, client: AsyncClient
) -> None:
    with read_only(database):
        assert (await client.post("/items/", json={"title": "during"})).status_code == 503
        # Reads go on, on a new connection that SQLite opened read-only.
        assert (await client.get("/items/")).status_code == 200

    first = await client.get("/health")  # its write fails on that connection, which is discarded
    second = await client.get("/health")

    assert first.status_code == 503
    assert second.status_code == 200
    assert (await client.post("/items/", json={"title": "after"})).status_code == 201

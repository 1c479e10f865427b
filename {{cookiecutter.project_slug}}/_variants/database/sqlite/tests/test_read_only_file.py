{% from "variant.jinja" import slug, async, await, has_auth with context %}
"""A database file that cannot be written for a while: 503s while it lasts, writes again after it."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
{% if has_auth %}
from accounts import add_user
{% endif %}
from fastapi import FastAPI
from support import migrate, running

from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine
from {{ slug }}.main import create_app
{% if has_auth %}
from {{ slug }}.sessions import create_session_factory
{% endif %}


class ReadOnlyFiles:
    """Makes the database's files unwritable, as an operator or a failing disk might, and writable again."""

    def __init__(self, database: Path) -> None:
        files = [str(database), f"{database}-wal"]
        if os.geteuid() == 0:  # root writes any file whatever its mode: only the immutable flag stops it
            self.lock, self.unlock = ["chattr", "+i", *files], ["chattr", "-i", *files]
        else:
            self.lock, self.unlock = ["chmod", "a-w", *files], ["chmod", "u+w", *files]
        self.locked = False

    def start(self) -> None:
        if shutil.which(self.lock[0]) is None:
            pytest.skip(f"{self.lock[0]} is not installed: it is how this test makes a file read-only")
        locking = subprocess.run(self.lock, capture_output=True, text=True)
        if locking.returncode != 0:
            pytest.skip(f"`{' '.join(self.lock[:2])}` cannot make a file read-only here: {locking.stderr.strip()}")
        self.locked = True

    def end(self) -> None:
        if self.locked:
            subprocess.run(self.unlock, check=True)
            self.locked = False


@pytest.fixture
{{ async }}def database(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    engine = create_db_engine(Settings(database_url=f"sqlite:///{path}"))
    {{ await }}migrate(engine)
{% if has_auth %}
    {{ await }}add_user(create_session_factory(engine), "reader@example.com")  # id 1, for a file read-only from the start
{% endif %}
    {{ await }}engine.dispose()
    return path


@pytest.fixture
def read_only(database: Path) -> Iterator[ReadOnlyFiles]:
    # Another connection, as another process would hold, keeps the -wal and -shm files:
    # SQLite deletes them with the last connection, and a connection that opened the file
    # read-only would create them read-only (like the file), for good.
    with closing(sqlite3.connect(database)) as other:
        other.execute("SELECT count(*) FROM items").fetchall()
        files = ReadOnlyFiles(database)
        yield files
        files.end()


@pytest.fixture
def file_app(database: Path) -> FastAPI:
    """The app on ``database`` with a pool of one connection: each request uses the one the last one left."""
    return create_app(Settings(database_url=f"sqlite:///{database}", db_pool_size=1))


async def test_writes_are_503_while_the_file_is_read_only_and_work_again_after(
    file_app: FastAPI, read_only: ReadOnlyFiles
) -> None:
    read_only.start()
    async with running(file_app{{ ", user=1" if has_auth }}) as client:  # its connection opens the file read-only
        during = [await client.post("/items/", json={"title": "during"}) for _ in range(2)]
        read_only.end()
        after = await client.post("/items/", json={"title": "after"})

    assert [response.status_code for response in during] == [503, 503]
    assert all(int(response.headers["retry-after"]) > 0 for response in during)
    assert after.status_code == 201  # the read-only connections were discarded: no restart needed


async def test_a_write_through_a_connection_opened_before_is_stored_or_503(
    file_app: FastAPI, read_only: ReadOnlyFiles
) -> None:
    """Some file systems refuse writes through a descriptor opened before the file became read-only."""
    async with running(file_app) as client:
        assert (await client.post("/items/", json={"title": "before"})).status_code == 201
        read_only.start()
        during = await client.post("/items/", json={"title": "during"})
        read_only.end()
        after = await client.post("/items/", json={"title": "after"})

    assert during.status_code in {201, 503}  # never a 500
    assert after.status_code == 201


async def test_health_reports_a_read_only_file_before_any_write_fails(
    file_app: FastAPI, read_only: ReadOnlyFiles
) -> None:
    async with running(file_app) as client:
        assert (await client.get("/health")).status_code == 200
        read_only.start()
        # The pooled connection opened the file for writing before: the file's permissions tell.
        during = await client.get("/health")
        read_only.end()
        after = await client.get("/health")

    assert during.status_code == 503
    assert int(during.headers["retry-after"]) > 0
    assert after.status_code == 200


async def test_health_discards_a_connection_opened_while_the_file_was_read_only(
    file_app: FastAPI, read_only: ReadOnlyFiles
) -> None:
    read_only.start()
    async with running(file_app{{ ", user=1" if has_auth }}) as client:
        read = await client.get("/items/")  # reads go on, on a connection that opened the file read-only
        read_only.end()
        first = await client.get("/health")  # its write fails on that connection, which is discarded
        second = await client.get("/health")
        write = await client.post("/items/", json={"title": "after"})

    assert read.status_code == 200
    assert first.status_code == 503
    assert second.status_code == 200
    assert write.status_code == 201

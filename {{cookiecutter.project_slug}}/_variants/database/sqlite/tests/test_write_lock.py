{% from "variant.jinja" import slug with context %}
"""Another process holding SQLite's write lock: /health says so within HEALTH_TIMEOUT."""

import sqlite3
import time
from contextlib import closing

from sqlalchemy.engine import make_url
from support import checked_out, running, wait_until

from {{ slug }}.config import Settings
from {{ slug }}.main import create_app


async def test_health_is_503_within_its_timeout_while_another_process_holds_the_write_lock(
    live_settings: Settings,
) -> None:
    """The check waits for the write lock (a write needs it); time is up long before SQLite's busy timeout."""
    app = create_app(live_settings.model_copy(update={"health_timeout": 0.2}))
    async with running(app) as client:
        with closing(sqlite3.connect(str(make_url(live_settings.database_url).database))) as other:
            other.execute("BEGIN IMMEDIATE")  # takes the write lock until it rolls back
            started = time.monotonic()
            response = await client.get("/health")
            waited = time.monotonic() - started
            other.rollback()
        await wait_until("the check that was given up has returned its connection", lambda: checked_out(app) == 0)
        after = await client.get("/health")

    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert waited < 2, f"answered after {waited:.1f} s, HEALTH_TIMEOUT being 0.2 s"
    assert after.status_code == 200

"""Serves a rendered project's app unchanged, plus one benchmark-only route.

``GET /__bench/pool`` reports the app's connection pool (``app.state.engine``, set in the
app's lifespan), so the harness can check that every connection went back after a run.
Everything else, the lifespan included, goes to the app untouched. Run it with the rendered
project as the working directory:

    BENCH_APP=items_service.main:app uvicorn benchmarks.serve_app:app
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool, QueuePool

from . import POOL_PATH

_module, _, _attribute = os.environ.get("BENCH_APP", "items_service.main:app").partition(":")
inner: Any = getattr(importlib.import_module(_module), _attribute)


def pool_status() -> dict[str, Any]:
    engine = inner.state.engine
    pool = engine.pool  # an AsyncEngine's .pool is its sync engine's pool
    settings = inner.state.settings
    if isinstance(pool, QueuePool):
        counts = {"checked_out": pool.checkedout(), "size": pool.size(), "max_overflow": settings.db_max_overflow}
    else:
        counts = {"checked_out": _counted(pool), "size": 0, "max_overflow": 0}
    return {"pool": type(pool).__name__, **counts}


_open: dict[int, int] = {}  # id(pool) -> connections handed out and not yet returned


def _counted(pool: Pool) -> int:
    """Pools without a count (NullPool): count checkouts minus checkins from the first probe on.

    The harness probes right after start-up, when no request holds a connection.
    """
    key = id(pool)
    if key not in _open:
        _open[key] = 0

        def checkout(*_: Any) -> None:
            _open[key] += 1

        def checkin(*_: Any) -> None:
            _open[key] -= 1

        event.listen(pool, "checkout", checkout)
        event.listen(pool, "checkin", checkin)
    return _open[key]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"] == POOL_PATH:
        body = json.dumps(pool_status()).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await inner(scope, receive, send)

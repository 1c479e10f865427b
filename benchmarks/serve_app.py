"""Serves any benchmarked app (``BENCH_APP``; an app factory with ``BENCH_FACTORY=1``) unchanged, plus
``GET /__bench/pool``: the checked-out connections of its ``app.state.engine`` (SQLAlchemy) or ``app.state.pool``."""

import importlib
import os
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import QueuePool
from starlette.responses import JSONResponse

from .serving import POOL_PATH

_module, _, _attribute = os.environ["BENCH_APP"].partition(":")
inner: Any = getattr(importlib.import_module(_module), _attribute)
inner = inner() if os.environ.get("BENCH_FACTORY") else inner
_open: Counter[int] = Counter()  # pools without counts (NullPool): checkouts minus checkins since the first probe


def pool_status() -> dict[str, Any]:
    if hasattr(inner.state, "pool"):  # asyncpg
        size = inner.state.pool.get_size()
        return {"pool": "asyncpg", "checked_out": size - inner.state.pool.get_idle_size(), "size": size,
                "max_overflow": 0}  # fmt: skip
    pool = inner.state.engine.pool  # an AsyncEngine's pool is its sync engine's
    if isinstance(pool, QueuePool):  # which has no public accessor for its overflow limit
        counts = {"checked_out": pool.checkedout(), "size": pool.size(), "max_overflow": pool._max_overflow}
    else:
        if id(pool) not in _open:  # the first probe comes right after start-up, when nothing is checked out
            _open[id(pool)] = 0
            event.listen(pool, "checkout", lambda *_: _open.update({id(pool): 1}))
            event.listen(pool, "checkin", lambda *_: _open.subtract({id(pool): 1}))
        counts = {"checked_out": _open[id(pool)], "size": 0, "max_overflow": 0}
    return {"pool": type(pool).__name__, **counts}


def probe() -> dict[str, Any]:
    return {**pool_status(), "pid": os.getpid()}  # which worker answered


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"] == POOL_PATH:
        await JSONResponse(probe())(scope, receive, send)
    else:
        await inner(scope, receive, send)

"""Graceful shutdown: on SIGTERM the app stops being ready at once, and uvicorn drains it.

uvicorn installs its signal handler (``Server.handle_exit``) before the app starts. On
SIGTERM it stops accepting connections, waits for the requests in flight (at most
``--timeout-graceful-shutdown`` seconds; SHUTDOWN_TIMEOUT with ``python -m`` this package),
then runs the lifespan's shutdown, which closes the connection pool. The app would hear of
the signal only then, so the lifespan puts a handler of its own in front of uvicorn's:
it marks the app as shutting down (``/health/ready`` answers 503 from then on) and passes
the signal on to uvicorn SHUTDOWN_DELAY seconds later, for load balancers that learn from
the readiness check that this instance is going away.

A handler in the app, rather than a server subclass in ``__main__``, also serves under the
``uvicorn`` command and in each of its ``--workers``, which their supervisor stops with SIGTERM.
"""

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn
from fastapi import FastAPI

logger = logging.getLogger(__name__)


@contextmanager
def drain_on_sigterm(app: FastAPI, delay: float) -> Iterator[None]:
    """While the block runs, SIGTERM marks ``app`` as shutting down and reaches uvicorn ``delay`` seconds later."""
    uvicorn_handler = signal.getsignal(signal.SIGTERM)
    if not (callable(uvicorn_handler) and isinstance(getattr(uvicorn_handler, "__self__", None), uvicorn.Server)):
        # Not served by uvicorn from the main thread (an in-process test client, another server).
        yield
        return
    loop = asyncio.get_running_loop()

    def stop_later(sig: int) -> None:
        logger.info("Shutting down: not ready from now on; stopping in %s s", delay)
        loop.call_later(delay, uvicorn_handler, sig, None)

    def on_sigterm(sig: int, frame: FrameType | None) -> None:
        if app.state.shutting_down:
            uvicorn_handler(sig, frame)  # a second SIGTERM stops at once
            return
        app.state.shutting_down = True
        # The handler may have interrupted the event loop anywhere: the loop sets the timer.
        loop.call_soon_threadsafe(stop_later, sig)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, uvicorn_handler)

"""On SIGTERM the served app stops being ready at once, finishes the requests in flight, then exits.

Real signals to a real ``python -m`` server on the real database.
"""

import signal
from pathlib import Path

import pytest
from httpx import Response
from support import sigterm_while_serving

from {{ cookiecutter.project_slug }}.config import Settings

pytestmark = pytest.mark.slow

IN_FLIGHT = 8


async def test_sigterm_fails_readiness_at_once_and_finishes_every_request_in_flight(
    live_database: Settings, tmp_path: Path
) -> None:
    # The requests outlast SHUTDOWN_DELAY: uvicorn has stopped accepting connections and waits for them.
    stopped = await sigterm_while_serving(
        live_database, tmp_path / "stderr.log", IN_FLIGHT, 3, SHUTDOWN_DELAY="1", SHUTDOWN_TIMEOUT="20"
    )

    assert stopped.ready.status_code == 503
    assert stopped.ready.json()["detail"] == "The service is shutting down; another instance will answer."
    assert stopped.live.status_code == 200
    assert stopped.unfinished_after_probes == IN_FLIGHT, "readiness must fail before the requests finish"
    failed = [response for response in stopped.responses if not isinstance(response, Response) or response.is_error]
    assert failed == []
    # uvicorn shuts down cleanly, then ends the process by the signal it got, as its default handler would.
    assert stopped.returncode == -signal.SIGTERM, stopped.log
    assert stopped.seconds_to_exit < 20, "within SHUTDOWN_TIMEOUT"
    assert "Application shutdown complete." in stopped.log  # the lifespan ran: the pool is closed
    assert "timeout graceful shutdown exceeded" not in stopped.log


async def test_requests_that_outlast_shutdown_timeout_are_cancelled(live_database: Settings, tmp_path: Path) -> None:
    stopped = await sigterm_while_serving(
        live_database, tmp_path / "stderr.log", 1, 5, SHUTDOWN_DELAY="0.5", SHUTDOWN_TIMEOUT="1"
    )

    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in stopped.log
    assert not any(isinstance(response, Response) and response.status_code == 200 for response in stopped.responses)
    assert stopped.returncode == -signal.SIGTERM, stopped.log

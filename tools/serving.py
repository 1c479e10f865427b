"""Serving a rendered app for a test or a benchmark: a free port, and waiting until it is healthy.

Standard library only, so the benchmark harness and the template's tests share it.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from typing import Any

HEALTH_PATH = "/health"
# Loopback requests never go through a proxy the environment may name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerNotHealthy(RuntimeError):
    """The server exited, or did not answer ``GET /health`` with 200 in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def is_healthy(base_url: str, timeout: float = 2) -> bool:
    """Whether ``GET <base_url>/health`` answers 200 (any other answer, or none, is False)."""
    try:
        with _OPENER.open(base_url + HEALTH_PATH, timeout=timeout) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, 5xx (URLError is an OSError)
        return False


def exited_output(server: subprocess.Popen[Any]) -> str:
    """What an exited server wrote to its stdout pipe, if it had one."""
    if server.poll() is None or server.stdout is None:
        return ""
    output = server.communicate()[0]
    return output if isinstance(output, str) else output.decode(errors="replace")


def wait_until_healthy(
    base_url: str, server: subprocess.Popen[Any], timeout: float = 60, log: Callable[[], str] | None = None
) -> float:
    """Poll ``GET /health`` until it answers 200; returns the seconds it took.

    Raises ServerNotHealthy, with ``log()`` (by default what the server printed), when
    the server exits first or ``timeout`` seconds pass.
    """
    describe = log or (lambda: exited_output(server))
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.poll() is not None:
            raise ServerNotHealthy(f"the server exited with {server.returncode}:\n{describe()}")
        if is_healthy(base_url):
            return time.monotonic() - started
        time.sleep(0.1)
    raise ServerNotHealthy(f"the server did not answer {HEALTH_PATH} within {timeout:.0f}s:\n{describe()}")

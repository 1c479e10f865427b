"""The serving helpers (tools/serving.py) that the served, README and benchmark runs share."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.serving import ServerNotHealthy, free_port, wait_until_healthy


def test_waits_for_a_server_that_answers_its_health_check(tmp_path: Path) -> None:
    (tmp_path / "health").write_text("ok")  # http.server answers GET /health with this file
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until_healthy(f"http://127.0.0.1:{port}", server, timeout=20) < 20
    finally:
        server.terminate()
        server.wait(10)


def test_a_server_without_a_health_route_is_not_healthy(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with pytest.raises(ServerNotHealthy, match="did not answer /health within 2s"):
            wait_until_healthy(f"http://127.0.0.1:{port}", server, timeout=2)
    finally:
        server.terminate()
        server.wait(10)


def test_a_server_that_exits_is_reported_with_its_output() -> None:
    command = [sys.executable, "-c", "import sys; print('no database'); sys.exit(3)"]

    with (
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server,
        pytest.raises(ServerNotHealthy, match=r"exited with 3:\nno database"),
    ):
        wait_until_healthy(f"http://127.0.0.1:{free_port()}", server, timeout=20)

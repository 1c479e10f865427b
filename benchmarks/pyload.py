"""Fallback load generator when wrk is missing: HTTP/1.1 keep-alive connections on asyncio.

Same workloads and output as wrk with lua/workload.lua (one ``WRK_RESULT {json}`` line), so
load.py treats both alike. Its ceiling is far lower than wrk's (a few thousand requests/s on
one core), which the report states by naming the tool.

    python benchmarks/pyload.py http://127.0.0.1:8000 get --connections 64 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

try:
    import uvloop
except ImportError:  # pragma: no cover - uvicorn[standard] installs it
    uvloop = None


@dataclass
class Tally:
    latencies_us: list[int] = field(default_factory=list)
    non2xx: int = 0
    connect: int = 0
    read: int = 0
    write: int = 0
    timeout: int = 0


class Requests:
    """Builds raw requests for one workload (same mix as lua/workload.lua)."""

    def __init__(self, host: str, workload: str, max_id: int, connection: int) -> None:
        self.host = host
        self.max_id = max_id
        self.connection = connection
        self.created = 0
        self.rng = random.Random(time.time_ns() + connection)  # noqa: S311 - load generation, not crypto
        generators: dict[str, Callable[[], bytes]] = {
            "get": self.get_item,
            "list": self.list_items,
            "create": self.create_item,
            "mix": self.mix,
        }
        self.next = generators[workload]

    def _format(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return (head + "\r\n").encode() + body

    def get_item(self) -> bytes:
        return self._format("GET", f"/items/{self.rng.randint(1, self.max_id)}")

    def list_items(self) -> bytes:
        return self._format("GET", f"/items/?limit=20&skip={self.rng.randint(0, self.max_id - 20)}")

    def create_item(self) -> bytes:
        self.created += 1
        body = {
            "title": f"bench {self.connection}-{self.created}",
            "description": f"Written by the benchmark, connection {self.connection}.",
        }
        return self._format("POST", "/items/", json.dumps(body).encode())

    def mix(self) -> bytes:
        roll = self.rng.randint(1, 100)
        if roll <= 10:
            return self.create_item()
        if roll <= 40:
            return self.list_items()
        return self.get_item()


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response with a Content-Length body; returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def connection_loop(
    host: str, port: int, requests: Requests, deadline: float, timeout: float, tally: Tally
) -> None:
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError):
            tally.connect += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while time.monotonic() < deadline:
                request = requests.next()
                started = time.perf_counter_ns()
                try:
                    writer.write(request)
                    await writer.drain()
                except OSError:
                    tally.write += 1
                    break
                try:
                    status = await asyncio.wait_for(read_response(reader), timeout)
                except TimeoutError:
                    tally.timeout += 1
                    break
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    tally.read += 1
                    break
                tally.latencies_us.append((time.perf_counter_ns() - started) // 1000)
                if not 200 <= status <= 299:
                    tally.non2xx += 1
        finally:
            writer.close()


def percentile(sorted_values: list[int], fraction: float) -> int:
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


async def run(args: argparse.Namespace) -> dict[str, int]:
    url = urlsplit(args.base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    tally = Tally()
    started = time.monotonic()
    deadline = started + args.duration
    await asyncio.gather(
        *(
            connection_loop(
                host, port, Requests(url.netloc, args.workload, args.max_id, n), deadline, args.timeout, tally
            )
            for n in range(args.connections)
        )
    )
    elapsed = time.monotonic() - started
    latencies = sorted(tally.latencies_us)
    return {
        "requests": len(latencies),
        "duration_us": int(elapsed * 1e6),
        "p50_us": percentile(latencies, 0.50),
        "p99_us": percentile(latencies, 0.99),
        "max_us": latencies[-1] if latencies else 0,
        "non2xx": tally.non2xx,
        "connect": tally.connect,
        "read": tally.read,
        "write": tally.write,
        "timeout": tally.timeout,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url")
    parser.add_argument("workload", choices=["get", "list", "create", "mix"])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--max-id", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    runner = uvloop.run if uvloop is not None else asyncio.run
    print("WRK_RESULT " + json.dumps(runner(run(args))), flush=True)


if __name__ == "__main__":
    main()

"""Where a server's CPU time goes under load: py-spy samples, summarised by library and function."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

# "function (path/to/file.py:123)" in py-spy's raw (collapsed-stack) output.
PATH_DEPTH = 4
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def py_spy() -> str | None:
    found = shutil.which("py-spy") or Path(sys.executable).with_name("py-spy")
    return str(found) if found and Path(found).exists() else None


def start(pid: int, duration: float, output: Path) -> subprocess.Popen[bytes] | None:
    """Sample ``pid`` for ``duration`` seconds into a collapsed-stack file; None without py-spy."""
    executable = py_spy()
    if executable is None:
        return None
    command = [
        executable,
        "record",
        f"--pid={pid}",
        f"--duration={max(1, round(duration))}",
        "--rate=250",
        "--format=raw",
        "--full-filenames",
        "--nonblocking",
        "--gil",  # only the thread holding the GIL: where Python spends CPU, in sync and async servers alike
        f"--output={output}",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def area(file: str, project_dir: Path) -> str:
    """The library (or part of the app) a source file belongs to."""
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if file.startswith(str(project_dir)):
        return "the rendered app"
    if "/benchmarks/" in file:
        return "benchmarks wrapper"
    if re.search(r"/lib/python3\.\d+/", file):
        module = re.split(r"/lib/python3\.\d+/", file, maxsplit=1)[1].split("/", 1)[0].removesuffix(".py")
        return f"stdlib {module}"
    return file or "native/unknown"


def _short(function: str, file: str) -> str:
    for marker in ("site-packages/", "/lib/python3."):
        if marker in file:
            file = file.split(marker, 1)[1]
            if marker.startswith("/lib"):
                file = file.split("/", 1)[1]
    return f"{function} ({file})"


def summarize(raw: Path, project_dir: Path, top: int = 15) -> str:
    """Self time by library, and the functions with the most self and inclusive time."""
    self_by_area: Counter[str] = Counter()
    self_by_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_FRAME.match(frame) for frame in stack.split(";")]
        parsed = [(m["function"], m["file"] or "") for m in frames if m]
        if not parsed:
            continue
        function, file = parsed[-1]
        self_by_area[area(file, project_dir)] += count
        self_by_function[_short(function, file)] += count
        for name in {_short(function, file) for function, file in parsed}:
            inclusive[name] += count
        paths[" > ".join(function for function, _ in parsed[-PATH_DEPTH:])] += count
    if not total:
        return "no samples (is py-spy allowed to attach? it needs ptrace permission)"

    def lines(counter: Counter[str]) -> list[str]:
        return [f"  {100 * n / total:5.1f}%  {name}" for name, n in counter.most_common(top)]

    return "\n".join(
        [
            f"{total} samples of the thread holding the GIL",
            "Self time by library:",
            *lines(self_by_area),
            "Self time by function:",
            *lines(self_by_function),
            "Inclusive time by function (on the stack; greenlet switches cut some stacks short):",
            *lines(inclusive),
            f"Hottest call paths (last {PATH_DEPTH} frames):",
            *lines(paths),
        ]
    )

"""Where a server's CPU time goes under load: py-spy samples, summarised by library and function."""

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from .serving import Server, wrk

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::\d+)?\)$")  # "function (path/file.py:123)"
_LIBRARY_ROOT = re.compile(r"site-packages/|/lib/python3\.\d+/")


def profile(server: Server, duration: float, rows: int, raw: Path, sample: bool) -> None:
    """One more GET /items/{id} run at c=64 while py-spy samples the server into ``raw``.

    Prints the summary and saves it beside ``raw`` (as the committed sample with ``sample``).
    """
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if found is None:
        print("  py-spy is not installed: pip install -r requirements/bench.txt")
        return
    # --gil: only the thread holding the GIL, where Python spends CPU, in sync and async servers alike.
    command = [found, "record", f"--pid={server.process.pid}", f"--duration={max(1, round(duration))}", "--rate=250",
               "--format=raw", "--full-filenames", "--nonblocking", "--gil", f"--output={raw}"]  # fmt: skip
    sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wrk(server.base_url, "get", 64, duration, rows)
    _, stderr = sampler.communicate(timeout=60)
    server.wait_pool_idle()
    if not raw.exists():
        print(f"  py-spy failed: {stderr.decode(errors='replace').strip()}")
        return
    summary = f"{server.app.name}, GET /items/{{id}}, c=64\n{summarize(raw, server.cwd)}\n"
    raw.with_name(f"sample-profile-{server.app.label}.txt" if sample else f"{raw.stem}-summary.txt").write_text(summary)
    print(summary)


def _area(file: str, project_dir: Path) -> str:
    """The library (or part of the app) a source file belongs to."""
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if file.startswith(str(project_dir)):
        return "the app"
    stdlib = re.split(r"/lib/python3\.\d+/", file, maxsplit=1)
    return f"stdlib {stdlib[1].split('/', 1)[0].removesuffix('.py')}" if len(stdlib) == 2 else file or "native"


def _short(function: str, file: str) -> str:
    return f"{function} ({_LIBRARY_ROOT.split(file)[-1]})"


def summarize(raw: Path, project_dir: Path, top: int = 15) -> str:
    """Self time by library and by function, and inclusive time by function."""
    by_area: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [(m["function"], m["file"]) for m in map(_FRAME.match, stack.split(";")) if m]
        if not frames or not count.isdigit():
            continue
        by_area[_area(frames[-1][1], project_dir)] += int(count)
        by_function[_short(*frames[-1])] += int(count)
        for name in {_short(*frame) for frame in frames}:
            inclusive[name] += int(count)
    total = by_area.total()
    if not total:
        return "no samples (py-spy needs ptrace permission to attach)"

    def lines(counter: Counter[str]) -> list[str]:
        return [f"  {100 * n / total:5.1f}%  {name}" for name, n in counter.most_common(top)]

    return "\n".join([f"{total} samples of the thread holding the GIL", "Self time by library:", *lines(by_area),
                      "Self time by function:", *lines(by_function), "Inclusive time by function:",
                      *lines(inclusive)])  # fmt: skip

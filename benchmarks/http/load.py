"""The load generator: wrk (Debian's package), bounded in time, with benchmarks/http/wrk.lua.

Per page: a warm-up run (:data:`WARMUP_SECONDS`, discarded), then the measured run
(``BENCH_SECONDS``, default 8) at low concurrency (``-t1 -c2`` by default: as many
connections as gunicorn has workers, so latency is service time, not queueing).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

LUA = Path(__file__).with_name("wrk.lua")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "2"))
MARKER = "BENCH_RESULT "


def settings() -> str:
    """The load settings, for the report."""
    return (f"wrk -t{THREADS} -c{CONNECTIONS}, {WARMUP_SECONDS} s warm-up then "
            f"{SECONDS} s measured per page")


@dataclass
class LoadResult:
    """One measured wrk run; latencies in milliseconds."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def to_json(self) -> dict:
        return asdict(self)


def parse_output(output: str) -> LoadResult:
    """The ``BENCH_RESULT`` line wrk.lua's ``done()`` printed, as a :class:`LoadResult`."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER):])
            break
    else:
        raise ValueError(f"no {MARKER.strip()} line in wrk's output:\n{output}")
    return LoadResult(
        requests=data["requests"], seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000, mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000, errors=data["errors"])


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed (make bench installs Debian's package)")
    return found


def run_wrk(base: str, targets: list[tuple[str, str]], seconds: int) -> LoadResult:
    """Load ``base`` for ``seconds`` with requests rotating over ``targets`` (path, cookie)."""
    with tempfile.NamedTemporaryFile("w", suffix=".targets", delete=False) as handle:
        for path, cookie in targets:
            handle.write(f"{path}\t{cookie}\n")
        targets_file = handle.name
    try:
        command = [wrk_path(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s",
                   "--timeout", "30s", "-s", str(LUA), base, "--", targets_file]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        return parse_output(done.stdout)
    finally:
        os.unlink(targets_file)


def load(base: str, targets: list[tuple[str, str]]) -> LoadResult:
    """Warm up, then measure (see the module)."""
    if WARMUP_SECONDS > 0:
        run_wrk(base, targets, WARMUP_SECONDS)
    return run_wrk(base, targets, SECONDS)

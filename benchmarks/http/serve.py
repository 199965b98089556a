"""Serve an app with gunicorn on a free loopback port, and log in to it over HTTP.

Both the real app and the ceiling run with the same settings (:data:`WORKERS` sync workers,
the machine's two cores): one request per worker at a time, so that the load generator's
connections never queue inside gunicorn.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
WORKER_CLASS = "sync"
#: Described in the report.
SETTINGS = f"gunicorn --workers {WORKERS} --worker-class {WORKER_CLASS} (no keep-alive)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                response.read()
                return
        except urllib.error.HTTPError:
            return  # it answers (a 404 or a redirect to the login is an answer)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], probe_path: str = "/",
             log_path: Path | None = None) -> Iterator[str]:
    """Serve ``app_spec`` (``module:factory()``) with ``env`` added to this environment;
    yield the base URL (``http://127.0.0.1:PORT``) once it answers; stop it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(WORKERS), "--worker-class", WORKER_CLASS,
               "--timeout", "120", "--log-level", "warning", "--chdir", str(ROOT), app_spec]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=log,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + probe_path, process)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, workers included
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if log is not subprocess.DEVNULL:
            log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as an HTTPError carrying its status and Location."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def login_cookie(base: str, slug: str, username: str, password: str) -> str:
    """Log in through the login form (CSRF token included) and return the ``Cookie``
    header value that carries the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    url = f"{base}/t/{slug}/login"
    with opener.open(url, timeout=30) as response:
        form = response.read().decode("utf-8")
    match = _CSRF.search(form)
    if match is None:
        raise RuntimeError(f"no csrf_token in {url}")
    data = urllib.parse.urlencode({"csrf_token": match.group(1) or match.group(2),
                                   "username": username, "password": password}).encode()
    try:
        opener.open(url, data=data, timeout=30).close()
        status, location = 200, ""
    except urllib.error.HTTPError as answer:  # the 302 arrives as an "error" here
        status, location = answer.code, answer.headers.get("Location", "")
    if status != 302 or "/login" in location:
        raise RuntimeError(f"could not log in to {slug} as {username} over HTTP "
                           f"(HTTP {status} {location})")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def fetch(url: str, cookie: str = "") -> tuple[int, float]:
    """GET ``url``; its status and wall time in seconds (body read whole)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)  # a redirect to the login is a failure
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as answer:
        status = answer.code
    return status, time.perf_counter() - started

"""Serving an app over real HTTP and driving Debian's Chromium (Playwright) in tests.

``playwright install`` cannot download on these machines: the browser is the distribution's
``/usr/bin/chromium``. Under ``CI=true`` a missing browser fails the test; elsewhere it is
skipped, loudly.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("FATONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    message = f"!!! BROWSER TEST NOT RUN: {reason} !!!"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serve(application: Flask) -> Iterator[str]:
    """``application`` served by a WSGI server in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="fatong-live", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def chromium_page() -> Iterator:
    """A fresh Chromium tab (zh-CN, 15 s default timeout)."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"{CHROMIUM} is missing (make chromium installs Debian's package)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"python playwright is not installed ({exc})")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()

"""A real browser logs in with TOTP: enrolment by QR page, then a code at the next login.

Debian's Chromium through Playwright, against a live server with CSRF on and the strict
CSP: the pages must work, look like Bootstrap, and trigger no CSP violation. The codes are
computed with pyotp from the key the page shows for manual entry, as a user's app would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pyotp
import pytest
from flask import Flask

from core.auth.settings import auth_settings
from core.db import db
from core.sdk import tenant_context
from tenants.provisioning import ensure_demo_tenant

from browser_support import chromium_page, serve
from conftest import make_app

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Totp-1"


@pytest.fixture
def totp_server(app: Flask, database_url: str, demo) -> Iterator[str]:
    """The demo tenant with TOTP required for its admin, served with CSRF on."""
    served = make_app(database_url, TESTING=False, WTF_CSRF_ENABLED=True)
    with served.app_context():
        tenant, _created = ensure_demo_tenant("demo", PASSWORD)
        with tenant_context(tenant):
            auth_settings().set_many({"totp_required_for_admins": True})
        db.session.commit()
    with serve(served) as url:
        yield url


@pytest.fixture
def page(totp_server: str):
    with chromium_page() as tab:
        yield tab


def code_for(secret: str, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + steps_ahead)


def test_admin_enrols_totp_and_logs_in_with_a_code(totp_server: str, page) -> None:
    from playwright.sync_api import expect

    base = totp_server
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text
            and violations.append(msg.text))
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400
            and failed.append(f"{response.status} {response.url}"))

    def password_step() -> None:
        page.goto(f"{base}/t/demo/login")
        page.locator("input[name=username]").fill("admin")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(f"{base}/t/demo/login/second-factor")

    # First login: the password, then enrolment with the QR code.
    password_step()
    qr = page.get_by_test_id("totp-qr").locator("svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100  # rendered, not collapsed
    secret = re.sub(r"\s", "", page.get_by_test_id("totp-secret").inner_text())
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret

    # Between the factors the workbench is out of reach.
    page.goto(f"{base}/t/demo/notices/")
    page.wait_for_url(f"{base}/t/demo/login/second-factor")

    page.locator("input[name=code]").fill(code_for(secret))
    page.get_by_test_id("second-factor-form").locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/t/demo/")
    expect(page.get_by_test_id("main-nav")).to_be_visible()
    # Bootstrap still renders under the CSP: the top bar is a blue flex box.
    styles = page.evaluate("""() => {
        const bar = getComputedStyle(document.querySelector('header.navbar'));
        return {display: bar.display, background: bar.backgroundColor};
    }""")
    assert styles == {"display": "flex", "background": "rgb(13, 110, 253)"}, styles

    page.locator("header form button[type=submit]").click()  # log out
    page.wait_for_url(f"{base}/t/demo/login")

    # Second login: only a code is asked for; the next step's code (the one just used is
    # spent, and a replay would be refused).
    password_step()
    expect(page.get_by_test_id("totp-qr")).to_have_count(0)
    page.locator("input[name=code]").fill(code_for(secret, 1))
    page.get_by_test_id("second-factor-form").locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/t/demo/")
    expect(page.get_by_test_id("current-user")).to_be_visible()

    assert violations == [], violations
    assert failed == [], failed

"""TOTP (RFC 6238, pyotp): secrets, QR codes as inline SVG, and verification without replay.

Codes are 6 digits over 30-second steps; one step of clock drift either way is accepted.
A code is accepted only for a time step later than the last accepted one, so the same code
(or an older one) cannot be used twice, even within its window.
"""

from __future__ import annotations

import hmac
import io
from typing import Any

import pyotp
import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape

from core.crypto import FieldContext, crypto_provider
from core.tenancy.models import utcnow

VALID_WINDOW = 1  # steps of drift accepted either side
ISSUER = "Fatong"
# Sealed secrets are bound to the column they are meant for (core.crypto associated data).
_COLUMNS = {"confirmed": "totp_secret", "pending": "pending_totp_secret"}


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def _context(account: Any, column: str) -> FieldContext:
    """Where the sealed secret lives: binds it to tenant, table, column and row.

    Platform operators have no tenant; their secrets use tenant id 0, which no tenant has.
    """
    return FieldContext(tenant_id=getattr(account, "tenant_id", None) or 0,
                        table=type(account).__tablename__, column=column, row_id=account.id)


def seal_secret(account: Any, secret: str, kind: str = "confirmed") -> str:
    """Encrypt a secret for one account (SM4-GCM via core.crypto, under the master key).

    ``kind`` separates a secret being enrolled from the confirmed one: they are bound to
    different columns, so one cannot be passed off as the other.
    """
    return crypto_provider().encrypt_field(secret, _context(account, _COLUMNS[kind]))


def open_secret(account: Any, sealed: str, kind: str = "confirmed") -> str:
    """The secret; raises core.crypto.DecryptionFailed if it was not sealed for this row."""
    return crypto_provider().decrypt_field(sealed, _context(account, _COLUMNS[kind]))


def provisioning_uri(secret: str, account_name: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def qr_svg(uri: str, label: str) -> Markup:
    """The QR code as inline SVG markup (no script, no style attribute: CSP allows it)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10,
                        border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:].lstrip()
    attributes = f'<svg role="img" aria-label="{escape(label)}" class="fatong-qr" '
    return Markup(svg.replace("<svg ", attributes, 1))


def matching_counter(secret: str, code: str, last_counter: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_counter``."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        counter = current + offset
        if hmac.compare_digest(totp.generate_otp(counter), code):
            if last_counter is not None and counter <= last_counter:
                return None  # replayed (or older than a code already used)
            return counter
    return None

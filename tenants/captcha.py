"""An offline image captcha for the signup form (no third-party service: intranets are closed).

The image is drawn by the ``captcha`` package and sent inline as a ``data:`` URI; only an
HMAC of the answer is stored, in ``tenants_challenges``. A challenge is good for one attempt
(it is deleted when checked, right or wrong) and for ``CAPTCHA_TTL``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from captcha.image import ImageCaptcha
from flask import current_app
from sqlalchemy import delete, select

from core.sdk import db, utcnow
from tenants.models import SignupChallenge

#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
LENGTH = 5
CAPTCHA_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Challenge:
    token: str
    image_uri: str  # data:image/png;base64,…


def random_answer() -> str:
    """The text to draw (tests replace this to know the answer)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _digest(token: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    message = f"signup-captcha|{token}|{answer.strip().upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_challenge() -> Challenge:
    """Store a fresh challenge (and sweep expired ones); flushes, the caller commits."""
    now = utcnow()
    db.session.execute(delete(SignupChallenge).where(SignupChallenge.expires_at < now))
    answer = random_answer()
    token = secrets.token_urlsafe(32)
    db.session.add(SignupChallenge(token=token, answer_digest=_digest(token, answer),
                                   expires_at=now + CAPTCHA_TTL))
    db.session.flush()
    png = ImageCaptcha(width=180, height=64).generate(answer).getvalue()
    return Challenge(token, "data:image/png;base64," + base64.b64encode(png).decode())


def check(token: str, answer: str) -> bool:
    """Whether ``answer`` solves the challenge ``token``; the challenge is used up either way.

    Runs in its own short transaction, so a wrong guess cannot be retried against the same
    challenge even when the rest of the form is rolled back.
    """
    if not token or not answer:
        return False
    row = db.session.scalar(select(SignupChallenge).where(SignupChallenge.token == token))
    if row is None:
        return False
    expired = _aware(row.expires_at) < utcnow()
    expected = row.answer_digest
    db.session.delete(row)
    db.session.commit()
    return not expired and hmac.compare_digest(expected, _digest(token, answer))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone=True columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

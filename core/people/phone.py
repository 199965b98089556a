"""Phone numbers of people: mainland mobiles and landlines with an area code.

- Mobile: ``1[3-9]`` and 9 more digits; spaces, hyphens and a ``+86``/``0086`` prefix are
  dropped (``+86 138-1234-5678`` is ``13812345678``).
- Landline: area code ``0`` + 2 or 3 digits, an optional hyphen, 7 or 8 digits, and an
  optional extension after ``-``, ``转``, ``#`` or ``ext``. The canonical form splits the area
  code by the numbering plan (``010`` and ``02x`` have three digits, the others four), so
  ``01062345678`` and ``010-62345678`` are the same number, stored as ``010-62345678``.

The canonical form is what gets stored and blind-indexed, so a search finds a number
however it was typed.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.people.errors import InvalidValue

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_COUNTRY_PREFIX_RE = re.compile(r"^(?:\+86|0086|86)(?=1[3-9]\d{9}$)")
_LANDLINE_RE = re.compile(
    r"^(0\d{2,3})-?(\d{7,8})(?:(?:-|转|#|ext\.?|x)(\d{1,6}))?$", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")


class PhoneError(InvalidValue):
    """A phone number that is not valid."""


class PhoneKind(enum.StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"


@dataclass(frozen=True)
class PhoneFacts:
    number: str  # canonical form
    kind: PhoneKind
    extension: str = ""


def _area_length(digits: str) -> int:
    return 3 if digits.startswith(("010", "02")) else 4


def validate_phone(raw: str) -> PhoneFacts:
    """The canonical number, or :class:`PhoneError` saying what is wrong."""
    text = _SPACES_RE.sub("", raw or "")
    if not text:
        raise PhoneError(_l("Enter a phone number."))
    mobile = _COUNTRY_PREFIX_RE.sub("", text.replace("-", ""))
    if _MOBILE_RE.match(mobile):
        return PhoneFacts(number=mobile, kind=PhoneKind.MOBILE)
    match = _LANDLINE_RE.match(text)
    if match is None:
        if text.replace("-", "").isdigit() and text.startswith("1"):
            raise PhoneError(_l("A mobile number has 11 digits and starts with 13 to 19."))
        raise PhoneError(_l("Enter a mobile number (11 digits) or a landline with its area "
                            "code, such as 0839-5501234."))
    digits = match.group(1) + match.group(2)
    area_length = _area_length(digits)
    area, local = digits[:area_length], digits[area_length:]
    if not 7 <= len(local) <= 8:
        raise PhoneError(_l("A landline number has 7 or 8 digits after the area code."))
    extension = match.group(3) or ""
    number = f"{area}-{local}" + (f"-{extension}" if extension else "")
    return PhoneFacts(number=number, kind=PhoneKind.LANDLINE, extension=extension)


def normalise_phone(raw: str) -> str | None:
    """The canonical form of a valid number, else None (for searches: no error to show)."""
    try:
        return validate_phone(raw).number
    except PhoneError:
        return None

"""Masking (脱敏) of personal information for display, logs, exports and audit details.

PIPL (个人信息保护法 第5/6/28/51条) and the bureau's security baseline ask that personal
fields are shown masked by default; plaintext is a separate, audited "reveal". These
helpers are the single place that decides what a masked value looks like, so the audit
log, HTML pages and Excel exports stay consistent:

=================  ====================  =====================
kind               input                 output
=================  ====================  =====================
``id_number``      110101199003071234    110101********1234
``phone``          13812345678           138****5678
``name``           张三 / 欧阳娜娜         张* / 欧***
``text``           anything              ***
=================  ====================  =====================

Every function accepts ``None`` and the empty string and returns them unchanged, so a
caller can mask an optional column without checking first. Values that are not strings
are converted with ``str()`` first (an id number stored as an int still gets masked).
"""

from __future__ import annotations

from typing import Any

#: What a fully hidden value looks like (``text`` kind, and values too short to show any part of).
HIDDEN = "***"

#: The kinds accepted by :func:`mask` and by ``Column(info={"personal": kind})``.
KINDS = ("id_number", "phone", "name", "text")


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip()


def mask_id_number(value: Any) -> Any:
    """Mask a 居民身份证号码 (or any document number): keep the first 6 and last 4 characters.

    The first 6 digits are the region code and the last 4 let a clerk tell two people apart
    on the phone; the birth date in between is hidden. ``110101199003071234`` becomes
    ``110101********1234``; the old 15-digit numbers keep the same 6 + 4. Numbers with 10
    characters or fewer cannot keep both ends without revealing most of the value, so only
    the last 2 stay visible (``******34``).
    """
    text = _as_text(value)
    if not text:
        return value
    if len(text) > 10:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) > 2:
        return "*" * (len(text) - 2) + text[-2:]
    return HIDDEN


def mask_phone(value: Any) -> Any:
    """Mask a phone number: keep the first 3 and last 4 characters, hide the rest.

    ``13812345678`` becomes ``138****5678``; a landline such as ``010-62345678`` becomes
    ``010*****5678``. Numbers of 7 characters or fewer keep only their last 2 characters.
    """
    text = _as_text(value)
    if not text:
        return value
    if len(text) > 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if len(text) > 2:
        return "*" * (len(text) - 2) + text[-2:]
    return HIDDEN


def mask_name(value: Any) -> Any:
    """Mask a personal name: keep the first character (the family name for most Chinese names).

    ``张三`` becomes ``张*``, ``欧阳娜娜`` becomes ``欧***``; a one-character value becomes ``*``.
    Each hidden character is one ``*`` so the length of the name stays visible, as is usual in
    Chinese government systems.
    """
    text = _as_text(value)
    if not text:
        return value
    if len(text) == 1:
        return "*"
    return text[0] + "*" * (len(text) - 1)


def mask_text(value: Any) -> Any:
    """Hide a free-text personal value completely (addresses, notes): ``***``."""
    text = _as_text(value)
    if not text:
        return value
    return HIDDEN


_MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "text": mask_text,
}


def mask(value: Any, kind: str) -> Any:
    """Mask ``value`` as personal data of ``kind`` (one of :data:`KINDS`).

    An unknown kind hides the value completely: failing closed is the safe choice when a
    column is marked personal with a typo.
    """
    return _MASKERS.get(kind, mask_text)(value)

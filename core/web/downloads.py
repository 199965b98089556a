"""File downloads: one response builder for every XLSX (and other) export.

Browsers take the Chinese file name from ``filename*=UTF-8''…`` (RFC 5987); the plain
``filename`` is an ASCII fallback chosen by the caller, since stripping the Chinese from a
name such as 剑阁县司法局-人民调解-2026年.xlsx would leave only "-2026.xlsx".
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def content_disposition(ascii_name: str, name: str | None = None) -> str:
    """``attachment`` with ``ascii_name`` and, when given, the real ``name`` per RFC 5987."""
    header = f'attachment; filename="{ascii_name}"'
    if name:
        safe = _FORBIDDEN.sub("_", name).strip() or ascii_name
        header += f"; filename*=UTF-8''{quote(safe, safe='')}"
    return header


def download_response(data: bytes, ascii_name: str, name: str | None = None,
                      mimetype: str = XLSX_MIMETYPE) -> Response:
    """``data`` as an attachment named ``name`` (ASCII fallback ``ascii_name``)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(ascii_name, name)
    return response

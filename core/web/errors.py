"""Chinese error pages: 400, 403, 404, 405 and 500, never with a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. If you submitted a "
                                "form, go back, refresh the page and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page does not exist, or you cannot see it from "
                                   "this account.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    500: (_l("Something went wrong"), _l("The server hit an error. It has been logged; "
                                         "please try again later.")),
}


def render_error(code: int):
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _http_error(exc: HTTPException):
    code = exc.code or 500
    if code not in MESSAGES:
        return exc
    return render_error(code)


def _unhandled(exc: InternalServerError):
    from core.db import db

    db.session.rollback()  # a failed transaction must not break the error page itself
    original = getattr(exc, "original_exception", None)
    if original is not None:
        log.exception("unhandled error", exc_info=original)
    return render_error(500)


def init_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unhandled)

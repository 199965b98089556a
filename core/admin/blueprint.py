"""The admin blueprint, mounted at /t/<tenant>/admin (an always-on module picks its prefix)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from flask_babel import lazy_gettext as _l
from wtforms.fields import SelectChoice

from core.orgunits.models import OrgUnit
from core.orgunits.service import tree
from core.web.downloads import download_response

bp = Blueprint("admin", __name__, url_prefix="/t/<tenant>/admin", template_folder="templates")

ORGUNIT_MANAGE = "core.orgunit.manage"
USER_MANAGE = "core.user.manage"
ROLE_MANAGE = "core.role.manage"

WHOLE_TENANT_LABEL = _l("Whole bureau")


def indent(unit: OrgUnit) -> str:
    """Depth shown with ideographic spaces: select options cannot be styled (and the pages
    carry no inline styles)."""
    return "\u3000" * unit.depth + ("└ " if unit.depth else "")


def unit_choices(*, exclude_below: OrgUnit | None = None) -> list[SelectChoice]:
    """Active units as (id, indented "name (code)"), optionally without one unit's subtree."""
    choices = []
    for unit in tree(include_inactive=False):
        if exclude_below is not None and unit.path.startswith(exclude_below.path):
            continue
        choices.append(SelectChoice(unit.id, f"{indent(unit)}{unit.name}（{unit.code}）"))
    return choices


def add_error(form: Any, field: str | None, message: str) -> bool:
    """Put ``message`` beside ``field`` if the form has it; False if it has not."""
    target = getattr(form, field, None) if field else None
    if target is None:
        return False
    target.errors = [*target.errors, message]
    return True


def audit(event: str, **fields: Any) -> None:
    from core.audit.api import record

    record(event, **fields)


def xlsx_response(data: bytes, filename: str) -> Response:
    return download_response(data, filename)


def no_store(response: Response) -> Response:
    """Pages showing a password once must not be kept by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response

"""The workflow actions posted from a case's page, and the case page itself.

Each step of the procedure is an :class:`Action`: a small form on the case page with the
permission it needs, when it is offered, and a handler that changes the session. The
areas of the case page register theirs with :func:`action` (``actions_intake.py``,
``actions_decision.py``…); one URL per action posts it. A post checks the permission over
the case (see ``common.can``) and that the action is offered now; a step the workflow
refuses (``TransitionRefused``) or the handler refuses (:class:`Refused`) is rolled back and
the page shows why, with the input kept — nothing half-written, no number lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from core.sdk import db, has_permission
from plugins.legal_aid.models import AidCase
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.common import can, case_or_404
from plugins.legal_aid.workflow import TransitionRefused, today


class Refused(Exception):
    """An action's own check failed: ``field`` (or the form) gets ``message``."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message, self.field = message, field


@dataclass(frozen=True)
class Action:
    name: str
    form: type[FlaskForm]
    permission: str
    title: Any
    button: Any
    # (case, form) -> the success message; changes the session, flushes, never commits.
    handler: Callable[[AidCase, Any], str]
    # case -> whether the step is possible now (status, records); permission is separate.
    offered: Callable[[AidCase], bool]
    # (case, form, bound) -> None: fill choices, and defaults on a blank form.
    prepare: Callable[[AidCase, Any, bool], None] | None = None
    # A template included above the form's fields (explanations, candidate lists).
    intro_template: str | None = None
    # Dates of the form defaulting to today on a blank form.
    today_defaults: tuple[str, ...] = ()
    order: int = 100  # position in the case page's list of steps


ACTIONS: dict[str, Action] = {}


def action(name: str, form: type[FlaskForm], permission: str, title: Any, button: Any, *,
           offered: Callable[[AidCase], bool], prepare: Callable[[AidCase, Any, bool], None] | None
           = None, intro_template: str | None = None, today_defaults: tuple[str, ...] = (),
           order: int = 100) -> Callable[[Callable[[AidCase, Any], str]], Callable[[AidCase, Any],
                                                                             str]]:
    """Decorator registering a handler as the case action ``name``."""

    def register(handler: Callable[[AidCase, Any], str]) -> Callable[[AidCase, Any], str]:
        if name in ACTIONS:
            raise ValueError(f"case action {name!r} registered twice")
        ACTIONS[name] = Action(name, form, permission, title, button, handler, offered,
                               prepare, intro_template, today_defaults, order)
        return handler

    return register


def available_actions(case: AidCase) -> list[str]:
    """The actions the case page offers the current user now."""
    found = [a for a in ACTIONS.values() if a.offered(case) and can(case, a.permission)]
    return [a.name for a in sorted(found, key=lambda a: (a.order, a.name))]


def make_form(case: AidCase, name: str, bound: bool) -> FlaskForm:
    """The action's form, read from the request or blank with its defaults."""
    info = ACTIONS[name]
    kwargs: dict[str, Any] = {"prefix": name}
    if not bound:
        kwargs["formdata"] = None
    form = info.form(**kwargs)
    if not bound:
        for field_name in info.today_defaults:
            target = getattr(form, field_name)
            if target.data is None:
                target.data = today()
    if info.prepare is not None:
        info.prepare(case, form, bound)
    return form


def render_case(case: AidCase, forms: dict[str, Any] | None = None, open_action: str = "",
                status: int = 200):
    """The case page; ``forms`` replaces an action's blank form (kept input, errors)."""
    from plugins.legal_aid.views.cases import case_page_context

    names = available_actions(case)
    all_forms = {name: make_form(case, name, bound=False) for name in names}
    all_forms.update(forms or {})
    return render_template(
        "legal_aid/cases/detail.html", case=case, actions=names, forms=all_forms,
        action_info=ACTIONS, open_action=open_action, can=lambda p: can(case, p),
        has_permission=has_permission, **case_page_context(case)), status


def run_action(case_id: int, name: str):
    case = case_or_404(case_id)
    info = ACTIONS[name]
    if not can(case, info.permission):
        abort(403)
    if not info.offered(case):
        flash(_("This step is not possible for a case that is “%(status)s”.",
                status=case.status.label), "danger")
        return redirect(url_for("legal_aid.case_detail", case_id=case.id), 303)
    form = make_form(case, name, bound=True)
    if form.validate():
        try:
            message = info.handler(case, form)
            db.session.commit()
        except (TransitionRefused, Refused) as exc:
            db.session.rollback()
            field = getattr(exc, "field", None)
            target = getattr(form, field, None) if field else None
            if target is not None:
                target.errors = [*target.errors, str(exc)]
            else:
                form.form_errors.append(str(exc))
            case = case_or_404(case_id)
        else:
            flash(message, "success")
            return redirect(url_for("legal_aid.case_detail", case_id=case.id), 303)
    return render_case(case, {name: form}, open_action=name, status=422)


def register_routes() -> None:
    """One POST route for every action: ``/cases/<id>/<action-name>``.

    The case is looked up (scoped: 404 for another tenant's or an out-of-scope id) before
    the action's name is even read, so every action shares one lookup.
    """

    def view(case_id: int, action: str):
        name = action.replace("-", "_")
        if name not in ACTIONS:
            case_or_404(case_id)
            abort(404)
        return run_action(case_id, name)

    bp.add_url_rule("/cases/<int:case_id>/<action>", "case_action", view, methods=["POST"])


def action_url(case: AidCase, name: str) -> str:
    return url_for("legal_aid.case_action", case_id=case.id, action=name.replace("_", "-"))


bp.add_app_template_global(action_url, "legal_aid_action_url")

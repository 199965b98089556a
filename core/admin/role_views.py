"""Role pages (security administrator): list, edit permission sets, custom roles."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms.fields import SelectChoice

from core.access.checks import require_permission
from core.access.models import Role, RoleAssignment
from core.access.registry import CORE_NAMESPACE, access_registry
from core.access.service import (
    RoleError,
    assignable_permissions,
    create_role,
    delete_role,
    holders_count,
    is_admin_role,
    update_role,
)
from core.admin.blueprint import ROLE_MANAGE, add_error, audit, bp
from core.admin.forms import RoleCreateForm, RoleForm
from core.admin.guards import load
from core.db import db

CORE_GROUP_TITLE = _l("Platform")


def permission_groups(names: list[str]) -> list[tuple[str, list]]:
    """``names`` grouped by the plugin that declared them (core first), as (title, perms)."""
    registry = access_registry()
    manager = current_app.extensions["fatong.plugins"]
    groups: dict[str, list] = {}
    for name in names:
        groups.setdefault(registry.owners[name], []).append(registry.permissions[name])

    def title(owner: str) -> str:
        if owner == CORE_NAMESPACE:
            return str(CORE_GROUP_TITLE)
        record = manager.records.get(owner)
        return str(record.info.title) if record and record.info else owner

    ordered = sorted(groups, key=lambda owner: (owner != CORE_NAMESPACE, title(owner)))
    return [(title(owner), groups[owner]) for owner in ordered]


@bp.route("/roles/")
@require_permission(ROLE_MANAGE)
def roles():
    found = db.session.scalars(select(Role).order_by(Role.admin_kind.is_(None),
                                                     Role.builtin.desc(), Role.title)).all()
    counts = dict(db.session.execute(
        select(RoleAssignment.role_id, func.count(func.distinct(RoleAssignment.user_id)))
        .group_by(RoleAssignment.role_id)).all())
    return render_template("admin/roles.html", roles=found, counts=counts,
                           is_admin_role=is_admin_role)


def _editor(form: RoleForm, role: Role):
    shown = assignable_permissions(role, g.enabled_plugins)
    form.permissions.choices = [SelectChoice(name, name) for name in shown]
    return permission_groups(shown)


@bp.route("/roles/new", methods=["GET", "POST"])
@require_permission(ROLE_MANAGE)
def role_new():
    form = RoleCreateForm()
    groups = _editor(form, Role(key="", admin_kind=None))
    if form.validate_on_submit():
        try:
            role = create_role(key=form.key.data, title=form.title.data,
                               description=form.description.data or "",
                               permissions=form.permissions.data or [],
                               enabled_plugins=g.enabled_plugins)
        except RoleError as exc:
            db.session.rollback()
            if not add_error(form, exc.field, str(exc)):
                flash(str(exc), "danger")
        else:
            audit("role.create", target_type="role", target_id=role.id, security=True,
                  summary=f"{role.key} {role.title}", details={"permissions": role.permissions})
            db.session.commit()
            flash(_("Role %(title)s created.", title=role.title), "success")
            return redirect(url_for("admin.roles"))
    return render_template("admin/role_form.html", form=form, role=None, groups=groups,
                           selected=set(form.permissions.data or []), fixed=False)


@bp.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@load(Role, "role_id", "role")
@require_permission(ROLE_MANAGE)
def role_edit(role: Role):
    form = RoleForm(obj=role)
    groups = _editor(form, role)
    fixed = is_admin_role(role)
    if form.validate_on_submit():
        before = list(role.permissions or [])
        try:
            update_role(role, title=form.title.data, description=form.description.data or "",
                        permissions=None if fixed else (form.permissions.data or []),
                        enabled_plugins=g.enabled_plugins)
        except RoleError as exc:
            db.session.rollback()
            if not add_error(form, exc.field, str(exc)):
                flash(str(exc), "danger")
        else:
            added = [p for p in role.permissions if p not in before]
            removed = [p for p in before if p not in role.permissions]
            audit("role.update", target_type="role", target_id=role.id, security=True,
                  summary=f"{role.key} {role.title}",
                  details={"added": added, "removed": removed})
            db.session.commit()
            flash(_("Role %(title)s saved.", title=role.title), "success")
            return redirect(url_for("admin.roles"))
    selected = set(form.permissions.data or []) if form.is_submitted() else set(role.permissions)
    return render_template("admin/role_form.html", form=form, role=role, groups=groups,
                           selected=selected, fixed=fixed, holders=holders_count(role))


@bp.route("/roles/<int:role_id>/delete", methods=["POST"])
@load(Role, "role_id", "role")
@require_permission(ROLE_MANAGE)
def role_delete(role: Role):
    key, title = role.key, role.title
    try:
        delete_role(role)
    except RoleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("admin.role_edit", role_id=role.id))
    audit("role.delete", target_type="role", target_id=role.id, security=True,
          summary=f"{key} {title}")
    db.session.commit()
    flash(_("Role %(title)s deleted.", title=title), "success")
    return redirect(url_for("admin.roles"))

"""User pages. The system administrator manages accounts; the security administrator grants
roles. Both see the list and a user's page, each with only their own actions (三员分立)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms.fields import SelectChoice

from core.access.checks import has_permission, require_permission
from core.access.models import Role, RoleAssignment
from core.access.service import (
    RoleConflict,
    assign_role,
    assignments_of,
    bootstrap_admin_grant,
    bootstrap_open_roles,
    revoke_assignment,
)
from core.admin.accounts import (
    AccountError,
    create_user,
    generate_password,
    is_locked,
    reset_password,
    set_active,
    unlock,
)
from core.admin.blueprint import (
    ROLE_MANAGE,
    USER_MANAGE,
    WHOLE_TENANT_LABEL,
    add_error,
    audit,
    bp,
    no_store,
    unit_choices,
    xlsx_response,
)
from core.admin.forms import GrantForm, ImportForm, UserCreateForm
from core.admin.guards import load, require_any_permission
from core.admin.imports import USER_COLUMNS, USER_NAME, USER_ROLES, import_grants, import_users
from core.admin.tabular import TableError, read_table, xlsx_template
from core.auth.models import User
from core.db import db
from core.orgunits.models import OrgUnit

PAGE_SIZE = 50


def must_change(user: User) -> bool:
    return bool(getattr(user, "must_change_password", False))


def _assignments_by_user(user_ids: list[int]) -> dict[int, list[RoleAssignment]]:
    found: dict[int, list[RoleAssignment]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        for assignment in db.session.scalars(
                select(RoleAssignment).where(RoleAssignment.user_id.in_(user_ids))
                .order_by(RoleAssignment.granted_at, RoleAssignment.id)):
            found[assignment.user_id].append(assignment)
    return found


@bp.route("/users/")
@require_any_permission(USER_MANAGE, ROLE_MANAGE)
def users():
    query = (request.args.get("q") or "").strip()
    page = max(request.args.get("page", 1, type=int), 1)
    statement = select(User)
    if query:
        pattern = f"%{query.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(User.username.ilike(pattern),
                                        User.display_name.ilike(pattern)))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    found = db.session.scalars(statement.order_by(User.username)
                               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "admin/users.html", users=found, query=query, page=page, total=total,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        assignments=_assignments_by_user([user.id for user in found]),
        can_manage_users=has_permission(USER_MANAGE),
        can_manage_roles=has_permission(ROLE_MANAGE),
        bootstrap_open=has_permission(USER_MANAGE) and bool(bootstrap_open_roles()),
        locked_of=is_locked, must_change_of=must_change, whole_tenant=WHOLE_TENANT_LABEL)


@bp.route("/users/new", methods=["GET", "POST"])
@require_permission(USER_MANAGE)
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        generated = not form.password.data
        password = form.password.data or generate_password()
        try:
            user = create_user(username=form.username.data, display_name=form.display_name.data,
                               password=password)
        except AccountError as exc:
            db.session.rollback()
            if not add_error(form, exc.field, str(exc)):
                flash(str(exc), "danger")
        else:
            audit("user.create", target_type="user", target_id=user.id, summary=user.username,
                  details={"display_name": user.display_name,
                           "initial": "generated" if generated else "chosen by the administrator"})
            db.session.commit()
            if generated:
                return _password_once(user, password, created=True)
            flash(_("Account %(name)s created; the user must change the password at first "
                    "login.", name=user.username), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form)


def _password_once(user: User, password: str, *, created: bool):
    response = make_response(render_template("admin/password_once.html", user=user,
                                             password=password, created=created))
    return no_store(response)


def _grant_form(*, bind: bool) -> GrantForm:
    """The grant form; ``bind`` reads the submitted data, else it starts empty."""
    form = GrantForm() if bind else GrantForm(formdata=None)
    roles = db.session.scalars(select(Role).order_by(Role.admin_kind.is_(None), Role.title))
    form.role.choices = [SelectChoice(None, "—")] + [SelectChoice(role.id, role.title)
                                                     for role in roles]
    form.org_unit.choices = [SelectChoice(None, str(WHOLE_TENANT_LABEL)), *unit_choices()]
    return form


def _detail_page(user: User, grant_form: GrantForm | None = None):
    can_roles = has_permission(ROLE_MANAGE)
    if can_roles and grant_form is None:
        grant_form = _grant_form(bind=False)
    can_users = has_permission(USER_MANAGE)
    assignments = assignments_of(user)
    # The bootstrap card: only the system administrator sees it, only while it can be used
    # and only on accounts it may be used for (active, not theirs, no administrator role).
    eligible = (can_users and user.active and user.id != current_user.id
                and not any(a.role.admin_kind for a in assignments))
    bootstrap_roles = _bootstrap_choices() if eligible else []
    return render_template(
        "admin/user_detail.html", user=user, assignments=assignments,
        grant_form=grant_form if can_roles else None, can_manage_users=can_users,
        can_manage_roles=can_roles, is_self=user.id == current_user.id,
        locked=is_locked(user), must_change=must_change(user), whole_tenant=WHOLE_TENANT_LABEL,
        bootstrap_roles=bootstrap_roles)


def _bootstrap_choices() -> list[Role]:
    """The administrator roles the system administrator may still appoint (see
    :func:`core.access.service.bootstrap_open_roles`), as rows for the page."""
    keys = bootstrap_open_roles()
    if not keys:
        return []
    roles = {role.key: role for role in db.session.scalars(select(Role).where(Role.key.in_(keys)))}
    return [roles[key] for key in keys if key in roles]


@bp.route("/users/<int:user_id>")
@load(User, "user_id", "user")
@require_any_permission(USER_MANAGE, ROLE_MANAGE)
def user_detail(user: User):
    return _detail_page(user)


def _account_action(user: User, action):
    try:
        result = action()
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return None, redirect(url_for("admin.user_detail", user_id=user.id))
    return result, None


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@load(User, "user_id", "user")
@require_permission(USER_MANAGE)
def user_disable(user: User):
    _result, refused = _account_action(user, lambda: set_active(user, False, actor=current_user))
    if refused:
        return refused
    audit("user.disable", target_type="user", target_id=user.id, summary=user.username,
          security=True)
    db.session.commit()
    flash(_("%(name)s is disabled and logged out everywhere.", name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@load(User, "user_id", "user")
@require_permission(USER_MANAGE)
def user_enable(user: User):
    set_active(user, True, actor=current_user)
    audit("user.enable", target_type="user", target_id=user.id, summary=user.username,
          security=True)
    db.session.commit()
    flash(_("%(name)s is enabled.", name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@load(User, "user_id", "user")
@require_permission(USER_MANAGE)
def user_reset_password(user: User):
    temporary, refused = _account_action(user, lambda: reset_password(user, actor=current_user))
    if refused:
        return refused
    audit("user.password_reset", target_type="user", target_id=user.id, summary=user.username,
          security=True)
    db.session.commit()
    return _password_once(user, temporary, created=False)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@load(User, "user_id", "user")
@require_permission(USER_MANAGE)
def user_unlock(user: User):
    was_locked = unlock(user)
    audit("user.unlock", target_type="user", target_id=user.id, summary=user.username,
          details={"was_locked": was_locked}, security=True)
    db.session.commit()
    flash(_("%(name)s is unlocked.", name=user.username) if was_locked
          else _("%(name)s was not locked.", name=user.username), "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


# --- role grants (security administrator) -------------------------------------------------


@bp.route("/users/<int:user_id>/grants", methods=["POST"])
@load(User, "user_id", "user")
@require_permission(ROLE_MANAGE)
def user_grant(user: User):
    form = _grant_form(bind=True)
    if user.id == current_user.id:
        add_error(form, "role", _("You cannot change your own roles."))
    elif form.validate_on_submit():
        role = db.session.get(Role, form.role.data)
        unit = db.session.get(OrgUnit, form.org_unit.data) if form.org_unit.data else None
        try:
            assign_role(user, role, unit, actor=current_user.username)
        except RoleConflict as exc:
            db.session.rollback()
            audit("role.grant", target_type="user", target_id=user.id, outcome="failure",
                  security=True, summary=f"{user.username} {role.key}",
                  details={"role": role.key, "reason": str(exc)})
            add_error(form, exc.field, str(exc))
        else:
            scope = unit.code if unit else "*"
            audit("role.grant", target_type="user", target_id=user.id, security=True,
                  summary=f"{user.username} {role.key} @ {scope}",
                  details={"role": role.key, "org_unit": scope})
            db.session.commit()
            flash(_("%(role)s granted to %(name)s.", role=role.title, name=user.username),
                  "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _detail_page(user, grant_form=form)


@bp.route("/grants/<int:assignment_id>/revoke", methods=["POST"])
@load(RoleAssignment, "assignment_id", "assignment")
@require_permission(ROLE_MANAGE)
def grant_revoke(assignment: RoleAssignment):
    user = db.session.get(User, assignment.user_id)
    if user is None:  # pragma: no cover - the foreign key keeps them together
        abort(404)
    if user.id == current_user.id:
        flash(_("You cannot change your own roles."), "danger")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    role, unit = assignment.role, assignment.org_unit
    try:
        revoke_assignment(assignment)
    except RoleConflict as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    scope = unit.code if unit else "*"
    audit("role.revoke", target_type="user", target_id=user.id, security=True,
          summary=f"{user.username} {role.key} @ {scope}",
          details={"role": role.key, "org_unit": scope})
    db.session.commit()
    flash(_("%(role)s revoked from %(name)s.", role=role.title, name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/bootstrap-admin", methods=["POST"])
@load(User, "user_id", "user")
@require_permission(USER_MANAGE)
def user_bootstrap_admin(user: User):
    """The system administrator appoints the bureau's first security (or audit) administrator;
    refusals are flashed and change nothing."""
    role_key = (request.form.get("role") or "").strip()
    try:
        assignment = bootstrap_admin_grant(user, role_key, current_user)
    except RoleConflict as exc:
        db.session.rollback()
        audit("role.grant", target_type="user", target_id=user.id, outcome="failure",
              security=True, summary=f"{user.username} {role_key[:40]}",
              details={"role": role_key[:40], "bootstrap": True, "reason": str(exc)})
        flash(str(exc), "danger")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    role = assignment.role
    audit("role.grant", target_type="user", target_id=user.id, security=True,
          summary=f"{user.username} {role.key} @ *",
          details={"role": role.key, "org_unit": "*", "bootstrap": True})
    db.session.commit()
    flash(_("%(name)s is appointed %(role)s.", role=role.title, name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


# --- imports -------------------------------------------------------------------------------

@bp.route("/users/import", methods=["GET", "POST"])
@require_permission(USER_MANAGE)
def user_import():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_table(upload.read(), upload.filename or "", (USER_NAME, "姓名"),
                              USER_COLUMNS)
        except TableError as exc:
            add_error(form, "file", str(exc))
        else:
            report, created = import_users(rows)
            if report.ok:
                audit("user.import", target_type="user",
                      summary=_("%(count)d accounts imported", count=len(created)),
                      details={"usernames": [c.user.username for c in created],
                               "file": upload.filename}, security=True)
                db.session.commit()
                response = make_response(render_template(
                    "admin/user_import_done.html", created=created))
                return no_store(response)
            db.session.rollback()
    return render_template("admin/import.html", form=form, report=report,
                           title=_("Import users"), columns=USER_COLUMNS,
                           template_endpoint="admin.user_template", back_endpoint="admin.users",
                           help_text=_("One account per row. Leave 初始密码 empty to have one "
                                       "generated; every imported user must change the "
                                       "password at first login. The 角色 and 所属单位编码 "
                                       "columns are not used here: the security administrator "
                                       "imports the same file under Import role grants."))


@bp.route("/grants/import", methods=["GET", "POST"])
@require_permission(ROLE_MANAGE)
def grant_import():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_table(upload.read(), upload.filename or "", (USER_NAME, USER_ROLES),
                              USER_COLUMNS)
        except TableError as exc:
            add_error(form, "file", str(exc))
        else:
            report, granted = import_grants(rows, actor=current_user)
            if report.ok:
                audit("role.grant_import", target_type="user", security=True,
                      summary=_("%(count)d role grants imported", count=granted),
                      details={"rows": len(rows), "file": upload.filename})
                db.session.commit()
                flash(_("%(count)d role grants imported.", count=granted), "success")
                return redirect(url_for("admin.users"))
            db.session.rollback()
    return render_template("admin/import.html", form=form, report=report,
                           title=_("Import role grants"), columns=USER_COLUMNS,
                           template_endpoint="admin.user_template", back_endpoint="admin.users",
                           help_text=_("One row per user: 用户名 of an existing account, 角色 "
                                       "(role keys or titles, separated by commas) and "
                                       "所属单位编码, the unit whose subtree the roles cover "
                                       "(empty: the whole bureau). Nothing is granted while "
                                       "any row has a problem."))


@bp.route("/users/template.xlsx")
@require_any_permission(USER_MANAGE, ROLE_MANAGE)
def user_template():
    roles = db.session.scalars(select(Role).order_by(Role.admin_kind.is_(None), Role.title))
    data = xlsx_template(
        "用户", USER_COLUMNS, widths=(16, 16, 18, 24, 16),
        text_columns=("用户名", "初始密码", "所属单位编码"),
        notes=[_("Columns: 用户名 (username), 姓名 (name), 初始密码 (initial password, empty: "
                 "generated), 角色 (role keys, comma-separated), 所属单位编码 (org unit code "
                 "for the roles' scope, empty: whole bureau)."),
               _("Accounts are created by the system administrator; roles are granted by the "
                 "security administrator from the same file."),
               _("Roles: %(roles)s", roles="；".join(f"{r.key} {r.title}" for r in roles))])
    return xlsx_response(data, "users-template.xlsx")

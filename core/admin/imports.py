"""Bulk imports: org units, user accounts, role grants. All or nothing.

Each import first checks every row and collects every problem (row, column, message); if
there is any, nothing is written. Otherwise all rows are written in the caller's single
transaction. Column headers are the fixed Chinese names of the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from core.access.models import Role, RoleAssignment
from core.access.service import RoleConflict, assign_role, assignments_of, check_grant
from core.admin.accounts import (
    USERNAME_RE,
    AccountError,
    check_display_name,
    create_user,
    generate_password,
    password_problems,
)
from core.admin.tabular import ImportReport, Row
from core.auth.models import User
from core.db import db
from core.orgunits.models import ORG_UNIT_TYPE_LABELS, OrgUnit, OrgUnitType
from core.orgunits.service import CODE_RE, NAME_MAX, create_unit

# --- org units -----------------------------------------------------------------------------

UNIT_CODE, UNIT_NAME, UNIT_TYPE, UNIT_PARENT = "编码", "名称", "类型", "上级编码"
UNIT_COLUMNS = (UNIT_CODE, UNIT_NAME, UNIT_TYPE, UNIT_PARENT)

# The Chinese names people write in the 类型 column; the first of each is the template's.
UNIT_TYPE_NAMES: dict[OrgUnitType, tuple[str, ...]] = {
    OrgUnitType.BUREAU: ("司法局",),
    OrgUnitType.SECTION: ("科室", "股室", "内设机构"),
    OrgUnitType.STATION: ("司法所",),
    OrgUnitType.LEGAL_AID_CENTRE: ("法律援助中心",),
    OrgUnitType.NOTARY_OFFICE: ("公证处",),
    OrgUnitType.LAW_FIRM: ("律师事务所", "律所"),
    OrgUnitType.LEGAL_SERVICE_OFFICE: ("基层法律服务所", "法律服务所"),
    OrgUnitType.MEDIATION_COMMITTEE: ("人民调解委员会", "调解委员会", "调委会"),
    OrgUnitType.OTHER: ("其他",),
}


def unit_type_from_text(text: str) -> OrgUnitType | None:
    """A type from its Chinese name, its code (``station``) or its label in the UI language."""
    text = text.strip()
    for unit_type, names in UNIT_TYPE_NAMES.items():
        if text in names or text.lower() == unit_type.value:
            return unit_type
    for unit_type, label in ORG_UNIT_TYPE_LABELS.items():
        if text and text == str(label):
            return unit_type
    return None


@dataclass
class UnitPlan:
    row: Row
    code: str
    name: str
    unit_type: OrgUnitType
    parent_code: str


def check_unit_rows(rows: list[Row]) -> tuple[ImportReport, list[UnitPlan]]:
    """Every problem of every row, and the rows in an order where parents come first."""
    report = ImportReport(rows=rows)
    existing = {unit.code: unit for unit in db.session.scalars(select(OrgUnit))}
    plans: dict[str, UnitPlan] = {}
    seen: dict[str, int] = {}
    for row in rows:
        code, name = row.get(UNIT_CODE), row.get(UNIT_NAME)
        type_text, parent_code = row.get(UNIT_TYPE), row.get(UNIT_PARENT)
        ok = True
        if not code:
            report.add(row, UNIT_CODE, _("Required."))
            ok = False
        elif not CODE_RE.match(code):
            report.add(row, UNIT_CODE, _("Use 1-40 letters, digits, '-', '_' or '.'."))
            ok = False
        elif code in seen:
            report.add(row, UNIT_CODE, _("The code %(code)s is also on row %(row)d.",
                                         code=code, row=seen[code]))
            ok = False
        elif code in existing:
            report.add(row, UNIT_CODE, _("An org unit with the code %(code)s exists already "
                                         "(%(name)s).", code=code, name=existing[code].name))
            ok = False
        if code and code not in seen:
            seen[code] = row.number
        if not name:
            report.add(row, UNIT_NAME, _("Required."))
            ok = False
        elif len(name) > NAME_MAX:
            report.add(row, UNIT_NAME, _("At most %(max)d characters.", max=NAME_MAX))
            ok = False
        unit_type = unit_type_from_text(type_text)
        if not type_text:
            report.add(row, UNIT_TYPE, _("Required."))
            ok = False
        elif unit_type is None:
            report.add(row, UNIT_TYPE, _("Unknown type %(text)s; use one of: %(types)s.",
                                         text=type_text, types="、".join(
                                             names[0] for names in UNIT_TYPE_NAMES.values())))
            ok = False
        if not parent_code:
            report.add(row, UNIT_PARENT, _("Required: the code of the unit above this one."))
            ok = False
        if ok:
            plans[code] = UnitPlan(row, code, name, unit_type, parent_code)

    # Parents: an existing active unit, or another row of the file (before or after).
    all_codes = set(seen)
    for plan in plans.values():
        if plan.parent_code == plan.code:
            report.add(plan.row, UNIT_PARENT, _("A unit cannot be its own parent."))
        elif plan.parent_code in existing:
            if not existing[plan.parent_code].active:
                report.add(plan.row, UNIT_PARENT, _("%(code)s is deactivated.",
                                                    code=plan.parent_code))
        elif plan.parent_code not in all_codes:
            report.add(plan.row, UNIT_PARENT, _("No unit has the code %(code)s, in the file "
                                                "or in the system.", code=plan.parent_code))
    ordered = _parents_first(plans, existing, report)
    return report, ordered


def _parents_first(plans: dict[str, UnitPlan], existing: dict[str, OrgUnit],
                   report: ImportReport) -> list[UnitPlan]:
    ordered: list[UnitPlan] = []
    state: dict[str, str] = {}  # code -> "visiting" | "done"

    def visit(plan: UnitPlan, chain: list[UnitPlan]) -> bool:
        status = state.get(plan.code)
        if status == "done":
            return True
        if status == "visiting":
            for member in chain[chain.index(plan):]:
                report.add(member.row, UNIT_PARENT, _("The parent codes of the file go round "
                                                      "in a circle."))
            return False
        state[plan.code] = "visiting"
        parent = plans.get(plan.parent_code)
        good = True
        if parent is not None and plan.parent_code not in existing:
            good = visit(parent, [*chain, plan])
        state[plan.code] = "done"
        ordered.append(plan)
        return good

    for plan in plans.values():
        visit(plan, [])
    return ordered


def import_units(rows: list[Row]) -> tuple[ImportReport, list[OrgUnit]]:
    """Check, then (only if every row is good) create the units; flushes."""
    report, ordered = check_unit_rows(rows)
    if not report.ok:
        return report, []
    by_code = {unit.code: unit for unit in db.session.scalars(select(OrgUnit))}
    created = []
    for plan in ordered:
        unit = create_unit(plan.name, plan.code, plan.unit_type, parent=by_code[plan.parent_code])
        by_code[plan.code] = unit
        created.append(unit)
    return report, created


# --- users ---------------------------------------------------------------------------------

USER_NAME, USER_DISPLAY, USER_PASSWORD, USER_ROLES, USER_UNIT = (
    "用户名", "姓名", "初始密码", "角色", "所属单位编码")
USER_COLUMNS = (USER_NAME, USER_DISPLAY, USER_PASSWORD, USER_ROLES, USER_UNIT)
ROLE_SPLIT_RE = re.compile(r"[,，、;；\s]+")


@dataclass
class CreatedAccount:
    user: User
    password: str
    generated: bool


def import_users(rows: list[Row]) -> tuple[ImportReport, list[CreatedAccount]]:
    """Create accounts (system administrator). Roles in the file are granted separately by
    the security administrator (:func:`import_grants`): 三员分立 keeps the two apart."""
    report = ImportReport(rows=rows)
    taken = set(db.session.scalars(select(User.username)))
    seen: dict[str, int] = {}
    good: list[tuple[Row, str, str, str]] = []
    for row in rows:
        username, display = row.get(USER_NAME), row.get(USER_DISPLAY)
        password = row.get(USER_PASSWORD)
        ok = True
        if not username:
            report.add(row, USER_NAME, _("Required."))
            ok = False
        elif not USERNAME_RE.match(username):
            report.add(row, USER_NAME, _("Use 2-64 letters, digits, '.', '_', '-' or '@'."))
            ok = False
        elif username in seen:
            report.add(row, USER_NAME, _("%(name)s is also on row %(row)d.",
                                         name=username, row=seen[username]))
            ok = False
        elif username in taken:
            report.add(row, USER_NAME, _("The username %(name)s is taken.", name=username))
            ok = False
        if username and username not in seen:
            seen[username] = row.number
        try:
            display = check_display_name(display)
        except AccountError as exc:
            report.add(row, USER_DISPLAY, str(exc))
            ok = False
        if password:
            problems = password_problems(password, username=username)
            if problems:
                report.add(row, USER_PASSWORD, " ".join(str(p) for p in problems))
                ok = False
        if ok:
            good.append((row, username, display, password))
    if not report.ok:
        return report, []
    created = []
    for _row, username, display, password in good:
        generated = not password
        password = password or generate_password()
        created.append(CreatedAccount(
            create_user(username=username, display_name=display, password=password),
            password, generated))
    return report, created


@dataclass
class GrantPlan:
    row: Row
    user: User
    roles: list[Role] = field(default_factory=list)
    unit: OrgUnit | None = None


def import_grants(rows: list[Row], *, actor: User) -> tuple[ImportReport, int]:
    """Grant the 角色 of each row over 所属单位编码 (empty: whole bureau) to existing users
    (security administrator). Returns the report and the number of new grants."""
    report = ImportReport(rows=rows)
    users = {user.username: user for user in db.session.scalars(select(User))}
    roles = list(db.session.scalars(select(Role)))
    by_key = {role.key: role for role in roles}
    by_title = {role.title: role for role in roles}
    units = {unit.code: unit for unit in db.session.scalars(select(OrgUnit))}
    # What each user would hold after the rows so far: the 三员分立 check runs over the file.
    holding: dict[int, list[Role]] = {}
    plans: list[GrantPlan] = []
    for row in rows:
        username, role_text, unit_code = row.get(USER_NAME), row.get(USER_ROLES), row.get(USER_UNIT)
        user = users.get(username)
        ok = True
        if not username:
            report.add(row, USER_NAME, _("Required."))
            ok = False
        elif user is None:
            report.add(row, USER_NAME, _("No user is called %(name)s; the system administrator "
                                         "creates accounts first.", name=username))
            ok = False
        elif user.id == actor.id:
            report.add(row, USER_NAME, _("You cannot change your own roles."))
            ok = False
        unit = None
        if unit_code:
            unit = units.get(unit_code)
            if unit is None:
                report.add(row, USER_UNIT, _("No unit has the code %(code)s.", code=unit_code))
                ok = False
        wanted: list[Role] = []
        for text in (t for t in ROLE_SPLIT_RE.split(role_text) if t):
            role = by_key.get(text) or by_title.get(text)
            if role is None:
                report.add(row, USER_ROLES, _("Unknown role %(role)s.", role=text))
                ok = False
            else:
                wanted.append(role)
        if not role_text:
            report.add(row, USER_ROLES, _("Required."))
            ok = False
        if not ok:
            continue
        held = holding.setdefault(user.id, [a.role for a in assignments_of(user)])
        plan = GrantPlan(row, user, unit=unit)
        for role in wanted:
            try:
                check_grant(user, role, unit, held)
            except RoleConflict as exc:
                report.add(row, USER_UNIT if exc.field == "org_unit" else USER_ROLES, str(exc))
                continue
            held.append(role)
            plan.roles.append(role)
        plans.append(plan)
    if not report.ok:
        return report, []
    existing = {tuple(r) for r in db.session.execute(
        select(RoleAssignment.user_id, RoleAssignment.role_id, RoleAssignment.org_unit_id))}
    granted = 0
    for plan in plans:
        for role in plan.roles:
            key = (plan.user.id, role.id, plan.unit.id if plan.unit else None)
            if key in existing:
                continue  # importing the same file twice grants nothing twice
            assign_role(plan.user, role, plan.unit, actor=actor.username)
            existing.add(key)
            granted += 1
    return report, granted

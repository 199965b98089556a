"""Who may see and change the places registry (core namespace: the module is always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.access.permissions import Permission, RoleTemplate

VIEW = "core.places.view"
MANAGE = "core.places.manage"
# The system administrator keeps the registry next to the org units. Its role may hold only
# administrator permissions (三员分立) and business roles none, so it is let in through the
# org-unit permission rather than given core.places.manage.
ORGUNIT_MANAGE = "core.orgunit.manage"

#: Any one of these opens the list; any one of MANAGE_ANY allows changes.
VIEW_ANY = (VIEW, MANAGE, ORGUNIT_MANAGE)
MANAGE_ANY = (MANAGE, ORGUNIT_MANAGE)

PERMISSIONS = [
    Permission(VIEW, _l("See the places registry (villages, communities, schools, "
                        "enterprises)")),
    Permission(MANAGE, _l("Add, edit, import and deactivate places")),
]

ROLE_TEMPLATES = [
    RoleTemplate("staff", _l("Staff"), (VIEW,)),
    RoleTemplate("leader", _l("Bureau leader"), (VIEW, MANAGE)),
]

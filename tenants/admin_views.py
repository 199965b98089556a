"""A tenant's module and settings administration, under /t/<tenant>/admin/."""

from flask import Blueprint

bp = Blueprint("tenants_admin", __name__, url_prefix="/t/<tenant>/admin",
               template_folder="templates")


def nav_items(tenant, user) -> list:
    return []

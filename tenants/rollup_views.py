"""A parent tenant's view of its subordinate tenants, at /t/<tenant>/subordinates."""

from flask import Blueprint

bp = Blueprint("tenants_rollup", __name__, url_prefix="/t/<tenant>/subordinates",
               template_folder="templates")


def nav_items(tenant, user) -> list:
    return []

"""The operators' console pages of the tenant lifecycle, under /platform/."""

from flask import Blueprint

bp = Blueprint("tenants_platform", __name__, url_prefix="/platform",
               template_folder="templates")


def platform_nav_items() -> list:
    return []

"""Self-provisioning at /signup."""

from flask import Blueprint

bp = Blueprint("signup", __name__, url_prefix="/signup", template_folder="templates")

"""A plugin whose blueprint is not named after the plugin."""

from flask import Blueprint

from core.sdk import PluginInfo, hookimpl

NAME = "kit_misnamed_bp"

plugin_info = PluginInfo(name=NAME, title="Kit Misnamed Blueprint")


@hookimpl
def register_blueprints(app):
    bp = Blueprint("kit_somebody_else", __name__)

    @bp.route("/")
    def index():
        return "should never be served"

    return [bp]

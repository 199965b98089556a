"""Print-ready documents: plugins register templates, core prints them on A4."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="documents",
    title=_l("Documents"),
    description=_l("Print-ready documents of the service lines, with the document number."),
    vendor="Fatong",
    always_on=True,
)


@hookimpl
def register_blueprints(app: Any) -> list:
    from core.documents.views import assets, bp

    return [bp, assets]

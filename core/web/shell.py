"""What every page's template gets: the tenant, its navigation and the asset URLs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.routing import BuildError

from core.tenancy.web import current_hooks


@dataclass(frozen=True)
class NavLink:
    title: Any
    url: str
    icon: str
    active: bool
    group: Any = None


def navigation() -> list[NavLink]:
    """The side menu: ``nav_items`` of the tenant's enabled plugins, by weight."""
    if g.get("tenant") is None or not current_user.is_authenticated:
        return []
    items = [item for batch in current_hooks().nav_items(tenant=g.tenant, user=current_user)
             for item in (batch or [])]
    items.sort(key=lambda item: (item.weight, str(item.title)))
    built: list[tuple[Any, str]] = []
    for item in items:
        try:
            built.append((item, url_for(item.endpoint, **item.url_values)))
        except BuildError:
            continue  # a plugin naming an endpoint it does not have must not break the page
    # The active entry: the page's own endpoint, else the entry whose URL is the longest
    # prefix of the page's path (a case page under "cases/"), else one of the page's
    # blueprint when it has a single entry. A line with several entries lights only one.
    current_blueprint = (request.endpoint or "").rsplit(".", 1)[0]
    exact = {url for item, url in built if item.endpoint == request.endpoint}
    prefixed = [url for item, url in built if item.endpoint != "home.index"
                and request.path.startswith(url)]
    same_blueprint = [url for item, url in built if item.endpoint != "home.index"
                      and item.endpoint.rsplit(".", 1)[0] == current_blueprint]
    if exact:
        active_url = next(iter(exact))
    elif prefixed:
        active_url = max(prefixed, key=len)
    elif len(same_blueprint) == 1:
        active_url = same_blueprint[0]
    else:
        active_url = None
    links = [NavLink(title=item.title, url=url, icon=item.icon, active=url == active_url,
                     group=item.group) for item, url in built]
    return links


def html_lang() -> str:
    """The page language as a BCP 47 tag for ``<html lang>``: zh_CN becomes ``zh-CN``.

    Language and territory only: browsers and screen readers expect ``zh-CN``, not Babel's
    ``zh_Hans_CN``.
    """
    locale = get_locale()
    if locale is None:
        return "zh-CN"
    return "-".join(part for part in (locale.language, locale.territory) if part)


def init_shell(app: Flask) -> None:
    @app.context_processor
    def _shell_context() -> dict[str, Any]:
        return {"current_tenant": g.get("tenant"), "navigation": navigation,
                "html_lang": html_lang()}

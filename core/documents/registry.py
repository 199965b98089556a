"""The deployment's print-ready documents, collected from the ``document_templates`` hook.

Collected once per app (at start-up when ``build_registry`` is called from the app factory,
else on first use). A template whose key is not ``<owner>.<document>`` or is taken already
is refused with a logged error; the plugin's other documents still count.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from flask import Flask, current_app

from core.plugins.contributions import DocumentTemplate
from core.plugins.manager import PluginManager

log = logging.getLogger(__name__)

EXTENSION = "fatong.documents"
# <owner>.<document>[.<more>]: lower-case words; the key is one URL segment.
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class RegisteredDocument:
    """A document template and the plugin that registered it (whose enablement gates it)."""

    owner: str
    template: DocumentTemplate


@dataclass
class DocumentRegistry:
    documents: dict[str, RegisteredDocument] = field(default_factory=dict)
    #: (plugin, reason) for every template refused, for diagnostics and tests.
    refused: list[tuple[str, str]] = field(default_factory=list)

    def add(self, owner: str, template: object) -> None:
        problem = self._problem(owner, template)
        if problem:
            log.error("document template of plugin %s refused: %s", owner, problem)
            self.refused.append((owner, problem))
            return
        assert isinstance(template, DocumentTemplate)
        self.documents[template.key] = RegisteredDocument(owner, template)

    def _problem(self, owner: str, template: object) -> str:
        if not isinstance(template, DocumentTemplate):
            return f"{template!r} is not a DocumentTemplate"
        key = template.key
        if not isinstance(key, str) or not KEY_RE.match(key):
            return f"key {key!r} must be dotted lower-case words"
        if not key.startswith(f"{owner}."):
            return f"key {key!r} must start with {owner + '.'!r}"
        if key in self.documents:
            return f"key {key!r} is registered twice"
        if not callable(template.load):
            return f"load of {key!r} is not callable"
        if not template.template or not template.permission:
            return f"{key!r} needs a template and a permission"
        return ""


def build_registry(app: Flask, manager: PluginManager) -> DocumentRegistry:
    """Ask every loaded plugin for its documents (a plugin whose hook raises is taken out)."""
    registry = DocumentRegistry()
    for name, templates in manager.call_each("document_templates"):
        for template in templates or []:
            registry.add(name, template)
    app.extensions[EXTENSION] = registry
    return registry


def document_registry() -> DocumentRegistry:
    registry = current_app.extensions.get(EXTENSION)
    if registry is None:
        # The app factory may not build it (apps of older cores, some test apps): build now.
        registry = build_registry(current_app, current_app.extensions["fatong.plugins"])
    return registry

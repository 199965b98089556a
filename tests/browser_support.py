"""Serving an app over real HTTP and driving Debian's Chromium (moved to core.testing)."""

from core.testing.browser import CHROMIUM, CHROMIUM_ARGS, chromium_page, serve, unavailable

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "chromium_page", "serve", "unavailable"]

"""Fatong (法通) core: tenants, users, plugins and the shell the service lines plug into."""

__version__ = "0.1.0"


def create_app(config=None):
    """Create the Flask application (see core.app.create_app)."""
    from core.app import create_app as _create_app

    return _create_app(config)

"""pluggy markers of the ``fatong`` project."""

import pluggy

PROJECT_NAME = "fatong"
ENTRY_POINT_GROUP = "fatong.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

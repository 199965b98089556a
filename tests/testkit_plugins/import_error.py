"""A plugin whose import raises (loaded through a simulated entry point)."""

raise RuntimeError("kit_import_error explodes on import")

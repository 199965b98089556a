"""Built-in module: org units, roles and user accounts (the administrators' consoles)."""

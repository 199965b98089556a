"""Built-in module: the tenant's workbench (工作台), the page after login."""

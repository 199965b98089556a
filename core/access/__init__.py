"""Access control: permissions contributed by plugins, tenant roles, org-unit scoped grants."""

"""The hotline's permission names (declared in plugin.py), ``hotline.<object>.<action>``."""

CALL_VIEW = "hotline.call.view"  # calls of the org units in the user's scope
CALL_CREATE = "hotline.call.create"  # record calls and their callbacks (话务员)
CALL_REFER = "hotline.call.refer"  # hand a call to legal aid or mediation (转介)
CATEGORY_MANAGE = "hotline.category.manage"
STATS_VIEW = "hotline.stats.view"

# Registering a caller in the people registry is the registry's own right.
PERSON_VIEW = "core.person.view"
PERSON_EDIT = "core.person.edit"

"""Placeholder: the area registers its case actions here."""

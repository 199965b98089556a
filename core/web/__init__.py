"""The shell every page shares: landing page, navigation, error pages, translations."""

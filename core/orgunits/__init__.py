"""Org units: the tree of a bureau (sections, 司法所 stations, centres, firms, committees)."""

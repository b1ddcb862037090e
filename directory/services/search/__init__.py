"""Nearby search: the listing rule, counting, paging, query parsing and the answer cache."""

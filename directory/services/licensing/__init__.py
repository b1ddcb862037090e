"""Licensing: decisions, checks, jurisdiction rules, board rosters, expiry and their mail."""

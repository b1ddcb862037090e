"""Accounts: sign-up, passwords and their policy, API tokens."""

"""Accounts: sign-up, passwords and their policy, API tokens, a patient's own data (export, closing)."""

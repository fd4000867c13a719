"""Accounts, roles and passwords."""

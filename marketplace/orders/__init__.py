"""Carts, checkouts and per-stall orders."""

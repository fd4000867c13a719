"""Chợ Phiên: the composition layer (app, accounts, stalls, orders, views)."""

"""Thin blueprints: parse the request, call services, render."""

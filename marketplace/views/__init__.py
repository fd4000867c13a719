"""Thin blueprints: parse the request, call services, render."""

from __future__ import annotations

from flask import Blueprint


def BLUEPRINTS() -> list[Blueprint]:
    """Return every view blueprint (imported lazily so models load first)."""
    from marketplace.views import account, admin, api, public, seller, seller_import, storefront

    return [storefront.bp, account.bp, admin.bp, public.bp, api.bp, seller.bp, seller_import.bp]

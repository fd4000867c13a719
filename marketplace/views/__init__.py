"""Thin blueprints: parse the request, call services, render."""

from __future__ import annotations

from flask import Blueprint


def BLUEPRINTS() -> list[Blueprint]:
    """Return every view blueprint (imported lazily so models load first)."""
    from marketplace.views import (
        account,
        admin,
        admin_orders,
        api,
        api_search,
        cart,
        checkout,
        orders,
        public,
        qr_codes,
        resolver,
        search,
        seller,
        seller_import,
        seller_lots,
        seller_orders,
        storefront,
        webhooks,
    )

    return [
        storefront.bp,
        account.bp,
        admin.bp,
        public.bp,
        api.bp,
        seller.bp,
        seller_import.bp,
        search.bp,
        api_search.bp,
        cart.bp,
        checkout.bp,
        orders.bp,
        seller_orders.bp,
        admin_orders.bp,
        webhooks.bp,
        resolver.bp,
        qr_codes.bp,
        seller_lots.bp,
    ]

"""Who may use which route: the expectations the security suite checks the URL map against.

Each endpoint must match one of POLICIES (first match wins), or the access matrix test fails:
a new route is only accepted once somebody has decided who may use it.
"""

from __future__ import annotations

import io
from fnmatch import fnmatch

from tests.factories import jpeg_bytes, pdf_bytes
from tests.security.conftest import ROLES
from tests.security.world import World

OK, LOGIN, DENY = "ok", "login", "deny"
EVERYONE = dict.fromkeys(ROLES, OK)
# Who may use what. "deny" is 403 or 404 (never the data); "login" is the login page or 401.
POLICY_KINDS = {
    "public": EVERYONE,
    "account": {**EVERYONE, "anonymous": LOGIN},
    "buyer": {"anonymous": DENY, "shopper": OK, "intruder": DENY, "owner": DENY, "admin": DENY},
    "stall": {"anonymous": LOGIN, "shopper": DENY, "intruder": DENY, "owner": OK, "admin": DENY},
    "admin": {"anonymous": LOGIN, "shopper": DENY, "intruder": DENY, "owner": DENY, "admin": OK},
    "webhook": {},  # signed POSTs only: test_webhooks_need_a_signature
}
# First match wins. Stall routes all carry the stall's slug; a seller route without one is
# the seller's own home (any account may open a stall).
POLICIES = (
    ("webhooks.*", "webhook"),
    ("static", "public"),
    ("media.*", "public"),
    ("i18n.*", "public"),
    ("storefront.*", "public"),
    ("public.*", "public"),
    ("search.*", "public"),
    ("resolver.*", "public"),
    ("qr_codes.*", "public"),
    ("api.*", "public"),
    ("api_search.*", "public"),
    ("cart.*", "public"),
    ("checkout.start", "public"),
    ("checkout.pay", "buyer"),
    ("orders.track", "public"),  # whoever holds the secret link
    ("orders.detail", "buyer"),
    ("orders.history", "account"),
    ("account.profile", "account"),
    ("account.change_password", "account"),
    ("account.*", "public"),  # log in, register, forgot, reset (by token), log out
    ("seller.index", "account"),
    ("seller.apply", "account"),
    ("seller*.*", "stall"),
    ("admin*.*", "admin"),
)


def policy(endpoint: str) -> str | None:
    """Return the policy kind of an endpoint (None when nobody has classified it)."""
    return next((kind for pattern, kind in POLICIES if fnmatch(endpoint, pattern)), None)


def form_data(world: World) -> dict:
    """Return fields that would be valid for most forms of the market, files included."""
    return {
        "name": "Chiếm quyền",
        "sku": "HACK-1",
        "new_sku": "HACK-2",
        "price_vnd": "1000",
        "unit": "kg",
        "stock": "5",
        "amount": "5",
        "quantity": "1",
        "direction": "remove",
        "province_code": "19",
        "status": "hidden",
        "action": "approve",
        "note": "x",
        "kind": "household",
        "phone": "0987654321",
        "email": "hacker@example.com",
        "role": "owner",
        "number": "1/QĐ",
        "issuer": "UBND",
        "issued_on": "2025-01-01",
        "valid_until": "2027-01-01",
        "stars": "5",
        "code": "HACK1",
        "carrier": "x",
        "commission_bp": "0",
        "product_id": str(world.ids["product"]),
        "photos": (io.BytesIO(jpeg_bytes()), "a.jpg"),
        "logo": (io.BytesIO(jpeg_bytes()), "logo.jpg"),
        "document": (io.BytesIO(pdf_bytes()), "c.pdf"),
    }

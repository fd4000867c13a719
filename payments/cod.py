"""Cash on delivery: the courier collects the money and the seller records it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payments.base import ManualProvider, PaymentRequest, PaymentResult
from payments.models import PaymentStatus


class CashOnDelivery(ManualProvider):
    """Nothing to collect online: the order is confirmed unpaid until the seller marks it paid."""

    name = "cod"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CashOnDelivery:
        """Build the provider (it needs no configuration)."""
        return cls()

    def start(self, request: PaymentRequest) -> PaymentResult:
        """Return a pending payment for the courier to collect."""
        return PaymentResult(
            provider=self.name,
            status=PaymentStatus.PENDING,
            display={"amount_vnd": request.amount_vnd, "reference": request.reference},
            amount_vnd=request.amount_vnd,
        )

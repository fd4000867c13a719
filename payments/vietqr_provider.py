"""VietQR bank transfer: show a QR with the exact amount and reference; people confirm receipt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payments.base import ManualProvider, PaymentError, PaymentRequest, PaymentResult
from payments.models import PaymentStatus
from payments.vietqr import bank_name, build_payload, fold_text


class VietQRTransfer(ManualProvider):
    """Pay by NAPAS 247 transfer to the market's (or a stall's) bank account."""

    name = "vietqr"

    def __init__(self, bin_code: str = "", account: str = "", account_name: str = "") -> None:
        self.bin_code = bin_code
        self.account = account
        self.account_name = account_name

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> VietQRTransfer:
        """Build the provider from VIETQR_BANK_BIN, VIETQR_ACCOUNT and VIETQR_ACCOUNT_NAME."""
        return cls(
            str(config.get("VIETQR_BANK_BIN") or ""),
            str(config.get("VIETQR_ACCOUNT") or ""),
            str(config.get("VIETQR_ACCOUNT_NAME") or ""),
        )

    def start(self, request: PaymentRequest) -> PaymentResult:
        """Return a pending payment with the QR payload and the same data as text."""
        # A stall that takes transfers into its own account passes it in the request.
        bin_code = request.metadata.get("vietqr_bin") or self.bin_code
        account = request.metadata.get("vietqr_account") or self.account
        account_name = request.metadata.get("vietqr_account_name") or self.account_name
        if not bin_code or not account:
            raise PaymentError("unavailable")
        memo = fold_text(request.reference)
        try:
            payload = build_payload(bin_code, account, request.amount_vnd, memo)
        except ValueError:
            # A misconfigured account is the market's problem, not something to show the buyer.
            raise PaymentError("unavailable") from None
        return PaymentResult(
            provider=self.name,
            status=PaymentStatus.PENDING,
            display={
                "payload": payload,
                "bank_bin": bin_code,
                "bank_name": bank_name(bin_code) or bin_code,
                "account": account,
                "account_name": account_name,
                "amount_vnd": request.amount_vnd,
                "reference": memo,
            },
            amount_vnd=request.amount_vnd,
        )

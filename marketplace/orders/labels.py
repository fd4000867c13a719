"""Translated names of order states, payment states, methods and service error codes."""

from __future__ import annotations

from flask_babel import gettext as _


def order_labels() -> dict[str, dict[str, str]]:
    """Return the names shown for each order status, payment state, method and delivery."""
    return {
        "status": {
            "placed": _("Placed"),
            "confirmed": _("Confirmed"),
            "packed": _("Packed"),
            "shipped": _("Shipped"),
            "delivered": _("Delivered"),
            "completed": _("Completed"),
            "cancelled": _("Cancelled"),
            "refunded": _("Refunded"),
        },
        # What the button that moves an order into each state says.
        "action": {
            "confirmed": _("Confirm the order"),
            "packed": _("Mark as packed"),
            "shipped": _("Mark as shipped"),
            "delivered": _("Mark as delivered"),
            "completed": _("Mark as completed"),
            "cancelled": _("Cancel the order"),
        },
        "payment": {
            "unpaid": _("Unpaid"),
            "paid": _("Paid"),
            "refunded": _("Refunded"),
        },
        "method": {
            "cod": _("Cash on delivery"),
            "vietqr": _("Bank transfer (VietQR)"),
            "stripe": _("Card (Stripe)"),
        },
        "delivery": {
            "pickup": _("Pick up at the stall"),
            "delivery": _("Delivery to your address"),
        },
    }


def order_error(code: str) -> str:
    """Return the message for an order or payment error code, in the user's language."""
    messages = {
        "bad_transition": _("The order cannot move to this state from where it is now."),
        "tracking_required": _("Enter the carrier and the tracking number to ship."),
        "paid_orders_are_refunded": _("A paid order is refunded, not cancelled."),
        "paid_by_card": _("Card payments are confirmed by Stripe, not by hand."),
        "not_yours_to_confirm": _("You cannot record a payment for this order."),
        "card_declined": _("The card was declined. Please try another card or payment method."),
        "insufficient_funds": _("The card has insufficient funds."),
        "expired_card": _("The card has expired."),
        "processing_error": _("The payment could not be processed. Please try again."),
        "unavailable": _("This payment method is unavailable right now. Please try again later."),
        "not_refundable": _("This payment cannot be refunded."),
        "full_refund_only": _("Only whole orders are refunded: enter the order's full total."),
        "refund_note_required": _("Say how the money went back, e.g. the transfer reference."),
    }
    return messages.get(code, _("Something went wrong."))

"""Payment provider webhooks: verified by the provider, applied once, then to the orders."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request

from marketplace.extensions import csrf, db_session
from marketplace.orders import notify, payment_flow
from payments import services as payments
from payments.base import PaymentError, WebhookRejected

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
MAX_BODY = 512 * 1024  # Stripe events are a few kilobytes


def _answer(status: int, result: str) -> tuple[Response, int]:
    return jsonify({"result": result}), status


@bp.route("/stripe", methods=["POST"])
@csrf.exempt  # Stripe cannot send our CSRF token; its signature proves the sender instead
def stripe() -> tuple[Response, int]:
    """Receive a Stripe event: 400 and no change unless its signature verifies."""
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        return _answer(404, "card payments are not configured")
    if (request.content_length or 0) > MAX_BODY:
        return _answer(400, "too large")
    payload = request.get_data(cache=False)
    try:
        with payment_flow.provider("stripe", config) as provider:
            outcome = provider.handle_webhook(payload, dict(request.headers))
    except WebhookRejected as exc:
        log.warning("Stripe webhook rejected: %s", exc.reason)
        return _answer(400, "rejected")
    except PaymentError:
        return _answer(503, "unavailable")
    session = db_session()
    applied = payments.apply_webhook(session, outcome)
    if applied.duplicate:
        return _answer(200, "duplicate")
    if applied.unknown_payment:
        # Not stored: a non-2xx answer makes Stripe retry once the payment exists.
        log.warning(
            "Stripe event %s for an unknown payment %s", outcome.event_id, outcome.external_id
        )
        return _answer(404, "unknown payment")
    settled = payment_flow.settle(session, applied)
    if settled.paid:
        notify.paid(session, settled.paid)
    if settled.refunded:
        notify.refunded(session, settled.refunded)
    return _answer(200, "applied" if applied.changed else "ignored")

"""Payment fixtures: a real localstripe server, a webhook receiver, checkouts to pay for."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import itertools
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy.orm import Session

from marketplace.orders.models import Checkout, PaymentMethod
from payments.stripe_api import StripeAPI
from payments.stripe_provider import StripeProvider
from tests.factories import make_product, make_stall, make_user

WEBHOOK_SECRET = "whsec_test_cho_phien"
STRIPE_KEY = "sk_test_cho_phien"
WEBHOOK_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "charge.refunded",
)
_seq = itertools.count(1)

# localstripe writes its whole store to /tmp/localstripe.pickle after every POST; other test
# runs share /tmp, so this server keeps its state in memory only.
_SERVER = """
from aiohttp import web
from localstripe.server import app
from localstripe.resources import store
store.dump_to_disk = lambda: None
store.clear()
web.run_app(app, host="127.0.0.1", port={port}, print=None)
"""


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Return a Stripe-Signature header for payload, as Stripe computes it."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), b"%d.%s" % (t, payload), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run a localstripe server on loopback in its own process; yield its base URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("localstripe") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _SERVER.format(port=port)], stdout=log, stderr=log
        )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"localstripe did not start: {log_path.read_text()}")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass
class Delivery:
    """One webhook POST as it arrived: raw body and headers."""

    body: bytes
    headers: dict[str, str]

    @property
    def event(self) -> dict:
        """Return the parsed event (for finding it; the code under test gets the raw body)."""
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """Collects the webhooks localstripe sends."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, event_type: str, object_id: str, timeout: float = 10) -> Delivery:
        """Return the first delivery of event_type about object_id, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for delivery in self.deliveries:
                    obj = delivery.event["data"]["object"]
                    about = {obj.get("id"), obj.get("payment_intent")}
                    if delivery.event["type"] == event_type and object_id in about:
                        return delivery
            time.sleep(0.05)
        raise AssertionError(f"no {event_type} webhook for {object_id}")


@pytest.fixture(scope="session")
def webhooks(localstripe: str) -> Iterator[WebhookReceiver]:
    """Run an HTTP receiver on loopback and register it as localstripe's webhook endpoint."""
    receiver = WebhookReceiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                receiver.deliveries.append(Delivery(body, dict(self.headers.items())))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/webhooks/stripe"
    form = {"url": receiver.url, "secret": WEBHOOK_SECRET}
    form.update({f"events[{i}]": name for i, name in enumerate(WEBHOOK_EVENTS)})
    response = requests.post(f"{localstripe}/_config/webhooks/cho-phien", data=form, timeout=5)
    assert response.status_code == 200, response.text
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def stripe_provider(localstripe: str, webhooks: WebhookReceiver) -> Iterator[StripeProvider]:
    """Return a Stripe provider talking to localstripe, its webhooks registered."""
    provider = StripeProvider(StripeAPI(STRIPE_KEY, api_base=localstripe), WEBHOOK_SECRET)
    yield provider
    provider.api.close()


@pytest.fixture
def make_checkout(db_session: Session) -> Callable[..., Checkout]:
    """Return a function creating a committed checkout to attach payments to."""

    def make(total_vnd: int = 250_000, method: PaymentMethod = PaymentMethod.STRIPE) -> Checkout:
        n = next(_seq)
        checkout = Checkout(
            reference=f"CP{n:06d}",
            idempotency_key=f"idem-{n}-{time.time_ns()}",
            access_hash=hashlib.sha256(f"access-{n}-{time.time_ns()}".encode()).hexdigest(),
            contact_name="Nguyễn Thị Lan",
            phone="0912345678",
            province_code=19,
            payment_method=method,
            total_vnd=total_vnd,
        )
        db_session.add(checkout)
        db_session.commit()
        return checkout

    return make


@pytest.fixture
def card_app(app, localstripe, webhooks):
    """The app with card payments pointed at localstripe (whose webhooks go to `webhooks`)."""
    app.config.update(
        STRIPE_SECRET_KEY=STRIPE_KEY,
        STRIPE_PUBLISHABLE_KEY="pk_test_cho_phien",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=localstripe,
        STRIPE_JS_URL=f"{localstripe}/js.stripe.com/v3/",
    )
    return app


@pytest.fixture
def api(localstripe):
    """Talk to localstripe as Stripe.js would on the buyer's side."""
    client = StripeAPI(STRIPE_KEY, api_base=localstripe)
    yield client
    client.close()


@pytest.fixture
def market(db_session):
    """Two stalls with one product each: tea (250.000 ₫) and pomelo (60.000 ₫), 10 in stock."""
    a = make_stall(db_session, owner=make_user(db_session, email="che@example.com"))
    b = make_stall(db_session, owner=make_user(db_session, email="buoi@example.com"))
    tea = make_product(db_session, a, name="Chè búp", price_vnd=250000, stock=10)
    pomelo = make_product(db_session, b, name="Bưởi", price_vnd=60000, stock=10)
    db_session.commit()
    return a, b, tea, pomelo

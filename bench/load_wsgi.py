"""The market plus a bare Flask "hello" route, served by one gunicorn for bench/load.py.

`/__bench/hello` is a separate, empty Flask app mounted beside the market, so it measures
what gunicorn and Flask alone cost per request on this machine, in the same workers and the
same run as the market's pages: the ceiling the market's figures are read against. It exists
only in this benchmark entry point, never in wsgi.py.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from marketplace.app import create_app

hello = Flask("hello")


@hello.route("/hello")
def say_hello() -> str:
    """Answer with a constant string."""
    return "hello"


market = create_app()
app = DispatcherMiddleware(market, {"/__bench": hello})

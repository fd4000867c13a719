"""CPU time per request, per route, of the loaded market: the figure a busy machine cannot blur.

Wall-clock figures on a shared machine swing with whatever else runs; the CPU time one request
takes in the application process does not (much). This replays the load test's routes one at a
time through Flask's test client (no HTTP, no gunicorn) in this process, on the database and
index named by the environment, and prints the median and mean CPU milliseconds per route,
next to a bare Flask "hello" for scale. PostgreSQL's own CPU is not included.

    DATABASE_URL=… INSTANCE_PATH=… python bench/load_cpu.py --targets targets.json
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_PRODUCT_ID = re.compile(r'name="product_id" value="(\d+)"')
ROUTES = ("hello", "home", "search", "product", "stall", "scan", "cart")


def measure(targets: dict[str, Any], rounds: int) -> dict[str, dict[str, float]]:
    """Return {route: {cpu_p50_ms, cpu_mean_ms}} over `rounds` requests per route."""
    from flask import Flask

    from marketplace.app import create_app

    app = create_app()
    client = app.test_client()
    hello = Flask("hello")
    hello.add_url_rule("/hello", "hello", lambda: "hello")
    hello_client = hello.test_client()
    rng = random.Random(5)

    def path(route: str) -> str:
        if route == "search":
            return "/tim-kiem?" + "&".join(
                f"{k}={v}" for k, v in rng.choice(targets["searches"]).items()
            )
        if route in ("product", "stall", "scan"):
            return rng.choice(targets[f"{route}s"])
        return {"home": "/", "cart": "/cart"}.get(route, "/hello")

    # Like most shoppers of the load test, this one has something in the cart (the header
    # then counts it on every page).
    first = targets["cart_products"][0]
    page = client.get(first).get_data(as_text=True)
    form = {
        "csrf_token": _CSRF.search(page).group(1),
        "product_id": _PRODUCT_ID.search(page).group(1),
    }
    client.post("/cart/add", data={**form, "quantity": "1", "next": first})

    figures = {}
    for route in ROUTES:
        get = hello_client.get if route == "hello" else client.get
        for _warm in range(5):
            get(path(route))
        spent = []
        for _round in range(rounds):
            url = path(route)
            started = time.process_time()
            get(url)
            spent.append(time.process_time() - started)
        figures[route] = {
            "cpu_p50_ms": round(statistics.median(spent) * 1000, 2),
            "cpu_mean_ms": round(statistics.fmean(spent) * 1000, 2),
        }
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    targets = json.loads(args.targets.read_text(encoding="utf-8"))
    print(json.dumps(measure(targets, args.rounds)))

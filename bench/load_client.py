"""The load generator of bench/load.py: virtual shoppers with cookies, in a process of their own.

Each virtual shopper is a closed loop (send, wait for the answer, pick the next action) with
its own cookie jar, so the cart, the CSRF token and the checkout work as in a browser. It
stops by itself at the deadline or after `max_requests`, and prints one JSON summary:
requests per second and p50/p95/p99 latency and errors per route. It imports nothing from
the market: it only speaks HTTP to it.

    python bench/load_client.py --url http://127.0.0.1:8000 --targets t.json --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

# The shopper's next action and how often it is chosen: mostly reading, some buying.
MIX = {
    "home": 10,
    "search": 25,
    "product": 22,
    "stall": 10,
    "scan": 15,
    "cart_add": 9,
    "cart": 5,
    "checkout": 4,
}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_PRODUCT_ID = re.compile(r'name="product_id" value="(\d+)"')
_IDEMPOTENCY = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"')


@dataclass
class Stats:
    """Latencies and failures per route."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, str] = field(default_factory=dict)
    count: int = 0

    def record(self, route: str, seconds: float, ok: bool, detail: str = "") -> None:
        """Count one request."""
        self.count += 1
        self.latencies[route].append(seconds)
        if not ok:
            self.errors[route] += 1
            self.samples.setdefault(route, detail[:300])


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(stats: Stats, elapsed: float) -> dict[str, Any]:
    """Return requests/s, latency percentiles (ms) and errors, per route and in all."""

    def line(values: list[float], errors: int) -> dict[str, Any]:
        return {
            "requests": len(values),
            "rps": round(len(values) / elapsed, 1),
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "mean_ms": round(statistics.fmean(values) * 1000, 1),
            "errors": errors,
        }

    routes = {r: line(v, stats.errors.get(r, 0)) for r, v in sorted(stats.latencies.items()) if v}
    every = [s for values in stats.latencies.values() for s in values]
    total = line(every, sum(stats.errors.values())) if every else {}
    return {
        "elapsed_s": round(elapsed, 1),
        "total": total,
        "routes": routes,
        "samples": stats.samples,
    }


class Shopper:
    """One virtual shopper: a cookie jar, the last CSRF token seen, and a cart."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: str,
        targets: dict,
        stats: Stats,
        rng: random.Random,
    ) -> None:
        self.http, self.base, self.targets, self.stats, self.rng = http, base, targets, stats, rng
        self.csrf = ""
        self.in_cart = 0

    async def request(
        self, route: str, method: str, path: str, expect: tuple[int, ...] = (200,), **kw: Any
    ) -> str:
        """Send one request, time it to the last byte, and record it."""
        started = time.perf_counter()
        try:
            async with self.http.request(
                method, self.base + path, allow_redirects=False, **kw
            ) as response:
                body = await response.text()
                ok = response.status in expect
                detail = (
                    f"{method} {path} -> {response.status} {response.headers.get('Location', '')}"
                )
        except (TimeoutError, aiohttp.ClientError) as exc:
            body, ok, detail = "", False, f"{method} {path} -> {type(exc).__name__}: {exc}"
        self.stats.record(route, time.perf_counter() - started, ok, detail)
        if ok and (token := _CSRF.search(body)):
            self.csrf = token.group(1)
        return body if ok else ""

    async def act(self, action: str) -> None:
        """Perform one action of the mix."""
        t, pick = self.targets, self.rng.choice
        if action == "home":
            await self.request("home", "GET", "/")
        elif action == "search":
            await self.request("search", "GET", "/tim-kiem", params=pick(t["searches"]))
        elif action == "product":
            await self.request("product", "GET", pick(t["products"]))
        elif action == "stall":
            await self.request("stall", "GET", pick(t["stalls"]))
        elif action == "scan":
            await self.scan(pick(t["scans"]))
        elif action == "cart_add":
            await self.add_to_cart(pick(t["cart_products"]))
        elif action == "cart":
            await self.request("cart", "GET", "/cart")
        elif action == "checkout" and self.in_cart:
            await self.checkout()

    async def scan(self, path: str) -> None:
        """Open a label's link as a phone camera would: follow the resolver to the page."""
        for _hop in range(3):
            started = time.perf_counter()
            try:
                async with self.http.get(self.base + path, allow_redirects=False) as response:
                    await response.read()
                    status, location = response.status, response.headers.get("Location", "")
            except (TimeoutError, aiohttp.ClientError) as exc:
                self.stats.record("scan", time.perf_counter() - started, False, f"{path}: {exc}")
                return
            ok = status == 200 or (status in (301, 302, 303, 307, 308) and location)
            self.stats.record(
                "scan", time.perf_counter() - started, bool(ok), f"GET {path} -> {status}"
            )
            if status not in (301, 302, 303, 307, 308):
                return
            path = location.removeprefix(self.base)

    async def add_to_cart(self, product_path: str) -> None:
        """Open a product page (for its form) and add one to the cart."""
        page = await self.request("product", "GET", product_path)
        found = _PRODUCT_ID.search(page)
        if not found or not self.csrf:
            return
        form = {
            "csrf_token": self.csrf,
            "product_id": found.group(1),
            "quantity": "1",
            "next": product_path,
        }
        before = self.stats.errors.get("cart_add", 0)
        await self.request("cart_add", "POST", "/cart/add", expect=(302, 303), data=form)
        if self.stats.errors.get("cart_add", 0) == before:
            self.in_cart += 1

    async def checkout(self) -> None:
        """Fill the checkout form and place the order, cash on delivery."""
        page = await self.request("checkout_form", "GET", "/checkout/")
        key = _IDEMPOTENCY.search(page)
        if not key:
            return
        form = {**self.targets["buyer"], "csrf_token": self.csrf, "idempotency_key": key.group(1)}
        form.update(payment_method="cod", action="place")
        before = self.stats.errors.get("checkout_place", 0)
        await self.request("checkout_place", "POST", "/checkout/", expect=(302, 303), data=form)
        if self.stats.errors.get("checkout_place", 0) == before:
            self.in_cart = 0

    async def run(
        self, deadline: float, budget: list[int], actions: list[str], weights: list[int]
    ) -> None:
        """Act until the deadline or until the shared request budget is spent."""
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            await self.act(self.rng.choices(actions, weights)[0])


async def hello_loop(
    http: aiohttp.ClientSession, base: str, stats: Stats, deadline: float, budget: list[int]
) -> None:
    """Ask the bare Flask route, as fast as it answers."""
    shopper = Shopper(http, base, {}, stats, random.Random())
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        await shopper.request("hello", "GET", "/__bench/hello")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Run the virtual shoppers (or the hello loop) and return the summary."""
    targets = json.loads(Path(args.targets).read_text(encoding="utf-8")) if args.targets else {}
    stats = Stats()
    budget = [args.max_requests]
    timeout = aiohttp.ClientTimeout(total=10)
    started = time.monotonic()
    deadline = started + args.duration
    sessions = []
    tasks = []
    for n in range(args.users):
        # One connection per shopper, kept alive, and a cookie jar that accepts 127.0.0.1.
        http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1),
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=timeout,
        )
        sessions.append(http)
        if args.hello:
            tasks.append(hello_loop(http, args.url, stats, deadline, budget))
        else:
            shopper = Shopper(http, args.url, targets, stats, random.Random(args.seed + n))
            tasks.append(shopper.run(deadline, budget, list(MIX), list(MIX.values())))
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    for http in sessions:
        await http.close()
    return summary(stats, elapsed)


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the market, e.g. http://127.0.0.1:8000")
    parser.add_argument("--targets", help="JSON file of paths to visit (written by bench/load.py)")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=8, help="concurrent virtual shoppers")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hello", action="store_true", help="only the bare Flask route")
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args()))))

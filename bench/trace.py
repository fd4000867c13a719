"""Traceability benchmark: the provenance page against a bare Flask "hello", one server, one run.

    .venv/bin/python bench/trace.py [--seconds 8] [--clients 8] [--database-url URL]

Builds a demo market in a temporary database (SQLite unless --database-url names a
PostgreSQL database, whose public schema is then replaced), gives one demo lot a GTIN and a
journey of events, serves the market with gunicorn on 127.0.0.1, and mounts beside it a
separate, empty Flask app answering "hello" (the same workers, the same run). A thread pool of
keep-alive http.client connections then sends requests for a fixed time to each target in
turn. It prints requests/s for both and their ratio (goal: the page at >= 50% of hello), the
page's size, whether a repeat request with its ETag is answered 304 (and still counted as a
scan), and the time to render 1,000 labels. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HELLO = "/__bench/hello"
FLOOR = "/.well-known/gs1resolver"  # the cheapest route of the market app: its own overhead
SECRET = "bench-secret"  # noqa: S105 -- a throwaway database


def wsgi_app():
    """Return the market with a bare Flask app at /__bench (gunicorn's app factory)."""
    from flask import Flask
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from marketplace.app import create_app

    hello = Flask("hello")
    hello.add_url_rule("/hello", "hello", lambda: "hello")
    return DispatcherMiddleware(create_app(), {"/__bench": hello})


def prepare(url: str, instance: Path) -> str:
    """Load the demo market, give a lot a GTIN and events; return the lot's page path."""
    from sqlalchemy import select

    from catalog.gtin import check_digit, normalise_gtin
    from catalog.models import Product
    from marketplace import demo, migrate, trace_links
    from marketplace.app import create_app
    from marketplace.extensions import get_database
    from marketplace.media import get_storage
    from traceability import services as trace
    from traceability.models import Lot

    if url.startswith("postgresql"):
        from tests.conftest import reset_postgres_schema

        reset_postgres_schema(url)
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET})
    with app.app_context(), get_database(app).new_session() as session:
        demo.load(session, get_storage())
        lot = session.scalars(select(Lot).order_by(Lot.id)).first()
        product = session.get(Product, lot.product_id)
        body = "893456789012"  # a Vietnamese (893) GTIN-13
        product.gtin = normalise_gtin(body + str(check_digit(body)))
        day = date.today() - timedelta(days=20)
        add = trace.add_event
        add(session, lot, "harvest", event_time=day, details={"quantity": 300, "unit": "kg"})
        add(
            session,
            lot,
            "input",
            event_time=day - timedelta(days=12),
            details={
                "input_type": "pesticide",
                "product": "Chế phẩm sinh học Bt",
                "dose": 2.5,
                "dose_unit": "ml/bình 16 l",
                "phi_days": 7,
            },
        )
        add(
            session,
            lot,
            "processing",
            event_time=day + timedelta(days=1),
            details={"process": "Sao chè bằng chảo gang", "quantity": 60, "unit": "kg"},
        )
        add(
            session,
            lot,
            "packing",
            event_time=day + timedelta(days=2),
            details={"package": "hộp 500 g", "count": 120},
        )
        add(
            session,
            lot,
            "inspection",
            event_time=day + timedelta(days=3),
            details={"result": "Đạt, không phát hiện dư lượng", "inspector": "Quatest 1"},
        )
        session.flush()
        link = trace_links.lot_trace_url(session, lot, product.gtin, "http://127.0.0.1")
        session.commit()
    return link.removeprefix("http://127.0.0.1")


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    """Start gunicorn (threaded workers, so keep-alive connections stay open)."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(REPO),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--keep-alive",
        "30",
        "bench.trace:wsgi_app()",
    ]
    process = subprocess.Popen(command, env=env)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def get(port: int, path: str, headers: dict[str, str] | None = None):
    """Send one request on a new connection; return (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


def load(port: int, path: str, seconds: float, clients: int) -> tuple[float, int, int]:
    """Send requests from `clients` keep-alive connections for `seconds`.

    Return requests/s, the number answered 200 and the number of errors.
    """
    done = [0] * clients
    errors = [0] * clients
    deadline = time.perf_counter() + seconds
    headers = {"User-Agent": "bench/trace", "Accept": "text/html"}

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < deadline:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            done[i] += ok
            errors[i] += not ok
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(done) / (time.perf_counter() - started), sum(done), sum(errors)


def scans(port: int, path: str) -> int:
    """Return the lot's scan count from its JSON record (reading JSON is not a scan)."""
    import json

    status, _, body = get(port, path, {"Accept": "application/json"})
    return json.loads(body)["lot"]["scans"] if status == 200 else -1


def label_timing() -> tuple[float, float]:
    """Return seconds to render 1,000 labels: all different (units), and all one lot."""
    from traceability.gs1 import build_digital_link
    from traceability.labels import LabelData, render_labels

    def sheet(distinct: bool) -> list[LabelData]:
        labels = []
        for i in range(1000):
            serial = f"S{i:05d}xQ7mB2kLp" if distinct else None
            url = build_digital_link("https://chophien.vn", "8934567890120", "TC2510-01", serial)
            labels.append(LabelData(url, "Chè búp đặc biệt Tân Cương", "TC2510-01", 5, url[8:]))
        return labels

    timings = []
    for distinct in (True, False):
        labels = sheet(distinct)
        started = time.perf_counter()
        render_labels(labels, "medium", lot_caption="Lô")
        timings.append(time.perf_counter() - started)
    return timings[0], timings[1]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-trace-") as tmp:
        instance = Path(tmp)
        url = args.database_url or f"sqlite:///{instance / 'bench.db'}"
        print(f"database: {url.split('@')[-1]}")
        page = prepare(url, instance)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": SECRET,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
        server = serve(env, port, args.workers, args.threads)
        try:
            report(port, page, args)
        finally:
            server.terminate()
            server.wait(timeout=30)
    distinct, same = label_timing()
    print(
        f"1,000 labels to PDF (medium sheet): {distinct:.2f} s all different, "
        f"{same:.2f} s one lot (goal <= 10 s)"
    )


def report(port: int, page: str, args: argparse.Namespace) -> None:
    """Measure and print the server figures."""
    status, headers, body = get(port, page)
    print(
        f"page: {page} -> {status}, {len(body):,} bytes of HTML (goal <= 30 KB), "
        f"Cache-Control: {headers.get('Cache-Control')}"
    )
    settle = 1.5  # scans are written behind within a second
    time.sleep(settle)
    before = scans(port, page)
    repeat, _, _ = get(port, page, {"If-None-Match": headers.get("ETag", "")})
    time.sleep(settle)
    after = scans(port, page)
    print(
        f"repeat with If-None-Match {headers.get('ETag')}: {repeat}; "
        f"scans {before} -> {after} (the 304 was counted: {after == before + 1})"
    )
    load(port, HELLO, 1.0, args.clients)  # warm both up
    load(port, page, 1.0, args.clients)
    time.sleep(settle)
    counted = scans(port, page)
    hello_rps, page_rps, floor_rps, errors, sent = [], [], [], 0, 0
    for _ in range(args.rounds):
        rps, _ok, e1 = load(port, HELLO, args.seconds, args.clients)
        hello_rps.append(rps)
        rps, ok, e2 = load(port, page, args.seconds, args.clients)
        page_rps.append(rps)
        rps, _ok, e3 = load(port, FLOOR, args.seconds, args.clients)
        floor_rps.append(rps)
        errors, sent = errors + e1 + e2 + e3, sent + ok
    hello, provenance, floor = (statistics.median(r) for r in (hello_rps, page_rps, floor_rps))
    print(
        f"gunicorn gthread {args.workers} workers x {args.threads} threads, "
        f"{args.clients} keep-alive clients, {args.rounds} x {args.seconds:g} s per target"
    )
    rounds = ", ".join(f"{r:.0f}" for r in hello_rps)
    print(f"bare Flask hello:  {hello:8.0f} req/s  (rounds: {rounds})")
    rounds = ", ".join(f"{r:.0f}" for r in page_rps)
    print(f"provenance page:   {provenance:8.0f} req/s  (rounds: {rounds})")
    rounds = ", ".join(f"{r:.0f}" for r in floor_rps)
    print(f"market JSON route: {floor:8.0f} req/s  (rounds: {rounds}; {FLOOR}, no database)")
    print(f"ratio page/hello (medians): {provenance / hello:.0%} (goal >= 50%); errors: {errors}")
    print(f"load average during the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    time.sleep(settle)
    print(f"pages served during the runs: {sent:,}; scans counted: {scans(port, page) - counted:,}")


if __name__ == "__main__":
    main()

"""Traceability benchmark: the provenance page against a bare Flask "hello", one server, one run.

    .venv/bin/python bench/trace.py [--seconds 8] [--clients 8] [--database-url URL]
    .venv/bin/python bench/trace.py --labels-only

Builds a demo market in a temporary database (SQLite unless --database-url names a
PostgreSQL database, whose public schema is then replaced), gives one demo lot a GTIN and a
journey of events, serves the market with gunicorn on 127.0.0.1, and mounts beside it a
separate, empty Flask app answering "hello" (the same workers, the same run). A thread pool of
keep-alive http.client connections then sends requests for a fixed time to each target, the
targets taking turns every half second. It prints requests/s for both and their ratio (goal:
the page at >= 50% of hello), the page's size, whether a repeat request with its ETag is
answered 304 (and still counted as a scan), and the time to render 1,000 labels (wall and
CPU, three rounds: per-unit serial codes, then one lot's code). It prints figures and asserts
nothing.
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


def fetch(
    conn: http.client.HTTPConnection, port: int, path: str, headers: dict[str, str]
) -> tuple[http.client.HTTPConnection, bool]:
    """GET `path` on a kept-alive connection; return the connection to reuse and if it was a 200."""
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return conn, response.status == 200
    except (OSError, http.client.HTTPException):
        conn.close()  # a broken connection is replaced, and the request counts as an error
        return http.client.HTTPConnection("127.0.0.1", port, timeout=10), False


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
            conn, ok = fetch(conn, port, path, headers)
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


def interleaved(
    port: int, paths: list[str], seconds: float, clients: int, turn: float = 0.5
) -> list[tuple[float, int, int]]:
    """Give each path `seconds` of traffic, switching path every `turn` seconds.

    Whatever else runs on a shared machine then weighs on every target alike, which a block of
    seconds per target in turn does not ensure. Return (requests/s, answered 200, errors) per path.
    """
    turns = max(1, round(seconds / turn))
    done = [[0] * len(paths) for _ in range(clients)]
    errors = [[0] * len(paths) for _ in range(clients)]
    headers = {"User-Agent": "bench/trace", "Accept": "text/html"}
    started = time.perf_counter()
    deadline = started + turns * turn * len(paths)

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while (now := time.perf_counter()) < deadline:
            target = int((now - started) / turn) % len(paths)
            conn, ok = fetch(conn, port, paths[target], headers)
            done[i][target] += ok
            errors[i][target] += not ok
        conn.close()

    pool = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    share = turns * turn  # each path's share of the wall-clock time
    return [
        (sum(d[t] for d in done) / share, sum(d[t] for d in done), sum(e[t] for e in errors))
        for t in range(len(paths))
    ]


def scans(port: int, path: str) -> int:
    """Return the lot's scan count from its JSON record (reading JSON is not a scan)."""
    import json

    status, _, body = get(port, path, {"Accept": "application/json"})
    return json.loads(body)["lot"]["scans"] if status == 200 else -1


def label_timing(rounds: int = 3) -> dict[str, list[tuple[float, float]]]:
    """Render 1,000 labels (unit serials, then one lot) `rounds` times: (wall s, CPU s) each."""
    import secrets

    from traceability.gs1 import build_digital_link
    from traceability.labels import LabelData, render_labels

    def sheet(distinct: bool) -> list[LabelData]:
        labels = []
        for _ in range(1000):
            # 16-character serials, as traceability.scans issues them.
            serial = secrets.token_urlsafe(12) if distinct else None
            url = build_digital_link("https://chophien.vn", "8934567890120", "TC2510-01", serial)
            labels.append(LabelData(url, "Chè búp đặc biệt Tân Cương", "TC2510-01", 5, url[8:]))
        return labels

    timings: dict[str, list[tuple[float, float]]] = {"unit serials": [], "one lot": []}
    for _ in range(rounds):
        for name, distinct in (("unit serials", True), ("one lot", False)):
            labels = sheet(distinct)  # new serials each round: nothing cached between rounds
            wall, cpu = time.perf_counter(), time.process_time()
            render_labels(labels, "medium", lot_caption="Lô")
            timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return timings


def report_labels() -> None:
    """Print the label timings with the load average they were taken under."""
    before = os.getloadavg()[0]
    timings = label_timing()
    after = os.getloadavg()[0]
    print("1,000 labels to PDF (medium sheet, 48 pages; goal <= 10 s):")
    for name, runs in timings.items():
        walls = ", ".join(f"{wall:.2f}" for wall, _ in runs)
        cpus = ", ".join(f"{cpu:.2f}" for _, cpu in runs)
        print(f"  {name:12s} wall s: {walls}  (CPU s: {cpus})")
    print(f"  load average (1 min) before/after: {before:.1f} / {after:.1f}")


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--labels-only", action="store_true", help="skip the server figures")
    args = parser.parse_args()
    if args.labels_only:
        report_labels()
        return
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
    report_labels()


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
        measured = interleaved(port, [HELLO, page, FLOOR], args.seconds, args.clients)
        for rps_list, (rps, _ok, failed) in zip(
            (hello_rps, page_rps, floor_rps), measured, strict=True
        ):
            rps_list.append(rps)
            errors += failed
        sent += measured[1][1]
    hello, provenance, floor = (statistics.median(r) for r in (hello_rps, page_rps, floor_rps))
    print(
        f"gunicorn gthread {args.workers} workers x {args.threads} threads, "
        f"{args.clients} keep-alive clients, {args.rounds} x {args.seconds:g} s per target "
        "(targets take turns every 0.5 s)"
    )
    rounds = ", ".join(f"{r:.0f}" for r in hello_rps)
    print(f"bare Flask hello:  {hello:8.0f} req/s  (rounds: {rounds})")
    rounds = ", ".join(f"{r:.0f}" for r in page_rps)
    print(f"provenance page:   {provenance:8.0f} req/s  (rounds: {rounds})")
    rounds = ", ".join(f"{r:.0f}" for r in floor_rps)
    print(f"market JSON route: {floor:8.0f} req/s  (rounds: {rounds}; {FLOOR}, no database)")
    print(f"ratio page/hello (medians): {provenance / hello:.0%} (goal >= 50%); errors: {errors}")
    # Within a round the targets take turns every half second, so a round's ratio is the least
    # disturbed by other work on a shared machine changing between rounds.
    ratios = ", ".join(f"{p / h:.0%}" for p, h in zip(page_rps, hello_rps, strict=True))
    print(f"ratio page/hello per round: {ratios}")
    print(f"load average during the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    time.sleep(settle)
    print(f"pages served during the runs: {sent:,}; scans counted: {scans(port, page) - counted:,}")


if __name__ == "__main__":
    main()

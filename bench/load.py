"""Load test: gunicorn on PostgreSQL with the demo market plus 100,000 products, mixed traffic.

    .venv/bin/python bench/load.py [--products 100000] [--duration 60] [--users 8] [--workers 2]

Creates a throw-away database on 127.0.0.1:5432, loads the demo market and generated products
through the CSV importer, builds the search index, serves it as `make serve` does (gunicorn,
sync workers, Redis for rate-limit storage when it answers), then runs bench/load_client.py in
a second process: `--duration` seconds of mixed shopping, then the same client on a bare Flask
"hello" route in the same server (the ceiling). Prints requests/s, p50/p95/p99 and errors per
route, then the application's CPU time per request and route (bench/load_cpu.py: the figure a
shared, busy machine blurs least), and drops the database. Goal on 2 cores: >= 200 mixed
requests/s, p95 <= 100 ms, no errors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_targets import write_targets  # noqa: E402
from bench.search_data import catalog_csv  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
GOAL_RPS, GOAL_P95_MS = 200, 100


def free_port() -> int:
    """Return a loopback port nothing listens on."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url() -> str:
    """Return a Redis URL for rate-limit storage if Redis answers on 127.0.0.1, else memory."""
    try:
        with closing(socket.create_connection(("127.0.0.1", 6379), timeout=0.5)) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/0"
    except OSError:
        pass
    return "memory://"


def psql(sql: str, database: str = "postgres") -> None:
    """Run one statement (default: on the maintenance database)."""
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qc", sql]
    subprocess.run(command, check=True)


def flask(env: dict[str, str], *args: str) -> None:
    """Run a `flask --app wsgi` command as an operator would, failing loudly."""
    started = time.monotonic()
    command = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    last = (done.stdout.strip().splitlines() or [""])[-1]
    print(f"  flask {' '.join(args[:2])}: {time.monotonic() - started:.0f} s  {last}", flush=True)


def prepare(env: dict[str, str], work: Path, products: int, database: str) -> None:
    """Migrate, load the demo market and the generated catalog, build the search index."""
    flask(env, "db", "upgrade")
    flask(env, "demo", "load")
    if products:
        csv_path = work / "catalog.csv"
        csv_path.write_bytes(catalog_csv(products))
        flask(env, "catalog", "import", str(csv_path), "--max-rows", str(products + 1))
    # The importer queues its products in the search outbox and drains it on commit; `sync`
    # applies anything still queued, so the index is complete before the load starts.
    flask(env, "search", "sync")
    # A market that grew to this size has been vacuumed and analysed by autovacuum; right
    # after a bulk import the planner has no statistics yet and picks slow plans.
    started = time.monotonic()
    psql("VACUUM ANALYZE", database)
    print(f"  VACUUM ANALYZE: {time.monotonic() - started:.0f} s", flush=True)


def serve(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    """Start gunicorn the way `make serve` does, plus the bench-only hello mount."""
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--access-logfile", "-",
        "bench.load_wsgi:app",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with closing(socket.create_connection(("127.0.0.1", port), timeout=0.2)):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    sys.exit(f"gunicorn did not start:\n{log.read_text()[-4000:]}")


def drive(url: str, targets: Path, seconds: float, users: int, hello: bool) -> dict[str, Any]:
    """Run the load client in its own process and return its summary."""
    command = [sys.executable, str(ROOT / "bench" / "load_client.py"), "--url", url]
    command += ["--targets", str(targets), "--duration", str(seconds), "--users", str(users)]
    if hello:
        command.append("--hello")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode:
        sys.exit(f"load client failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def cpu_per_route(env: dict[str, str], targets: Path) -> dict[str, dict[str, float]]:
    """Measure the application's CPU time per request and route (bench/load_cpu.py)."""
    command = [sys.executable, str(ROOT / "bench" / "load_cpu.py"), "--targets", str(targets)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"CPU measurement failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def cpu_table(cpu: dict[str, dict[str, float]]) -> str:
    """Format the CPU figures as a Markdown table."""
    rows = ["\n**CPU time per request in the app process** (no HTTP; PostgreSQL not included)\n"]
    rows += ["| route | CPU p50 ms | CPU mean ms |", "|---|---:|---:|"]
    rows += [f"| {r} | {f['cpu_p50_ms']} | {f['cpu_mean_ms']} |" for r, f in cpu.items()]
    return "\n".join(rows)


def table(title: str, result: dict[str, Any]) -> str:
    """Format a summary as a Markdown table."""
    head = "| route | requests | req/s | p50 ms | p95 ms | p99 ms | errors |\n"
    head += "|---|---:|---:|---:|---:|---:|---:|"
    rows = [f"\n**{title}** ({result['elapsed_s']} s)\n", head]
    for name, r in [*result["routes"].items(), ("**all**", result["total"])]:
        rows.append(
            f"| {name} | {r['requests']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} "
            f"| {r['p99_ms']} | {r['errors']} |"
        )
    for route, sample in result.get("samples", {}).items():
        rows.append(f"\nfirst error on {route}: `{sample}`")
    return "\n".join(rows)


def verdict(mixed: dict[str, Any]) -> str:
    """Say whether the goal is met, and how far off if not."""
    total = mixed["total"]
    met = total["rps"] >= GOAL_RPS and total["p95_ms"] <= GOAL_P95_MS and total["errors"] == 0
    state = "met" if met else "NOT met"
    return (
        f"Goal (>= {GOAL_RPS} req/s, p95 <= {GOAL_P95_MS} ms, 0 errors): {state} — "
        f"{total['rps']} req/s, p95 {total['p95_ms']} ms, {total['errors']} errors"
    )


def main() -> None:
    """Set up, serve, load, report, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000, help="generated products")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of mixed traffic")
    parser.add_argument("--hello-duration", type=float, default=20.0)
    parser.add_argument("--users", type=int, default=8, help="concurrent virtual shoppers")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    database = f"chophien_load_{os.getpid()}_{int(time.time())}"
    with ExitStack() as cleanup:
        work = Path(tempfile.mkdtemp(prefix="chophien-load-"))
        cleanup.callback(shutil.rmtree, work, ignore_errors=True)
        psql(f"CREATE DATABASE {database}")
        cleanup.callback(psql, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"{PG}/{database}",
            "INSTANCE_PATH": str(work / "instance"),
            "SECRET_KEY": "load-test-secret",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "RATELIMIT_STORAGE_URI": redis_url(),
        }
        print(f"setting up {database} with {args.products} generated products", flush=True)
        prepare(env, work, args.products, database)
        targets = write_targets(env, work / "targets.json")
        server = serve(env, port, args.workers, work / "gunicorn.log")
        cleanup.callback(server.terminate)
        url = f"http://127.0.0.1:{port}"
        print(f"serving on {url} ({args.workers} workers, {env['RATELIMIT_STORAGE_URI']})")
        drive(url, targets, 5, args.users, hello=False)  # warm caches and connections
        mixed = drive(url, targets, args.duration, args.users, hello=False)
        hello = drive(url, targets, args.hello_duration, args.users, hello=True)
        load = os.getloadavg()[0]
        server.terminate()
        cpu = cpu_per_route(env, targets)
        figures = {"date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(), "args": vars(args)}
        figures |= {"load_average": load, "mixed": mixed, "hello": hello, "cpu": cpu}
        figures["verdict"] = verdict(mixed)
        print(f"\n(load average at the end of the traffic: {load:.1f} on {os.cpu_count()} cores)")
        print(table(f"Mixed traffic, {args.users} virtual shoppers", mixed))
        print(table("Bare Flask hello (ceiling), same server", hello))
        print(cpu_table(cpu))
        print(f"\nMixed / hello throughput: {mixed['total']['rps'] / hello['total']['rps']:.2f}")
        print(verdict(mixed))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()

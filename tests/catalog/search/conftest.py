"""Backends for the search contract suite: SQLite always, Elasticsearch via noida-db.

The Elasticsearch runs use a noida-db server started once per session on a free loopback
port with a temporary data directory; with ELASTICSEARCH_TEST_URL set they also run
against that real cluster (in indices named ``chophien-test-*``, deleted afterwards).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path

import pytest

from catalog.search import ElasticsearchBackend, SearchBackend, SqliteBackend
from tests.catalog.search.catalog_data import CATALOG

REAL_URL = os.environ.get("ELASTICSEARCH_TEST_URL", "")
KINDS = ["sqlite", "elasticsearch", *(["elasticsearch-real"] if REAL_URL else [])]

BackendFactory = Callable[[], SearchBackend]


def _free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Poll `url` until it answers, the process dies, or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 -- loopback only
                return True
        except OSError:
            time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def noida_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a noida-db Elasticsearch emulator for the session and return its URL."""
    try:
        binary = Path(str(files("noida_db").joinpath("noida-db")))
    except ModuleNotFoundError:
        pytest.skip("noida-db is not installed (pip install -e '.[dev]')")
    if not binary.is_file():
        pytest.skip(f"noida-db binary missing at {binary}")
    binary.chmod(0o755)
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("noida")
    log = data_dir / "noida.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(binary),
                "start",
                "--only",
                "elasticsearch",
                "--elasticsearch-port",
                str(port),
                "--data-dir",
                str(data_dir / "data"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        if not _wait_until_up(url, process, 15):
            reason = f"noida-db could not start on this machine: {log.read_text(errors='replace')}"
            print(reason)
            pytest.skip(reason)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _factory(kind: str, request: pytest.FixtureRequest, tmp: Path) -> BackendFactory:
    """Return a function making empty backends of `kind`, dropped at teardown."""
    made: list[ElasticsearchBackend] = []

    def make() -> SearchBackend:
        if kind == "sqlite":
            return SqliteBackend(tmp / f"search-{uuid.uuid4().hex}.sqlite3")
        url = REAL_URL if kind == "elasticsearch-real" else request.getfixturevalue("noida_url")
        backend = ElasticsearchBackend(url, index=f"chophien-test-{uuid.uuid4().hex[:12]}")
        made.append(backend)
        return backend

    def drop() -> None:
        for backend in made:
            backend.drop()

    request.addfinalizer(drop)
    return make


@pytest.fixture(params=KINDS)
def make_backend(request: pytest.FixtureRequest, tmp_path: Path) -> BackendFactory:
    """Return a factory of empty backends of each kind (a fresh index per call)."""
    return _factory(request.param, request, tmp_path)


@pytest.fixture
def backend(make_backend: BackendFactory) -> SearchBackend:
    """Return an empty backend of each kind."""
    return make_backend()


@pytest.fixture(scope="module", params=KINDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SearchBackend:
    """Return a backend of each kind holding the fixture catalog, shared by a module."""
    backend = _factory(request.param, request, tmp_path_factory.mktemp("search"))()
    backend.index(CATALOG)
    return backend

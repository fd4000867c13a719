"""Failure tests: apps with their own configuration, and servers that can be stopped and started.

Every server here listens on 127.0.0.1 only and is stopped by the test that started it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from catalog.categories import ensure_categories
from marketplace import migrate
from marketplace.app import create_app
from marketplace.extensions import get_database
from marketplace.models import metadata
from tests.catalog.search.conftest import _free_port, _wait_until_up
from tests.payments.conftest import localstripe, webhooks  # noqa: F401 (fixtures, re-exported)


def empty_tables(app: Flask) -> None:
    """Delete every row the test left, as tests/conftest.py's app fixture does."""
    engine = get_database(app).engine
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Return a function creating apps on the shared test database with extra settings."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        settings = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PUBLIC_BASE_URL": "http://market.test",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RAISE_ERRORS": False,
            # As in production: an error while finishing a request (a failed commit) becomes
            # the 500 page instead of reaching the test.
            "PROPAGATE_EXCEPTIONS": False,
        }
        app = create_app({**settings, **config})
        with get_database(app).new_session() as session:
            ensure_categories(session)
            session.commit()
        made.append(app)
        return app

    yield make
    if made:
        empty_tables(made[0])
    for app in made[1:]:
        get_database(app).engine.dispose()


@pytest.fixture
def sqlite_market(tmp_path: Path) -> tuple[str, str]:
    """A migrated SQLite market file of the test's own (whatever TEST_DATABASE_URL says)."""
    path = tmp_path / "market.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        ensure_categories(session)
        session.commit()
    engine.dispose()
    return str(path), url


class Noida:
    """A noida-db Elasticsearch emulator on a fixed port and data folder, to stop and restart."""

    def __init__(self, data_dir: Path) -> None:
        binary = Path(str(files("noida_db").joinpath("noida-db")))
        if not binary.is_file():
            pytest.skip(f"noida-db binary missing at {binary}")
        binary.chmod(0o755)
        self.binary, self.data_dir = binary, data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        log = (self.data_dir / "noida.log").open("ab")
        command = [str(self.binary), "start", "--only", "elasticsearch"]
        command += ["--elasticsearch-port", str(self.port), "--data-dir", str(self.data_dir)]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if not _wait_until_up(self.url, self.process, 20):
            self.stop()
            pytest.skip("noida-db could not start on this machine")

    def stop(self) -> None:
        """Stop the server (as an outage would: the port stops answering)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@pytest.fixture
def noida(tmp_path: Path) -> Iterator[Noida]:
    """A running noida-db of this test's own."""
    server = Noida(tmp_path / "noida")
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()

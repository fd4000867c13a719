"""Configuration: defaults, then environment variables, then the test mapping."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

# Environment variables read as strings, and the config key each one sets.
ENV_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "PUBLIC_BASE_URL",
    "UPLOAD_DIR",
    "SEARCH_BACKEND",
    "SEARCH_INDEX_PATH",
    "ELASTICSEARCH_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "STRIPE_JS_URL",
    "VIETQR_BANK_BIN",
    "VIETQR_ACCOUNT",
    "VIETQR_ACCOUNT_NAME",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "RATELIMIT_STORAGE_URI",
    "LOGIN_LIMIT_ACCOUNT",
    "LOGIN_LIMIT_ADDRESS",
)
ENV_INTS = ("MAIL_PORT", "PROXY_FIX_X_FOR", "PASSWORD_RESET_MAX_AGE", "ORDER_COMMISSION_BP")
ENV_BOOLS = ("MAIL_USE_TLS", "SESSION_COOKIE_SECURE")
ENV_FLOATS = ("TRACE_PAGE_CACHE_SECONDS", "TRACE_SCAN_FLUSH_SECONDS")


def defaults(instance_path: Path) -> dict[str, Any]:
    """Return the built-in defaults for an instance folder."""
    return {
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{instance_path / 'market.db'}",
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "UPLOAD_DIR": str(instance_path / "uploads"),
        "SEARCH_BACKEND": "sqlite",
        "SEARCH_INDEX_PATH": str(instance_path / "search.db"),
        "ELASTICSEARCH_URL": "",
        "STRIPE_SECRET_KEY": "",
        "STRIPE_PUBLISHABLE_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        "STRIPE_API_BASE": "",
        "STRIPE_JS_URL": "https://js.stripe.com/v3/",
        # The market's own account for VietQR transfers (a stall may use its own instead).
        "VIETQR_BANK_BIN": "",
        "VIETQR_ACCOUNT": "",
        "VIETQR_ACCOUNT_NAME": "",
        # Commission of a stall whose rate was never set, in basis points (500 = 5 %).
        "ORDER_COMMISSION_BP": 500,
        "MAIL_SERVER": "",
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": True,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_DEFAULT_SENDER": "Chợ Phiên <no-reply@chophien.example>",
        "OUTBOX_DIR": str(instance_path / "outbox"),
        "RATELIMIT_STORAGE_URI": "memory://",
        # Failed logins allowed per account and per client address in the window.
        "LOGIN_LIMIT_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_ADDRESS": "30 per 15 minutes",
        "PASSWORD_RESET_MAX_AGE": 3600,
        # Provenance pages: seconds a worker keeps a rendered page, and between writes of the
        # queued lot scans; 0 turns either off. None: 5 and 1, or 0 (exact) when TESTING.
        "TRACE_PAGE_CACHE_SECONDS": None,
        "TRACE_SCAN_FLUSH_SECONDS": None,
        "PROXY_FIX_X_FOR": 0,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": None,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ("vi", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SQL_ECHO": False,
    }


def _from_env(environ: dict[str, str]) -> dict[str, Any]:
    """Read the recognised environment variables, typed."""
    found: dict[str, Any] = {k: environ[k] for k in ENV_KEYS if environ.get(k)}
    for key in ENV_INTS:
        if environ.get(key):
            found[key] = int(environ[key])
    for key in ENV_BOOLS:
        if environ.get(key):
            found[key] = environ[key].strip().lower() in ("1", "true", "yes", "on")
    for key in ENV_FLOATS:
        if environ.get(key):
            found[key] = float(environ[key])
    return found


def _instance_secret(instance_path: Path) -> str:
    """Return the secret kept in the instance folder, creating it on first use."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the final configuration mapping."""
    config = defaults(instance_path)
    config.update(_from_env(dict(os.environ)))
    config.update(overrides or {})
    if not config["SECRET_KEY"]:
        # A development checkout keeps a generated key so sessions survive restarts.
        config["SECRET_KEY"] = _instance_secret(instance_path)
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = str(config["PUBLIC_BASE_URL"]).startswith("https://")
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["PUBLIC_BASE_URL"] = str(config["PUBLIC_BASE_URL"]).rstrip("/")
    return config

"""Outgoing mail: SMTP when configured, else .eml files in the instance outbox."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from marketplace.db import utcnow

log = logging.getLogger(__name__)


def send_mail(config: dict[str, Any], to: str, subject: str, body: str) -> Path | None:
    """Send one plain-text mail; return the outbox file when no SMTP server is set."""
    msg = EmailMessage()
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="chophien.example")
    msg.set_content(body)
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(msg)
        log.info("mail sent to %s: %s", to, subject)
        return None
    outbox = Path(config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{msg['Message-ID'].strip('<>').split('@')[0]}.eml"
    path.write_bytes(bytes(msg))
    log.warning("no MAIL_SERVER set: mail to %s written to %s", to, path)
    return path

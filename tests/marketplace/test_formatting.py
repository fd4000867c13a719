"""Money and date formats."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import render_template_string

from marketplace.formatting import format_date, format_datetime, format_vnd


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1250000, "1.250.000 ₫"),
        (0, "0 ₫"),
        (999, "999 ₫"),
        (1000, "1.000 ₫"),
        (-45000, "-45.000 ₫"),
    ],
)
def test_vnd(amount, text):
    assert format_vnd(amount).replace("\u00a0", " ") == text


@pytest.mark.parametrize("bad", [1250000.0, "1250000", True])
def test_vnd_refuses_non_integers(bad):
    with pytest.raises(TypeError):
        format_vnd(bad)


def test_dates():
    assert format_date(date(2026, 11, 24)) == "24/11/2026"
    # 20:30 UTC on the 24th is already the 25th in Vietnam (UTC+7).
    late = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)
    assert format_date(late) == "25/11/2026"
    assert format_datetime(late) == "25/11/2026 03:30"
    assert format_date(None) == ""


def test_filters_in_templates(app):
    with app.test_request_context("/"):
        text = render_template_string(
            "{{ 1250000|vnd }} {{ d|date_vn }}", d=date(2026, 11, 24)
        ).replace("\u00a0", " ")
    assert text == "1.250.000 ₫ 24/11/2026"

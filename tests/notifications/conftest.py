"""Fixtures of the notification tests: a hand-made marts file and a team config around it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mailkpi.config import Config, load_config

from . import marts_fixture

CHANNEL_ENV = "MAILKPI_TEST_CHANNEL_MANAGERS"

MAILBOXES = [
    {
        "address": "support@contoso.com",
        "name": "Support",
        "timezone": "Europe/London",
        "business_hours": {d: "09:00-17:30" for d in ("mon", "tue", "wed", "thu", "fri")},
        "agents": [
            {"address": "alice@contoso.com", "name": "Alice Smith"},
            {"address": "bob@contoso.com", "name": "Bob Jones"},
        ],
    }
]

ALL_RULES = [
    {"rule": "first_response_at_risk", "minutes_left": 60, "channels": ["managers"]},
    {"rule": "first_response_breached", "channels": ["managers"]},
    {"rule": "turn_unanswered", "business_hours": 8, "channels": ["managers"]},
    {"rule": "unassigned_threads", "more_than": 1, "channels": ["managers"]},
]


def write_config(
    folder: Path, alerts=None, digests=None, channel_env: str = CHANNEL_ENV, mailboxes=MAILBOXES
) -> Config:
    data = {
        "mailboxes": mailboxes,
        "notifications": {
            "dashboard_url": "http://dash.example:8501",
            "channels": {"managers": {"url_env": channel_env}},
            "alerts": ALL_RULES if alerts is None else alerts,
            "digests": digests or [{"period": "week", "channels": ["managers"]}],
        },
    }
    path = folder / "mailkpi.yml"
    path.write_text(yaml.safe_dump(data))
    return load_config(path)


@pytest.fixture
def marts(tmp_path) -> Path:
    return marts_fixture.build(tmp_path / "mailkpi.duckdb")


@pytest.fixture
def config(tmp_path) -> Config:
    return write_config(tmp_path)

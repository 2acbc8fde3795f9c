"""The `notifications` section of mailkpi.yml: one line naming the key and the problem."""

from __future__ import annotations

import pytest
import yaml

from mailkpi.config import ConfigError, load_config

BASE = {"mailboxes": [{"address": "support@contoso.com"}]}
CHANNELS = {"m": {"url_env": "X"}}


def _load(tmp_path, notifications):
    path = tmp_path / "mailkpi.yml"
    path.write_text(yaml.safe_dump({**BASE, "notifications": notifications}))
    return load_config(path)


@pytest.mark.parametrize(
    ("notifications", "message"),
    [
        (
            {"channels": {"m": {"url": "mailtos://me:Secret123@smtp.contoso.com"}}},
            "mailkpi.yml: notifications.channels.m.url: channel URLs hold secrets: name an "
            "environment variable in url_env, or set it in .dlt/secrets.toml "
            "(docs/notifications.md)",
        ),
        (
            {"channels": CHANNELS,
             "alerts": [{"rule": "first_response_at_risk", "channels": ["m"]}]},
            "mailkpi.yml: notifications.alerts[0].minutes_left: required by rule "
            "first_response_at_risk",
        ),
        (
            {"channels": CHANNELS,
             "alerts": [{"rule": "first_response_breached", "more_than": 3, "channels": ["m"]}]},
            "mailkpi.yml: notifications.alerts[0].more_than: not a setting of rule "
            "first_response_breached",
        ),
        (
            {"channels": CHANNELS,
             "alerts": [{"rule": "first_response_breached", "channels": ["x"]}]},
            "mailkpi.yml: notifications: alerts[0].channels names 'x', which channels does not "
            "define",
        ),
        (
            {"channels": CHANNELS, "digests": [{"period": "week", "channels": ["m"],
                                                "mailboxes": ["sales@contoso.com"]}]},
            "mailkpi.yml: notifications.digests[0].mailboxes: sales@contoso.com is not a "
            "tracked mailbox",
        ),
        (
            {"channels": CHANNELS, "digests": [{"period": "month", "channels": ["m"]}]},
            "mailkpi.yml: notifications.digests[0].period: Input should be 'day' or 'week', "
            "got 'month'",
        ),
        ({"dashboard_url": "localhost:8501"},
         "mailkpi.yml: notifications.dashboard_url: not an http(s) URL: 'localhost:8501'"),
    ],
)  # fmt: skip
def test_a_mistake_is_one_line_naming_the_key(tmp_path, notifications, message):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, notifications)
    assert str(caught.value) == message
    assert "Secret123" not in str(caught.value)


def test_the_shipped_config_notifies_nobody_until_a_channel_has_a_url():
    config = load_config("mailkpi.yml")
    assert config.notifications.channels["managers"].url_env == "MAILKPI_CHANNEL_MANAGERS"
    assert [r.rule for r in config.notifications.alerts] == [
        "first_response_at_risk",
        "first_response_breached",
        "turn_unanswered",
        "unassigned_threads",
    ]


def test_no_section_means_no_notifications(tmp_path):
    path = tmp_path / "mailkpi.yml"
    path.write_text(yaml.safe_dump(BASE))
    assert load_config(path).notifications is None

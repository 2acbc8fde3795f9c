"""The team config file: defaults resolved, and every mistake named by key in one line."""

import datetime as dt
from pathlib import Path

import pytest

from mailkpi.config import ConfigError, load_config
from mailkpi.config_tables import config_rows

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mailkpi.yml"
    path.write_text(text)
    return path


def test_bundled_demo_config_resolves_defaults_per_mailbox():
    config = load_config(ROOT / "mailkpi.yml")
    support, sales = config.mailboxes
    assert support.address == "support@contoso.com"
    assert support.timezone == "Europe/London"  # from defaults
    assert support.sla.first_response.minutes == 240
    assert support.stores == [
        "support@contoso.com",
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
    ]
    assert sales.kind == "distribution_list"
    assert sales.timezone == "America/New_York"  # its own
    assert sales.agent_mailboxes is True  # always on for a distribution list
    assert sales.stores == ["dave@contoso.com", "erin@contoso.com"]
    assert sales.sla.first_response.minutes == 120
    assert sales.sla.resolution is None  # a mailbox's own sla replaces the default whole
    assert sales.holidays == [dt.date(2026, 7, 3), dt.date(2026, 9, 7), dt.date(2026, 11, 26)]
    assert support.team_addresses == {
        "support@contoso.com",
        "help@contoso.com",
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
    }


def test_minimal_file_gets_documented_defaults(tmp_path):
    config = load_config(write(tmp_path, "mailboxes:\n  - address: Help@Example.org\n"))
    (mailbox,) = config.mailboxes
    assert mailbox.address == "help@example.org"  # addresses compare case-insensitively
    assert mailbox.name == "Help"
    assert mailbox.timezone == "UTC"
    assert mailbox.folders.excluded == ["Junk Email", "Drafts", "Outbox", "Conversation History"]
    assert mailbox.resolution_idle_hours == 72
    assert mailbox.business_hours.ranges()["fri"] == [(dt.time(9), dt.time(17))]
    assert "sat" not in mailbox.business_hours.ranges()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "mailboxes:\n  - address: a@b.com\n    agnets: []\n",
            "mailkpi.yml: mailboxes[0].agnets: unknown key",
        ),
        (
            "mailboxes:\n  - address: a@b.com\n    timezone: Europe/Londn\n",
            "mailkpi.yml: mailboxes[0].timezone: unknown time zone 'Europe/Londn'",
        ),
        (
            "defaults:\n  business_hours: {mon: '9-17'}\nmailboxes:\n  - address: a@b.com\n",
            "mailkpi.yml: defaults.business_hours.mon: malformed range '9-17': expected HH:MM",
        ),
        (
            "defaults:\n  business_hours: {tue: '17:00-09:00'}\nmailboxes:\n  - address: a@b.com\n",
            "mailkpi.yml: defaults.business_hours.tue: range '17:00-09:00' ends before it starts",
        ),
        (
            "mailboxes:\n  - address: a@b.com\n  - address: A@B.com\n",
            "mailkpi.yml: mailboxes[1].address: a@b.com is already tracked by mailboxes[0]",
        ),
        (
            "mailboxes:\n  - address: a@b.com\n  - address: c@b.com\n    aliases: [a@b.com]\n",
            "mailkpi.yml: mailboxes[1].address: a@b.com is already tracked by mailboxes[0]",
        ),
        ("mailboxes:\n  - name: x\n", "mailkpi.yml: mailboxes[0].address: required key is missing"),
        (
            "mailboxes:\n  - address: a@b.com\n    kind: shared\n",
            "mailkpi.yml: mailboxes[0].kind: Input should be 'shared_mailbox' or "
            "'distribution_list', got 'shared'",
        ),
        (
            "mailboxes:\n  - address: a@b.com\n    folders: {agents: {Queue: z@b.com}}\n",
            "mailkpi.yml: mailboxes[0].folders.agents.Queue: z@b.com is not an agent",
        ),
        (
            "mailboxes:\n  - address: a@b.com\n    kind: distribution_list\n",
            "mailkpi.yml: mailboxes[0].agents: a distribution_list needs its agents",
        ),
        (
            "defaults:\n  sla: {first_response: {minutes: 0}}\nmailboxes:\n  - address: a@b.com\n",
            "mailkpi.yml: defaults.sla.first_response.minutes: Input should be greater than 0",
        ),
        (
            "mailboxes:\n  - address: not-an-address\n",
            "mailkpi.yml: mailboxes[0].address: not an email address: 'not-an-address'",
        ),
        (
            "customers:\n  Fabrikam: [fabrikam.com]\n  Fab UK: [Fabrikam.COM]\n"
            "mailboxes:\n  - address: a@b.com\n",
            "mailkpi.yml: customers.Fab UK: fabrikam.com already belongs to Fabrikam",
        ),
        (
            "customers:\n  Fabrikam: [pat@fabrikam.com]\nmailboxes:\n  - address: a@b.com\n",
            "mailkpi.yml: customers.Fabrikam: not a domain: 'pat@fabrikam.com'",
        ),
        (
            "customers:\n  Fabrikam: []\nmailboxes:\n  - address: a@b.com\n",
            "mailkpi.yml: customers.Fabrikam: list at least one domain",
        ),
        (
            "customers:\n  Fabrikam: fabrikam.com\nmailboxes:\n  - address: a@b.com\n",
            "mailkpi.yml: customers.Fabrikam: Input should be a valid list",
        ),
        ("mailboxes: []\n", "mailkpi.yml: mailboxes: List should have at least 1 item"),
        ("mailboxes: [\n", "mailkpi.yml: invalid YAML at line 2, column 1"),
        ("- just a list\n", "mailkpi.yml: expected a mapping"),
    ],
)
def test_mistakes_name_the_key_and_the_problem(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yml")


def test_env_var_names_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, "mailboxes:\n  - address: team@example.org\n")
    monkeypatch.setenv("MAILKPI_CONFIG", str(path))
    assert load_config().mailboxes[0].address == "team@example.org"


def test_config_tables_carry_hours_tiers_and_stores():
    config = load_config(ROOT / "mailkpi.yml")
    as_of = dt.datetime(2026, 11, 16, 1, tzinfo=dt.UTC)
    rows = config_rows(config, as_of, "demo")
    assert rows["build_info"] == [(as_of, "demo")]
    # Monday 09:00-17:30 London, 08:00-18:00 New York, in minutes after local midnight
    assert ("support@contoso.com", 1, 540, 1050) in rows["business_hours"]
    assert ("sales@contoso.com", 5, 480, 1080) in rows["business_hours"]
    assert not [r for r in rows["business_hours"] if r[1] in (6, 7)]
    assert ("support@contoso.com", "Key accounts", 1, "northwind.com", 60, "business", 2880,
            "business") in rows["sla_tiers"]  # fmt: skip
    assert ("support@contoso.com", "help@contoso.com", "alias") in rows["team_addresses"]
    assert ("sales@contoso.com", "erin@contoso.com", "agent") in rows["stores"]
    assert ("support@contoso.com", "Archive", "resolved", None) in rows["folders"]
    assert rows["internal_domains"] == [("contoso.com",)]
    # the customers map, one row per domain (`@` and capitals as written are tidied)
    assert rows["customers"] == [
        ("Fabrikam", "fabrikam.com"),
        ("Fabrikam", "fabrikam.co.uk"),
        ("Northwind Traders", "northwind.com"),
    ]


def test_customers_are_optional_and_tidied(tmp_path):
    assert load_config(write(tmp_path, "mailboxes:\n  - address: a@b.com\n")).customers == {}
    text = (
        "customers:\n  Fabrikam: ['@Fabrikam.com ', fabrikam.co.uk]\n"
        "mailboxes:\n  - address: a@b.com\n"
    )
    assert load_config(write(tmp_path, text)).customers == {
        "Fabrikam": ["fabrikam.com", "fabrikam.co.uk"]
    }

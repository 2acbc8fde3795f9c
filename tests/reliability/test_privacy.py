"""`privacy` in mailkpi.yml: customer addresses become keyed pseudonyms, subjects vanish.

On a small hand-made marts schema (no dbt needed): the expected pseudonyms are computed
here with the standard library's HMAC, independently of the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mailkpi import privacy
from mailkpi.config import ConfigError, load_config
from tests.conftest import MAILKPI, ROOT, offline_env

KEY = "k3y-only-in-the-environment-7f3a"
TEAM_YML = """
organization: {internal_domains: [contoso.com]}
privacy: {pseudonymize_customers: true, drop_subjects: true}
mailboxes:
  - address: support@contoso.com
    aliases: [help@contoso.com]
    agents: [{address: alice@partner.net}]
"""


def expected(address: str, key: str = KEY) -> str:
    digest = hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()
    return f"customer-{digest[:16]}@pseudonymized.invalid"


def marts_file(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_threads as select * from (values "
        "('support@contoso.com', 'c1', 'Refund please', 'pat@fabrikam.com', 'alice@partner.net',"
        " 'fabrikam.com', 'Fabrikam'),"
        "('support@contoso.com', 'c2', 'Invoice', 'ceo@contoso.com', null, 'contoso.com',"
        " 'contoso.com'),"
        "('support@contoso.com', 'c3', null, null, null, null, null)"
        ") as t(mailbox_address, conversation_id, subject, customer_address, first_responder,"
        " customer_domain, customer_name)"
    )
    con.execute(
        "create table marts.fct_messages as select * from (values "
        "('support@contoso.com', 'inbound', 'pat@fabrikam.com', 'Refund please'),"
        "('support@contoso.com', 'outbound', 'help@contoso.com', 'RE: Refund please'),"
        "('support@contoso.com', 'outbound', 'alice@partner.net', 'RE: Refund please')"
        ") as t(mailbox_address, direction, from_address, subject)"
    )
    con.execute("create schema raw")
    con.execute("create table raw.untouched as select 'pat@fabrikam.com' as from_address")
    con.close()
    return path


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "mailkpi.yml"
    path.write_text(TEAM_YML)
    return load_config(path)


def rows(path: Path, sql: str):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_customers_are_pseudonymized_team_and_colleagues_are_not(tmp_path, config):
    path = marts_file(tmp_path / "m.duckdb")
    privacy.apply(path, config, KEY.encode())
    assert rows(path, "select * from marts.fct_threads order by conversation_id") == [
        # the customer's domain and company stay readable (docs/security.md)
        ("support@contoso.com", "c1", None, expected("pat@fabrikam.com"), "alice@partner.net",
         "fabrikam.com", "Fabrikam"),
        ("support@contoso.com", "c2", None, "ceo@contoso.com", None, "contoso.com",
         "contoso.com"),  # internal domain
        ("support@contoso.com", "c3", None, None, None, None, None),
    ]  # fmt: skip
    assert rows(path, "select from_address, subject from marts.fct_messages") == [
        (expected("pat@fabrikam.com"), None),
        ("help@contoso.com", None),  # an alias of the team
        ("alice@partner.net", None),  # an agent, whatever the domain
    ]
    # only the marts: the raw layer is the models' input and stays as loaded
    assert rows(path, "select from_address from raw.untouched") == [("pat@fabrikam.com",)]


def test_pseudonyms_are_stable_across_builds_and_change_with_the_key(tmp_path, config):
    first = marts_file(tmp_path / "first.duckdb")
    second = marts_file(tmp_path / "second.duckdb")
    privacy.apply(first, config, KEY.encode())
    privacy.apply(second, config, KEY.encode())
    query = "select customer_address from marts.fct_threads order by conversation_id"
    assert rows(first, query) == rows(second, query)
    # applying again (a transform over already-masked marts) does not hash twice
    privacy.apply(second, config, KEY.encode())
    assert rows(first, query) == rows(second, query)
    other = marts_file(tmp_path / "other.duckdb")
    privacy.apply(other, config, b"a-completely-different-key")
    assert rows(other, query)[0] != rows(first, query)[0]


def test_the_key_never_lands_in_the_file(tmp_path, config):
    path = marts_file(tmp_path / "m.duckdb")
    privacy.apply(path, config, KEY.encode())
    con = duckdb.connect(str(path))
    con.execute("checkpoint")
    con.close()
    for leftover in tmp_path.iterdir():
        assert KEY.encode() not in leftover.read_bytes(), leftover


def test_without_privacy_nothing_changes(tmp_path):
    path = marts_file(tmp_path / "m.duckdb")
    before = rows(path, "select * from marts.fct_threads order by all")
    plain = tmp_path / "plain.yml"
    plain.write_text("mailboxes:\n  - address: support@contoso.com\n")
    privacy.apply(path, load_config(plain), None)
    assert rows(path, "select * from marts.fct_threads order by all") == before


def test_the_key_comes_from_the_environment_or_dlt_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILKPI_PSEUDONYM_KEY", KEY)
    assert privacy.pseudonym_key() == KEY.encode()
    monkeypatch.delenv("MAILKPI_PSEUDONYM_KEY")
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(f'[mailkpi]\npseudonym_key = "{KEY}"\n')
    # dlt reads .dlt/ once per process, from where it starts: ask a fresh one, as the CLI is
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "from mailkpi import privacy; print(privacy.pseudonym_key().decode())",
        ],
        cwd=tmp_path,
        env={**offline_env(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert read.stdout.strip() == KEY


@pytest.mark.slow
@pytest.mark.parametrize("key", [None, "short"])
def test_a_missing_or_short_key_is_one_line_before_anything_runs(tmp_path, key):
    config = tmp_path / "mailkpi.yml"
    config.write_text(TEAM_YML)
    env = offline_env()
    env.pop("MAILKPI_PSEUDONYM_KEY", None)
    if key:
        env["MAILKPI_PSEUDONYM_KEY"] = key
    result = subprocess.run(
        [str(MAILKPI), "build", "--config", str(config), "--duckdb", str(tmp_path / "x.duckdb")],
        cwd=tmp_path,  # no .dlt/secrets.toml here
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mailkpi: privacy.pseudonymize_customers needs a secret key")
    assert "MAILKPI_PSEUDONYM_KEY" in line
    assert not (tmp_path / "x.duckdb").exists()


def test_privacy_keys_are_validated_by_name(tmp_path):
    path = tmp_path / "mailkpi.yml"
    path.write_text("privacy: {pseudonymise: true}\nmailboxes:\n  - address: a@b.com\n")
    with pytest.raises(ConfigError, match=r"^mailkpi.yml: privacy.pseudonymise: unknown key$"):
        load_config(path)
    path.write_text("privacy: {drop_subjects: maybe}\nmailboxes:\n  - address: a@b.com\n")
    with pytest.raises(ConfigError, match=r"^mailkpi.yml: privacy.drop_subjects: "):
        load_config(path)


def test_the_bundled_config_keeps_everything_visible():
    """The demo tenant is fictional: nothing to hide, and no key needed to build it."""
    config = load_config(Path(__file__).resolve().parents[2] / "mailkpi.yml")
    assert not config.privacy.pseudonymize_customers
    assert not config.privacy.drop_subjects

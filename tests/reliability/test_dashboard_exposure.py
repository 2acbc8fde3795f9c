"""The dashboard listens on loopback unless told otherwise, by the CLI and by Streamlit's config."""

from __future__ import annotations

import tomllib

import pytest

import mailkpi.cli
from tests.conftest import ROOT


def served_command(monkeypatch, *args: str) -> list[str]:
    seen: list[list[str]] = []

    def execv(path, argv):
        seen.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(mailkpi.cli.os, "execv", execv)
    monkeypatch.setenv("MAILKPI_DUCKDB", "unused.duckdb")  # the CLI sets it for Streamlit
    with pytest.raises(SystemExit):
        mailkpi.cli.main(["dashboard", *args])
    (command,) = seen
    return command


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_dashboard_binds_to_localhost_by_default(monkeypatch):
    command = served_command(monkeypatch)
    assert option(command, "--server.address") == "127.0.0.1"
    assert option(command, "--browser.gatherUsageStats") == "false"


def test_another_address_must_be_asked_for(monkeypatch):
    command = served_command(monkeypatch, "--address", "10.0.0.5", "--port", "8600")
    assert option(command, "--server.address") == "10.0.0.5"
    assert option(command, "--server.port") == "8600"


def test_streamlit_config_serves_loopback_only():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False

"""Secrets never leave the secret store: not in output, logs, dlt traces or the DuckDB file.

A load from the Graph emulator runs with recognisable secrets (access token, client
secret, pseudonym key) and then every output of the run is searched for them: stdout,
stderr, log records at DEBUG, the dlt pipelines directory (kept for the search), the
DuckDB file's bytes and every text value in it (DuckDB compresses strings, so the bytes
alone would not prove it), and the decompressed dlt state stored in the file. A failing
load (token refused) must not echo the token either. The Graph source must never ask for
a message body.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import subprocess
import tempfile
import tomllib
import zlib
from pathlib import Path
from urllib.parse import parse_qs

import duckdb
import pytest

import mailkpi.dbt_worker
import mailkpi.extract
import mailkpi.transform
from mailkpi.cli import main
from mailkpi.graph_emulator import GraphEmulator
from tests.conftest import ROOT
from tests.msgraph.conftest import ALICE, BOB, SUPPORT, TEAM_YML

ACCESS_TOKEN = "tok-7Q2wZ9-never-print-me-ACCESS"
CLIENT_SECRET = "sec-K8d~3Jq-never-print-me-CLIENT"
PSEUDONYM_KEY = "key-R5m!0Lp-never-print-me-PSEUDONYM"
SECRETS = (ACCESS_TOKEN, CLIENT_SECRET, PSEUDONYM_KEY)
BODY_FIELDS = ("body", "uniquebody", "bodypreview")


@pytest.fixture
def emulator():
    graph = GraphEmulator(token=ACCESS_TOKEN).start()
    for address in (SUPPORT, ALICE, BOB):
        graph.add_mailbox(address)
    graph.add_message(SUPPORT, subject="Where is my order?", sender="pat@fabrikam.com")
    graph.add_message(ALICE, "sentitems", subject="RE: Where is my order?", sender=ALICE)
    try:
        yield graph
    finally:
        graph.stop()


@pytest.fixture
def kept_pipelines_dir(tmp_path, monkeypatch) -> Path:
    """The dlt working directory of the run, kept instead of deleted so it can be searched."""
    kept = tmp_path / "dlt"
    kept.mkdir()

    @contextlib.contextmanager
    def keep(prefix=None):
        yield str(kept)

    monkeypatch.setattr(mailkpi.extract.tempfile, "TemporaryDirectory", keep)
    yield kept
    monkeypatch.setattr(mailkpi.extract.tempfile, "TemporaryDirectory", tempfile.TemporaryDirectory)


def configure(monkeypatch, emulator: GraphEmulator, tmp_path: Path, token: str) -> Path:
    for name, value in {
        "BASE_URL": emulator.base_url,
        "CREDENTIALS__ACCESS_TOKEN": token,
        "CREDENTIALS__TENANT_ID": "00000000-0000-0000-0000-000000000001",
        "CREDENTIALS__CLIENT_ID": "00000000-0000-0000-0000-000000000002",
        "CREDENTIALS__CLIENT_SECRET": CLIENT_SECRET,
        "PAGE_SIZE": "5",
    }.items():
        monkeypatch.setenv(f"SOURCES__MSGRAPH__{name}", value)
    monkeypatch.setenv("MAILKPI_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("RUNTIME__LOG_LEVEL", "DEBUG")
    config = tmp_path / "mailkpi.yml"
    config.write_text(TEAM_YML + "privacy: {pseudonymize_customers: true}\n", encoding="utf-8")
    return config


def leaks_in_bytes(data: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode() in data]


def leaks_in_duckdb(path: Path) -> list[str]:
    """Secrets in any text value of any table, and in the compressed dlt state."""
    found = leaks_in_bytes(path.read_bytes())
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where not internal"
        ).fetchall()
        for schema, table, column in columns:
            for secret in SECRETS:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" '
                    f'where contains(cast("{column}" as varchar), ?)',
                    [secret],
                ).fetchall()[0][0]
                if hits:
                    found.append(f"{secret} in {schema}.{table}.{column}")
        for (state,) in con.execute("select state from raw._dlt_pipeline_state").fetchall():
            found += leaks_in_bytes(zlib.decompress(base64.b64decode(state)))
    finally:
        con.close()
    return found


def leaks_in_tree(root: Path) -> list[str]:
    return [
        f"{secret} in {path}"
        for path in root.rglob("*")
        if path.is_file()
        for secret in leaks_in_bytes(path.read_bytes())
    ]


def run_cli(args: list[str], capsys, caplog) -> tuple[int, str]:
    with caplog.at_level(logging.DEBUG):
        code = main(args)
    out, err = capsys.readouterr()
    records = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    return code, "\n".join((out, err, records))


@pytest.mark.slow
def test_a_graph_load_writes_no_secret_anywhere(
    emulator, kept_pipelines_dir, tmp_path, monkeypatch, capsys, caplog
):
    config = configure(monkeypatch, emulator, tmp_path, ACCESS_TOKEN)
    db = tmp_path / "mailkpi.duckdb"
    args = ["extract", "--source", "graph", "--config", str(config), "--duckdb", str(db), "-v"]
    code, output = run_cli(args, capsys, caplog)
    assert code == 0, output[-3000:]
    assert emulator.request_count() > 0
    assert list(kept_pipelines_dir.rglob("trace*")), "the dlt trace was searched"
    assert leaks_in_bytes(output.encode()) == []
    assert leaks_in_tree(kept_pipelines_dir) == []
    assert leaks_in_duckdb(db) == []


@pytest.mark.slow
def test_a_refused_token_fails_in_one_line_without_echoing_it(
    emulator, kept_pipelines_dir, tmp_path, monkeypatch, capsys, caplog
):
    config = configure(monkeypatch, emulator, tmp_path, ACCESS_TOKEN[::-1])
    db = tmp_path / "mailkpi.duckdb"
    args = ["extract", "--source", "graph", "--config", str(config), "--duckdb", str(db)]
    with caplog.at_level(logging.DEBUG):
        code = main(args)
    out, err = capsys.readouterr()
    assert code != 0
    (line,) = err.strip().splitlines()[-1:]
    assert "authentication failed" in line
    everything = (out + err + caplog.text).encode()
    for secret in (ACCESS_TOKEN[::-1], CLIENT_SECRET, PSEUDONYM_KEY):
        assert secret.encode() not in everything
    assert leaks_in_tree(kept_pipelines_dir) == []
    assert not db.exists()


@pytest.mark.slow
def test_the_graph_source_never_asks_for_a_body(emulator, tmp_path, monkeypatch, capsys, caplog):
    config = configure(monkeypatch, emulator, tmp_path, ACCESS_TOKEN)
    args = ["extract", "--source", "graph", "--config", str(config)]
    args += ["--duckdb", str(tmp_path / "mailkpi.duckdb")]
    code, output = run_cli(args, capsys, caplog)
    assert code == 0, output[-3000:]
    message_requests = [r for r in emulator.requests if "/messages" in r.path]
    assert message_requests
    for request in message_requests:
        query = parse_qs(request.query)
        if "$select" not in query:  # a next or delta link: the first request's $select holds
            assert {"$skiptoken", "$deltatoken"} & set(query), request
            continue
        selected = {f.strip().lower() for f in query["$select"][0].split(",")}
        assert "id" in selected
        assert not selected & set(BODY_FIELDS), request


def test_secrets_file_is_ignored_and_the_example_holds_placeholders():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".dlt/secrets.toml"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, ".dlt/secrets.toml must be git-ignored"
    example = tomllib.loads((ROOT / ".dlt" / "example.secrets.toml").read_text())

    def placeholders(table: dict, prefix: str = "") -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                placeholders(value, f"{prefix}{key}.")
            elif any(word in key for word in ("secret", "token", "password", "key")):
                assert str(value).startswith("<"), f"{prefix}{key} holds a value, not a placeholder"

    placeholders(example)


def test_the_search_finds_a_planted_secret(tmp_path):
    """The searches above can fail: a secret among compressed strings is found."""
    path = tmp_path / "planted.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    state = base64.b64encode(zlib.compress(f'{{"token": "{ACCESS_TOKEN}"}}'.encode())).decode()
    con.execute("create table raw._dlt_pipeline_state as select ? as state", [state])
    con.execute(
        "create table main.notes as select 'row ' || range || ' ' || ? as note from range(5000)",
        [CLIENT_SECRET],
    )
    con.close()
    assert f"{CLIENT_SECRET} in main.notes.note" in leaks_in_duckdb(path)
    assert ACCESS_TOKEN in leaks_in_duckdb(path)


def test_dbt_gets_no_secret_in_its_environment(tmp_path, monkeypatch):
    seen = {}

    class Worker:
        """The dbt process, as far as the build talks to it."""

        returncode = 0

        def __init__(self, args, env, **_):
            seen.update(env)
            self.stdin = io.StringIO()

        def wait(self):
            return 0

        def poll(self):
            return self.returncode

    monkeypatch.setattr(mailkpi.dbt_worker.subprocess, "Popen", Worker)
    monkeypatch.setenv("SOURCES__MSGRAPH__CREDENTIALS__CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN", ACCESS_TOKEN)
    monkeypatch.setenv("MAILKPI_PSEUDONYM_KEY", PSEUDONYM_KEY)
    mailkpi.transform.dbt_build(tmp_path / "x.duckdb")
    assert seen["MAILKPI_DUCKDB"] == str(tmp_path / "x.duckdb")
    assert "PATH" in seen
    assert leaks_in_bytes(repr(seen).encode()) == []

"""The notification ledger: which alert went to which channel, in a SQLite file of its own.

It lives beside the DuckDB file (`data/mailkpi.notifications.sqlite`), never inside it: every
build replaces the DuckDB file with its freshly built copy, which would take a ledger kept
there back to the state of the copy. SQLite commits each write atomically (rollback
journal, fsync), so a run killed at any point leaves either the row of a delivered message
or none. One run at a time holds `<ledger>.lock`, so two runs never send the same alert.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

SCHEMA = """
create table if not exists deliveries (
    alert_key text not null,        -- rule|mailbox|conversation|episode
    channel text not null,
    rule text not null,
    mailbox_address text not null,
    first_attempt_at text not null, -- UTC, the wall clock of the run
    attempts integer not null,
    last_error text,                -- the last failure's one-line summary (never a URL)
    delivered_at text,              -- null: not delivered yet, retried by the next run
    primary key (alert_key, channel)
);
create table if not exists count_episodes (
    rule text not null,
    mailbox_address text not null,
    started_at text not null,       -- the data's as_of when the count first crossed the limit
    primary key (rule, mailbox_address)
);
"""


def ledger_path(duckdb_file: Path) -> Path:
    return duckdb_file.with_name(duckdb_file.stem + ".notifications.sqlite")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Ledger:
    def __init__(self, con: sqlite3.Connection):
        self._con = con

    def delivered(self, channel: str) -> set[str]:
        rows = self._con.execute(
            "select alert_key from deliveries where channel = ? and delivered_at is not null",
            [channel],
        )
        return {key for (key,) in rows}

    def _record(self, alerts: Iterable, channel: str, error: str | None) -> None:
        now = _now()
        with self._con:  # one transaction: every alert of the message, or none
            self._con.executemany(
                "insert into deliveries values (?, ?, ?, ?, ?, 1, ?, ?) "
                "on conflict (alert_key, channel) do update set attempts = attempts + 1, "
                "last_error = excluded.last_error, delivered_at = excluded.delivered_at",
                [
                    (a.key, channel, a.rule, a.mailbox, now, error, None if error else now)
                    for a in alerts
                ],
            )

    def record_delivered(self, alerts: Iterable, channel: str) -> None:
        self._record(alerts, channel, None)

    def record_failed(self, alerts: Iterable, channel: str, error: str) -> None:
        self._record(alerts, channel, error)

    def count_episode(self, rule: str, mailbox: str, over: bool, as_of: dt.datetime) -> str | None:
        """The start of the mailbox's current episode over the rule's limit (None when under):
        the first as_of that found it over since it was last found under."""
        with self._con:
            if not over:
                self._con.execute(
                    "delete from count_episodes where rule = ? and mailbox_address = ?",
                    [rule, mailbox],
                )
                return None
            self._con.execute(
                "insert into count_episodes values (?, ?, ?) on conflict do nothing",
                [rule, mailbox, as_of.isoformat()],
            )
            return self._con.execute(
                "select started_at from count_episodes where rule = ? and mailbox_address = ?",
                [rule, mailbox],
            ).fetchone()[0]


@contextlib.contextmanager
def opened(duckdb_file: Path) -> Iterator[Ledger]:
    """The ledger of `duckdb_file`, held by this process alone until the block ends."""
    path = ledger_path(duckdb_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run sending: wait for it, then skip its sends
        con = sqlite3.connect(path, timeout=30)
        try:
            con.execute("pragma synchronous = full")
            con.executescript(SCHEMA)
            yield Ledger(con)
        finally:
            con.close()

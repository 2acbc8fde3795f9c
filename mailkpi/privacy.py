"""What the marts show of customers: pseudonymized addresses, no subjects (mailkpi.yml `privacy`).

Applied to the build's working copy after dbt built and tested the marts and before the
swap: the models still compute on real addresses (threads per customer, SLA tiers by
domain) and only the marts, which the dashboard and ad-hoc SQL read, are masked. The
pseudonym is a keyed hash (HMAC-SHA256), so it is the same in every build and cannot be
recomputed from a guessed address without the key. The key lives in the environment or
in .dlt/secrets.toml and is used in this process only: it never reaches the DuckDB
file, dbt or a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from pathlib import Path

import duckdb
import pyarrow as pa

from .config import Config
from .dlt_settings import dlt_module
from .errors import MailkpiError

log = logging.getLogger("mailkpi")

KEY_ENV = "MAILKPI_PSEUDONYM_KEY"
KEY_SECRET = "mailkpi.pseudonym_key"
MIN_KEY_LENGTH = 16
PSEUDONYM_DOMAIN = "pseudonymized.invalid"  # RFC 2606: can never be a real mailbox


class PseudonymKeyMissing(MailkpiError):
    exit_code = 2


def pseudonym_key() -> bytes:
    """The secret key of the pseudonyms: $MAILKPI_PSEUDONYM_KEY, else .dlt/secrets.toml."""
    key = os.environ.get(KEY_ENV)
    if not key:
        key = dlt_module().secrets.get(KEY_SECRET)
    if not key or len(str(key)) < MIN_KEY_LENGTH:
        raise PseudonymKeyMissing(
            f"privacy.pseudonymize_customers needs a secret key of at least {MIN_KEY_LENGTH} "
            f"characters in ${KEY_ENV} or as {KEY_SECRET} in .dlt/secrets.toml "
            "(keep it: a new key gives every customer a new pseudonym)"
        )
    return str(key).encode()


def pseudonym(address: str, key: bytes) -> str:
    digest = hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"customer-{digest[:16]}@{PSEUDONYM_DOMAIN}"


def _is_team(address: str, config: Config) -> bool:
    team = {a for m in config.mailboxes for a in m.team_addresses}
    domain = address.rpartition("@")[2]
    return address in team or domain in config.internal_domains


def _mart_columns(con: duckdb.DuckDBPyConnection, suffix: str) -> list[tuple[str, str]]:
    """(table, column) of the text columns of the mart tables whose name ends with `suffix`."""
    return con.execute(
        "select c.table_name, c.column_name from duckdb_columns() as c "
        "join duckdb_tables() as t using (database_name, schema_name, table_name) "
        "where c.schema_name = 'marts' and c.data_type = 'VARCHAR' and ends_with(c.column_name, ?) "
        "order by all",
        [suffix],
    ).fetchall()


def apply(path: Path, config: Config, key: bytes | None) -> None:
    """Mask the marts of the DuckDB file at `path` as `config.privacy` asks."""
    privacy = config.privacy
    if not (privacy.pseudonymize_customers or privacy.drop_subjects):
        return
    con = duckdb.connect(str(path))
    try:
        if privacy.pseudonymize_customers:
            _pseudonymize(con, config, key)
        if privacy.drop_subjects:
            for table, column in _mart_columns(con, "subject"):
                con.execute(f'update marts."{table}" set "{column}" = null')
            log.info("privacy: subjects dropped from the marts")
    finally:
        con.close()


def _pseudonymize(con: duckdb.DuckDBPyConnection, config: Config, key: bytes | None) -> None:
    if key is None:
        raise PseudonymKeyMissing("privacy.pseudonymize_customers: no key given")
    columns = _mart_columns(con, "_address")
    seen: set[str] = set()
    for table, column in columns:
        rows = con.execute(f'select distinct "{column}" from marts."{table}"').fetchall()
        seen.update(r[0] for r in rows if r[0])
    customers = sorted(
        a for a in seen if not _is_team(a, config) and not a.endswith("@" + PSEUDONYM_DOMAIN)
    )
    mapping = pa.table({"address": customers, "pseudonym": [pseudonym(a, key) for a in customers]})
    con.register("customer_pseudonyms", mapping)  # in memory only: never written to the file
    try:
        for table, column in columns:
            con.execute(
                f'update marts."{table}" set "{column}" = p.pseudonym '
                f'from customer_pseudonyms as p where marts."{table}"."{column}" = p.address'
            )
    finally:
        con.unregister("customer_pseudonyms")
    log.info("privacy: %s customer addresses pseudonymized in the marts", f"{len(customers):,}")

"""Write the team config into schema `config` of the DuckDB file, for the dbt models.

Rewritten before every `dbt build`, so a changed `mailkpi.yml` recomputes every number.
Table shapes: docs/raw-layer.md.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from .config import WEEKDAYS, Config, SlaTarget

TABLES: dict[str, str] = {
    "build_info": "as_of timestamptz, source varchar",
    "mailboxes": (
        "mailbox_address varchar, mailbox_name varchar, kind varchar, timezone varchar, "
        "assignment varchar, agent_mailboxes boolean, resolution_idle_hours double, "
        "first_response_sla_minutes double, first_response_sla_clock varchar, "
        "resolution_sla_minutes double, resolution_sla_clock varchar"
    ),
    "team_addresses": "mailbox_address varchar, address varchar, role varchar",
    "agents": (
        "mailbox_address varchar, agent_address varchar, agent_name varchar, category varchar"
    ),
    "business_hours": (
        "mailbox_address varchar, iso_dow integer, start_minute integer, end_minute integer"
    ),
    "holidays": "mailbox_address varchar, holiday_date date",
    "sla_tiers": (
        "mailbox_address varchar, tier_name varchar, tier_order integer, domain varchar, "
        "first_response_sla_minutes double, first_response_sla_clock varchar, "
        "resolution_sla_minutes double, resolution_sla_clock varchar"
    ),
    "folders": "mailbox_address varchar, folder_name varchar, role varchar, agent_address varchar",
    "stores": "mailbox_address varchar, store_address varchar, role varchar",
    "internal_domains": "domain varchar",
    "customers": "customer_name varchar, domain varchar",
}


def _target(target: SlaTarget | None) -> tuple[float | None, str | None]:
    return (target.minutes, target.clock) if target else (None, None)


def _minutes(t: dt.time | None) -> int:
    return 24 * 60 if t is None else t.hour * 60 + t.minute


def config_rows(config: Config, as_of: dt.datetime, source: str) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {name: [] for name in TABLES}
    rows["build_info"].append((as_of, source))
    rows["internal_domains"].extend((d,) for d in config.internal_domains)
    rows["customers"].extend(
        (name, domain) for name, domains in config.customers.items() for domain in domains
    )
    for m in config.mailboxes:
        rows["mailboxes"].append(
            (m.address, m.name, m.kind, m.timezone, m.assignment, m.agent_mailboxes,
             m.resolution_idle_hours, *_target(m.sla.first_response), *_target(m.sla.resolution))
        )  # fmt: skip
        rows["team_addresses"].append((m.address, m.address, "mailbox"))
        rows["team_addresses"].extend((m.address, a, "alias") for a in m.aliases)
        for agent in m.agents:
            rows["team_addresses"].append((m.address, agent.address, "agent"))
            rows["agents"].append((m.address, agent.address, agent.name, agent.category))
        for day, ranges in m.business_hours.ranges().items():
            iso_dow = WEEKDAYS.index(day) + 1
            rows["business_hours"].extend(
                (m.address, iso_dow, _minutes(start), _minutes(end)) for start, end in ranges
            )
        rows["holidays"].extend((m.address, h) for h in m.holidays)
        for order, tier in enumerate(m.sla_tiers, start=1):
            first = tier.first_response or m.sla.first_response
            resolution = tier.resolution or m.sla.resolution
            rows["sla_tiers"].extend(
                (m.address, tier.name, order, domain, *_target(first), *_target(resolution))
                for domain in tier.domains
            )
        rows["folders"].extend((m.address, f, "resolved", None) for f in m.folders.resolved)
        rows["folders"].extend((m.address, f, "excluded", None) for f in m.folders.excluded)
        rows["folders"].extend((m.address, f, "agent", a) for f, a in m.folders.agents.items())
        rows["stores"].extend(
            (m.address, s, "team" if s == m.address else "agent") for s in m.stores
        )
    return rows


def write_config_tables(
    con: duckdb.DuckDBPyConnection, config: Config, as_of: dt.datetime, source: str
) -> None:
    """Replace schema `config` with the given config, in one transaction."""
    con.execute("begin")
    con.execute("create schema if not exists config")
    for name, rows in config_rows(config, as_of, source).items():
        con.execute(f"create or replace table config.{name} ({TABLES[name]})")
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"insert into config.{name} values ({marks})", rows)
    con.execute("commit")

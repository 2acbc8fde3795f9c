"""The team mailboxes the demo tenant writes traffic for, as plain data.

Everything of a team that shapes its generated mail: who answers, which domains are key
accounts, how threads are assigned and resolved, and the local calendar replies follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pipelines.common.mailboxes import Mailbox

# local opening ranges per weekday (Monday 0, as date.weekday()); an end of None is midnight
OpeningHours = Mapping[int, tuple[tuple[dt.time, dt.time | None], ...]]


@dataclass(frozen=True, kw_only=True)
class Agent:
    address: str
    name: str | None = None
    category: str | None = None  # the Outlook category that assigns a thread to them


@dataclass(frozen=True, kw_only=True)
class DemoMailbox(Mailbox):
    name: str
    aliases: tuple[str, ...] = ()
    agents: tuple[Agent, ...] = ()
    key_account_domains: tuple[str, ...] = ()  # answered faster (the SLA tiers' domains)
    assignment: Literal["categories", "folders", "responders"] = "categories"
    resolved_folders: tuple[str, ...] = ()
    agent_folders: Mapping[str, str] = field(default_factory=dict)  # folder -> agent address
    timezone: str = "UTC"
    opening_hours: OpeningHours = field(default_factory=dict)
    holidays: tuple[dt.date, ...] = ()

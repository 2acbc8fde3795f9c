"""The team config as the sources' plain arguments: the pipelines never see `Config`."""

from __future__ import annotations

from pipelines.common.mailboxes import Mailbox
from pipelines.demo import Agent, DemoMailbox

from .config import WEEKDAYS, Config, MailboxSettings


def graph_mailboxes(config: Config) -> list[Mailbox]:
    """What the Graph source reads: each team address, its stores, its excluded folders."""
    return [Mailbox(**_read(m)) for m in config.mailboxes]


def _read(m: MailboxSettings) -> dict:
    """What both sources read of a team mailbox (the fields of `Mailbox`)."""
    return {
        "address": m.address,
        "stores": tuple(m.stores),
        "kind": m.kind,
        "excluded_folders": tuple(m.folders.excluded),
    }


def demo_mailboxes(config: Config) -> list[DemoMailbox]:
    """What shapes the demo tenant's traffic, mailbox by mailbox."""
    return [_demo_mailbox(m) for m in config.mailboxes]


def _demo_mailbox(m: MailboxSettings) -> DemoMailbox:
    return DemoMailbox(
        **_read(m),
        name=m.name,
        aliases=tuple(m.aliases),
        agents=tuple(Agent(address=a.address, name=a.name, category=a.category) for a in m.agents),
        key_account_domains=tuple(d for tier in m.sla_tiers for d in tier.domains),
        assignment=m.assignment,
        resolved_folders=tuple(m.folders.resolved),
        agent_folders=dict(m.folders.agents),
        timezone=m.timezone,
        opening_hours={
            WEEKDAYS.index(day): tuple(ranges) for day, ranges in m.business_hours.ranges().items()
        },
        holidays=tuple(m.holidays),
    )

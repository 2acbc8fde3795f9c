"""One team of the demo tenant: its mailbox, people and routes, and the choices it makes
(which customer writes, which agent answers, when)."""

from __future__ import annotations

import datetime as dt
import random

from . import settings as s
from .clock import MailboxClock, local_instant
from .draws import minutes
from .mailboxes import Agent, DemoMailbox
from .tenant import DELETED, Mailroom, Person, Store


class Team:
    """The traffic settings of one configured mailbox."""

    def __init__(self, mailroom: Mailroom, mailbox: DemoMailbox, index: int, messages: float):
        self.mailroom = mailroom
        self.mailbox = mailbox
        self.index = index
        self.is_list = mailbox.kind == "distribution_list"
        first = min(mailroom.start, s.DEMO_START) - dt.timedelta(days=7)
        last = max(mailroom.start, s.DEMO_END) + dt.timedelta(days=s.HORIZON_DAYS)
        self.clock = MailboxClock(mailbox, first, last)
        self.tz = self.clock.tz
        self.address = mailroom.person(mailbox.address, mailbox.name)
        self.aliases = [mailroom.person(a, mailbox.name) for a in mailbox.aliases]
        self.own_addresses = {mailbox.address, *mailbox.aliases}
        self.agents = list(mailbox.agents)
        self.agent_people = {a.address: mailroom.person(a.address, a.name) for a in self.agents}
        stores = mailroom.stores
        self.team_store: Store | None = None if self.is_list else stores[mailbox.address]
        self.own_routes = (
            [stores[a.address] for a in self.agents] if self.is_list else [self.team_store]
        )
        self.filing_stores = {st.address for st in self.own_routes}
        self.tier_domains = set(mailbox.key_account_domains)
        self.internal_domains = mailroom.internal_domains
        self.plain_domains = [
            d
            for d in s.CUSTOMER_DOMAINS
            if d not in self.tier_domains and d not in self.internal_domains
        ]
        self.resolved = list(mailbox.resolved_folders)
        self.resolved_or_deleted = {*self.resolved, DELETED}
        self.by_category = mailbox.assignment == "categories" and any(
            a.category for a in self.agents
        )
        self.folder_of_agent = (
            {a: f for f, a in mailbox.agent_folders.items()}
            if mailbox.assignment == "folders"
            else {}
        )
        self.sent_copies_from = local_instant(s.SENT_COPIES_FROM, dt.time(0), self.tz)
        self.scenarios = s.LIST_SCENARIOS if self.is_list else s.SHARED_SCENARIOS
        if not self.agents:  # nobody answers: the mailbox only receives
            self.scenarios = {k: s.SHARED_SCENARIOS[k] for k in s.UNANSWERED_SCENARIOS}
        # threads per unit of arrival weight, so that the default window holds `messages`
        default_weight = sum(
            self.clock.day_weights(s.DEMO_START + dt.timedelta(days=i))[1][-1]
            for i in range(s.DEFAULT_WINDOW_DAYS)
        )
        self.threads_per_weight = messages / s.MESSAGES_PER_THREAD / default_weight
        self.next_day = mailroom.start  # the first local day not written yet

    def routes(self, address: str) -> list[Store]:
        """The stores a message to `address` lands in."""
        if address in self.own_addresses:
            return self.own_routes
        store = self.mailroom.stores.get(address)
        return [store] if store is not None else []

    def customer(self, rng: random.Random) -> Person:
        roll = rng.random()
        if self.tier_domains and roll < s.P_KEY_ACCOUNT:
            domain = rng.choice(sorted(self.tier_domains))
        elif self.internal_domains and roll < s.P_KEY_ACCOUNT + s.P_INTERNAL:
            domain = rng.choice(self.internal_domains)
        else:
            domain = rng.choice(self.plain_domains)
        return rng.choice(self.mailroom.customers[domain])

    def colleague(self, rng: random.Random) -> Person:
        domains = self.internal_domains or [self.address.domain]
        return rng.choice(self.mailroom.customers[rng.choice(domains)])

    def agent(self, rng: random.Random, other_than: Agent | None = None) -> Agent:
        pool = [a for a in self.agents if a is not other_than] or self.agents
        # the first agents carry more of the load, as in real teams
        return rng.choices(pool, weights=range(len(pool) + 1, 1, -1))[0]

    def reply_time(self, rng: random.Random, at: int, key_account: bool) -> int:
        """When the team answers a turn that started at `at`: mostly in business hours."""
        if rng.random() < s.P_AFTER_HOURS_REPLY and not self.clock.is_open(at):
            return at + int(minutes(rng, s.AFTER_HOURS_REPLY_DELAY) * 60) + 60
        delay = s.KEY_ACCOUNT_REPLY_DELAY if key_account else s.REPLY_DELAY
        return self.clock.add_business(at, minutes(rng, delay) * 60 + 60)

"""Seeded generator of the demo tenant's mail history, as events on mailbox items.

Each configured mailbox gets threads day by day (local dates); a thread is written whole
when its first day is generated (customer messages, replies, categories, moves, reopens),
and its events are filed into the nightly load that will observe them. Randomness comes from
one generator per (seed, mailbox, day), so a longer window only adds days and never changes
earlier ones, and the same inputs always give the same history.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from mailkpi.config import Agent, Config, MailboxSettings

from . import settings as s
from .clock import MailboxClock, local_instant
from .tenant import DELETED, Item, Store, build_stores, recipient
from .threads import Thread, minutes, pick

DAY = 86_400
Event = tuple[int, str, Item, Any]  # (at, kind, item, folder | changes | None)


def load_instant(day: dt.date) -> int:
    return int(dt.datetime.combine(day, s.LOAD_TIME_UTC, tzinfo=dt.UTC).timestamp())


class Person:
    __slots__ = ("address", "domain", "graph")

    def __init__(self, address: str, name: str):
        self.address = address
        self.domain = address.rsplit("@", 1)[1]
        self.graph = recipient(address, name)


class Tenant:
    """Stores, people and the event log of one generated history."""

    def __init__(self, config: Config, *, seed: int, start: dt.date, messages: int):
        self.config = config
        self.seed = seed
        self.start = start
        self.stores = build_stores(config)
        self.first_load = load_instant(start + dt.timedelta(days=1))
        self._buckets: dict[int, list[Event]] = defaultdict(list)
        rng = random.Random(f"{seed}:people")
        self.people: dict[str, Person] = {}
        self.customers = {
            domain: [self._person_named(rng, domain) for _ in range(s.CUSTOMERS_PER_DOMAIN)]
            for domain in (
                *s.CUSTOMER_DOMAINS,
                *config.internal_domains,
                *(d for m in config.mailboxes for t in m.sla_tiers for d in t.domains),
            )
        }
        share = sum(max(1, len(m.agents)) for m in config.mailboxes)
        self.teams = [
            Team(self, mailbox, i, messages * max(1, len(mailbox.agents)) / share)
            for i, mailbox in enumerate(config.mailboxes)
        ]

    def person(self, address: str, name: str | None = None) -> Person:
        if address not in self.people:
            self.people[address] = Person(address, name or address.split("@")[0].title())
        return self.people[address]

    def _person_named(self, rng: random.Random, domain: str) -> Person:
        first, last = rng.choice(s.FIRST_NAMES), rng.choice(s.LAST_NAMES)
        return self.person(f"{first}.{last}@{domain}".lower(), f"{first} {last}")

    def emit(self, at: int, kind: str, item: Item, arg: Any = None) -> None:
        """File an event under the nightly load that will observe it."""
        night = max(0, -((self.first_load - at) // DAY))
        self._buckets[night].append((at, kind, item, arg))

    def nights(self, end: dt.date) -> Iterator[tuple[int, int, list[Event]]]:
        """(night index, load instant, its events by time) for each load up to `end`."""
        for night in range((end - self.start).days):
            load = self.first_load + night * DAY
            for team in self.teams:
                team.generate_until(load)
            events = self._buckets.pop(night, [])
            events.sort(key=itemgetter(0))  # stable: ties keep the order they were written in
            yield night, load, events


class Team:
    """Writes the traffic of one configured mailbox."""

    def __init__(self, tenant: Tenant, mailbox: MailboxSettings, index: int, messages: float):
        self.tenant = tenant
        self.mailbox = mailbox
        self.index = index
        self.is_list = mailbox.kind == "distribution_list"
        first = min(tenant.start, s.DEMO_START) - dt.timedelta(days=7)
        last = max(tenant.start, s.DEMO_END) + dt.timedelta(days=s.HORIZON_DAYS)
        self.clock = MailboxClock(mailbox, first, last)
        self.tz = self.clock.tz
        self.address = tenant.person(mailbox.address, mailbox.name)
        self.aliases = [tenant.person(a, mailbox.name) for a in mailbox.aliases]
        self.own_addresses = {mailbox.address, *mailbox.aliases}
        self.agents = list(mailbox.agents)
        self.agent_people = {a.address: tenant.person(a.address, a.name) for a in self.agents}
        stores = tenant.stores
        self.team_store: Store | None = None if self.is_list else stores[mailbox.address]
        self.own_routes = (
            [stores[a.address] for a in self.agents] if self.is_list else [self.team_store]
        )
        self.filing_stores = {st.address for st in self.own_routes}
        self.tier_domains = {d for t in mailbox.sla_tiers for d in t.domains}
        self.internal_domains = list(tenant.config.internal_domains)
        self.plain_domains = [
            d
            for d in s.CUSTOMER_DOMAINS
            if d not in self.tier_domains and d not in self.internal_domains
        ]
        self.resolved = list(mailbox.folders.resolved)
        self.resolved_or_deleted = {*self.resolved, DELETED}
        self.by_category = mailbox.assignment == "categories" and any(
            a.category for a in self.agents
        )
        self.folder_of_agent = (
            {a: f for f, a in mailbox.folders.agents.items()}
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
        self.next_day = tenant.start

    def generate_until(self, load: int) -> None:
        """Write every local day that starts before `load`."""
        while local_instant(self.next_day, dt.time(0), self.tz) <= load:
            self.generate_day(self.next_day)
            self.next_day += dt.timedelta(days=1)

    def generate_day(self, day: dt.date) -> None:
        rng = random.Random(f"{self.tenant.seed}:{self.mailbox.address}:{day.isoformat()}")
        hours, cumulative = self.clock.day_weights(day)
        expected = self.threads_per_weight * cumulative[-1]
        count = int(expected) + (rng.random() < expected % 1)
        last_hour = len(hours) - 1
        starts = sorted(
            hours[min(bisect_right(cumulative, rng.random() * cumulative[-1]), last_hour)]
            + rng.randrange(3600)
            for _ in range(count)
        )
        key = f"{self.index:x}{day.toordinal():x}"
        if self.index == 0:  # a daily status mail: every nightly load observes something
            at = local_instant(day, dt.time(s.DAILY_DIGEST_HOUR), self.tz)
            Thread(self, rng, f"{key}ffff").digest(at, day)
        for n, at in enumerate(starts):
            thread = Thread(self, rng, f"{key}{n:04x}")
            getattr(thread, pick(rng, self.scenarios))(at)

    def routes(self, address: str) -> list[Store]:
        """The stores a message to `address` lands in."""
        if address in self.own_addresses:
            return self.own_routes
        store = self.tenant.stores.get(address)
        return [store] if store is not None else []

    def customer(self, rng: random.Random) -> Person:
        roll = rng.random()
        if self.tier_domains and roll < s.P_KEY_ACCOUNT:
            domain = rng.choice(sorted(self.tier_domains))
        elif self.internal_domains and roll < s.P_KEY_ACCOUNT + s.P_INTERNAL:
            domain = rng.choice(self.internal_domains)
        else:
            domain = rng.choice(self.plain_domains)
        return rng.choice(self.tenant.customers[domain])

    def colleague(self, rng: random.Random) -> Person:
        domains = self.internal_domains or [self.address.domain]
        return rng.choice(self.tenant.customers[rng.choice(domains)])

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

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
from collections.abc import Iterator, Sequence

from . import settings as s
from .clock import DAY, local_instant
from .draws import pick
from .mailboxes import DemoMailbox
from .team import Team
from .tenant import Event, Mailroom
from .threads import Thread


class Tenant:
    """The teams, stores, people and event log of one generated history."""

    def __init__(
        self,
        mailboxes: Sequence[DemoMailbox],
        *,
        internal_domains: Sequence[str] = (),
        seed: int,
        start: dt.date,
        messages: int,
    ):
        self.mailboxes = list(mailboxes)
        self.mailroom = Mailroom(mailboxes, internal_domains, seed=seed, start=start)
        self.seed, self.start = seed, start
        self.stores = self.mailroom.stores
        self.first_load = self.mailroom.first_load
        share = sum(max(1, len(m.agents)) for m in mailboxes)
        self.teams = [
            Team(self.mailroom, mailbox, i, messages * max(1, len(mailbox.agents)) / share)
            for i, mailbox in enumerate(mailboxes)
        ]

    def nights(self, end: dt.date) -> Iterator[tuple[int, int, list[Event]]]:
        """(night index, load instant, its events by time) for each load up to `end`."""
        for night in range((end - self.start).days):
            load = self.first_load + night * DAY
            for team in self.teams:
                # every local day that starts before the load
                while local_instant(team.next_day, dt.time(0), team.tz) <= load:
                    write_day(team, team.next_day, self.seed)
                    team.next_day += dt.timedelta(days=1)
            yield night, load, self.mailroom.night(night)


def write_day(team: Team, day: dt.date, seed: int) -> None:
    """The threads that start on one local day of a team."""
    rng = random.Random(f"{seed}:{team.mailbox.address}:{day.isoformat()}")
    hours, cumulative = team.clock.day_weights(day)
    expected = team.threads_per_weight * cumulative[-1]
    count = int(expected) + (rng.random() < expected % 1)
    last_hour = len(hours) - 1
    starts = sorted(
        hours[min(bisect_right(cumulative, rng.random() * cumulative[-1]), last_hour)]
        + rng.randrange(3600)
        for _ in range(count)
    )
    key = f"{team.index:x}{day.toordinal():x}"
    if team.index == 0:  # a daily status mail: every nightly load observes something
        at = local_instant(day, dt.time(s.DAILY_DIGEST_HOUR), team.tz)
        Thread(team, rng, f"{key}ffff").digest(at, day)
    for n, at in enumerate(starts):
        thread = Thread(team, rng, f"{key}{n:04x}")
        getattr(thread, pick(rng, team.scenarios))(at)

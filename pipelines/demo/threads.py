"""The demo's thread scenarios: who writes what to whom, and what the team does with it.

A `Thread` writes one conversation from its first message to its last change, as events
on items (copies in stores). Which scenario exercises which KPI rule: docs/demo-tenant.md.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from . import settings as s
from .draws import minutes, pick
from .mailboxes import Agent
from .team import Team
from .tenant import (
    ADD,
    DELETE,
    DELETED,
    DRAFTS,
    INBOX,
    JUNK,
    MOVE,
    SENT,
    UPDATE,
    Item,
    Message,
    Person,
    Store,
    iso,
)

ITEM_ID_PREFIX = "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A"
CONVERSATION_ID_PREFIX = "AAQkADAwATM0MDAAMS1"


class Thread:
    """One conversation of one team."""

    def __init__(self, team: Team, rng: random.Random, key: str):
        self.team = team
        self.mailroom = team.mailroom
        self.rng = rng
        self.key = key
        self.conversation_id = f"{CONVERSATION_ID_PREFIX}{key}AAQA="
        self.count = 0
        self.subject = ""
        self.work: list[Item] = []  # Inbox copies in the stores where the team files its mail
        self.read: set[str] = set()  # ids of work items an agent has opened
        self.topic: str | None = None
        self.assignee: Agent | None = None
        self.last_cc_team = False

    # -- mail ----------------------------------------------------------------------------

    def send(
        self,
        at: int,
        author: Person,
        to: list[Person],
        cc: list[Person] | None = None,
        *,
        sender: Person | None = None,
        actor: str | None = None,
        subject: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        preview: str = "",
        folder: str = INBOX,
    ) -> list[Item]:
        """Send a message and deliver its copies; `actor` is the agent who pressed Send.

        Copies: the actor's Sent Items; the team mailbox's Sent Items for Send As and Send on
        Behalf once the mailbox keeps such copies; one copy per receiving store (a
        distribution list expands to its agents, except the actor).
        """
        team = self.team
        cc = cc or []
        sender = sender or author
        self.count += 1
        imid = f"<{self.key}{self.count:02x}.{self.mailroom.seed:x}@{sender.domain}>"
        message = Message(
            author=author.graph,
            sender=sender.graph,
            to=[p.graph for p in to],
            cc=[p.graph for p in cc],
            sent_at=iso(at),
            subject=self.subject if subject is None else subject,
            preview=preview,
            internet_message_id=imid,
            conversation_id=self.conversation_id,
            is_draft=False,
            headers=[{"name": "Message-ID", "value": imid}]
            + [{"name": n, "value": v} for n, v in headers],
        )
        copies: list[Item] = []
        stores = self.mailroom.stores
        if actor:
            copies.append(self.deliver(message, stores[actor], at, SENT))
            if (
                team.team_store is not None
                and author.address in team.own_addresses
                and at >= team.sent_copies_from
            ):
                copies.append(self.deliver(message, team.team_store, at, SENT))
        reached = {c.store.address for c in copies}
        received = at + self.rng.randrange(2, 40)
        for person in (*to, *cc):
            for store in team.routes(person.address):
                if store.address not in reached and store.address != actor:
                    reached.add(store.address)
                    copies.append(self.deliver(message, store, received, folder))
        return copies

    def deliver(self, message: Message, store: Store, at: int, folder: str) -> Item:
        item_id = f"{ITEM_ID_PREFIX}{self.key}{self.count:02x}{store.index:02x}="
        item = Item(store, item_id, message, at, folder)
        self.mailroom.emit(at, ADD, item, folder)
        if folder == INBOX and store.address in self.team.filing_stores:
            self.work.append(item)
        return item

    def update(self, at: int, item: Item, changes: dict[str, Any]) -> None:
        self.mailroom.emit(at, UPDATE, item, changes)

    def move(self, at: int, items: list[Item], folder: str) -> None:
        for item in items:
            if item.place != folder:
                item.place = folder
                self.mailroom.emit(at, MOVE, item, folder)

    def delete(self, at: int, item: Item) -> None:
        item.place = None
        self.mailroom.emit(at, DELETE, item)

    # -- the team's handling ---------------------------------------------------------------

    def filed(self, agent: Agent | None) -> list[Item]:
        """The thread's items an agent works on: a shared mailbox's, or the agent's own copies."""
        if self.team.is_list and agent is not None:
            return [i for i in self.work if i.store.address == agent.address and i.place]
        return [i for i in self.work if i.place]

    def mark_read(self, at: int, agent: Agent) -> None:
        for item in self.filed(agent):
            if item.id not in self.read:
                self.read.add(item.id)
                self.update(at, item, {"isRead": True})

    def assign(self, at: int, agent: Agent | None) -> None:
        """Categorise the thread's messages with the agent's category and the topic, or file
        them in the agent's folder when the mailbox assigns by folders."""
        team = self.team
        self.assignee = agent
        if agent is not None and agent.address in team.folder_of_agent:
            inbox = [i for i in self.filed(agent) if i.place == INBOX]
            self.move(at, inbox, team.folder_of_agent[agent.address])
        agent_category = agent.category if agent is not None and team.by_category else None
        categories = [c for c in (agent_category, self.topic) if c]
        if categories:
            for item in self.filed(agent):
                self.update(at, item, {"categories": categories})

    def resolve(self, at: int, agent: Agent) -> None:
        team = self.team
        folder = self.rng.choice(team.resolved)
        open_items = [i for i in self.filed(agent) if i.place not in team.resolved_or_deleted]
        self.move(at, open_items, folder)

    def reply(self, at: int, agent: Agent, customer: Person, *, mode: str) -> Item:
        """An agent answers; returns the actor's Sent Items copy."""
        team = self.team
        me = team.agent_people[agent.address]
        cc: list[Person] = []
        sender = None
        if mode == "on_behalf":
            author, sender = team.address, me
        elif mode == "send_as":
            author = team.address
        elif mode == "alias":
            author = team.aliases[0]
        else:  # from the agent's own mailbox
            author = me
            keep = s.P_LIST_REPLY_CC if team.is_list else s.P_OWN_REPLY_CC_TEAM
            if self.rng.random() < keep:
                cc = [team.address]
        self.mark_read(at, agent)
        self.last_cc_team = bool(cc)
        copies = self.send(
            at, author, [customer], cc, sender=sender, actor=agent.address,
            subject=f"RE: {self.subject}", preview="Thanks for getting in touch.",
        )  # fmt: skip
        return copies[0]

    def reply_mode(self) -> str:
        if self.team.is_list:
            return "own"
        mode = pick(self.rng, s.REPLY_MODES)
        if mode == "alias" and self.to_address is self.team.address:
            return "send_as"
        return mode

    def route_after(self, answered: Item) -> tuple[list[Person], list[Person]]:
        """Where the customer writes next: to the reply's `from`, keeping the team in Cc when
        an agent answered from their own mailbox and copied it (or the customer adds it)."""
        team = self.team
        author = self.mailroom.people[answered.message.author["emailAddress"]["address"]]
        if author.address not in team.agent_people:
            return [author], []
        keep = self.last_cc_team or (not team.is_list and self.rng.random() < s.P_CUSTOMER_CC_TEAM)
        return [author], [team.address] if keep else []

    # -- scenarios -----------------------------------------------------------------------

    def customer(self, at: int, *, team_started: bool = False) -> None:
        """A customer conversation: turns of questions and answers, then resolution."""
        team, rng = self.team, self.rng
        customer = team.customer(rng)
        key_account = customer.domain in team.tier_domains
        self.topic = rng.choice(s.TOPICS) if team.by_category and rng.random() < s.P_TOPIC else None
        subjects = s.LIST_SUBJECTS if team.is_list else s.SUBJECTS[rng.choice(s.TOPICS)]
        if team_started:
            subjects = s.TEAM_STARTED_SUBJECTS
        self.subject = rng.choice(subjects).format(
            n=rng.randrange(1000, 99999), m=s.MONTHS[rng.randrange(12)]
        )
        self.to_address = team.address
        if team.aliases and not team.is_list and rng.random() < s.P_TO_ALIAS:
            self.to_address = team.aliases[0]
        route: tuple[list[Person], list[Person]] = ([self.to_address], [])
        owner: Agent | None = None
        if team_started:
            owner = team.agent(rng)
            mode = "own" if team.is_list else rng.choice(("on_behalf", "own"))
            route = self.route_after(self.reply(at, owner, customer, mode=mode))
            if rng.random() < 0.4:
                return  # no answer from the customer (yet)
            at += int(minutes(rng, s.CUSTOMER_DELAY) * 60) + 60
        never_answered = rng.random() < s.P_NEVER_ANSWERED
        reassign = rng.random() < s.P_REASSIGNED and len(team.agents) > 1
        last = at
        for turn in range(1, s.MAX_TURNS + 1):
            reply_at = team.reply_time(rng, at, key_account)
            subject = self.subject if turn == 1 and not team_started else f"RE: {self.subject}"
            cc = list(route[1])
            if turn == 1 and rng.random() < s.P_CC_COLLEAGUE:
                cc.append(team.colleague(rng))
            copies = self.send(
                at, customer, route[0], cc, subject=subject, preview="Hello, I need help."
            )
            if turn == 1:
                first_copies = copies
                triaged = team.clock.add_business(at, minutes(rng, s.TRIAGE_DELAY) * 60 + 30)
                if (team.by_category or team.folder_of_agent) and rng.random() < s.P_ASSIGNED:
                    owner = owner or team.agent(rng)
                    self.assign(triaged, owner)
                    if rng.random() < s.P_CATEGORY_READ:
                        self.mark_read(triaged, owner)
                elif self.topic:
                    self.assign(triaged, None)
            if rng.random() < s.P_FOLLOW_UP and not never_answered and reply_at - at > 1800:
                follow = at + int((reply_at - at) * rng.uniform(0.3, 0.8))
                self.send(
                    follow,
                    customer,
                    route[0],
                    route[1],
                    subject=f"RE: {self.subject}",
                    preview="Any news?",
                )
            if never_answered:
                return
            if turn == 1 and reassign and self.assignee is not None:
                # handed over (the next working day or so): the new owner answers
                handover = team.clock.add_business(triaged, minutes(rng, s.HANDOVER_DELAY) * 60)
                owner = team.agent(rng, other_than=self.assignee)
                self.assign(handover, owner)
                reply_at = max(reply_at, handover + rng.randrange(600, 7200))
            responder = owner if owner is not None and rng.random() < 0.85 else team.agent(rng)
            answered = self.reply(reply_at, responder, customer, mode=self.reply_mode())
            owner = owner or responder
            last = reply_at
            if rng.random() < s.P_COLLISION and (len(team.agents) > 1 or not team.is_list):
                other = team.agent(rng, other_than=responder)
                mode = "send_as" if other is responder else self.reply_mode()
                last = reply_at + rng.randrange(120, 2700)
                self.reply(last, other, customer, mode=mode)
            if turn == 1 and team.is_list and rng.random() < s.P_LIST_COPY_DELETED:
                theirs = [
                    c
                    for c in first_copies
                    if c.store.address != responder.address and c.place == INBOX
                ]
                for item in theirs[:1]:
                    self.delete_copy(reply_at + rng.randrange(600, 86_400), item)
            roll = rng.random()
            if roll < s.P_BOUNCE:
                self.bounce(last + 60, answered)
                break
            if roll < s.P_BOUNCE + s.P_AUTO_REPLY:
                self.auto_reply(last + rng.randrange(20, 180), customer, answered)
            route = self.route_after(answered)
            if rng.random() > s.P_NEXT_TURN / math.sqrt(turn):
                break
            at = last + int(minutes(rng, s.CUSTOMER_DELAY) * 60) + 60
        if rng.random() < s.P_THANKS:
            last += int(minutes(rng, s.CUSTOMER_DELAY) * 60) + 60
            self.send(last, customer, *route, subject=f"RE: {self.subject}", preview="Thanks!")
        if not team.resolved or owner is None or rng.random() >= s.P_RESOLVED:
            return
        moved = team.clock.add_business(last, minutes(rng, s.RESOLVE_DELAY) * 60 + 60)
        self.resolve(moved, owner)
        roll = rng.random()
        if roll < s.P_REOPEN_BY_CUSTOMER:
            at = moved + int(minutes(rng, s.REOPEN_DELAY) * 60) + 60
            self.send(at, customer, *route, subject=f"RE: {self.subject}", preview="Broken again.")
            reply_at = team.reply_time(rng, at, key_account)
            self.reply(reply_at, owner, customer, mode=self.reply_mode())
            if rng.random() < 0.7:
                again = team.clock.add_business(reply_at, minutes(rng, s.RESOLVE_DELAY) * 60 + 60)
                self.resolve(again, owner)
        elif roll < s.P_REOPEN_BY_CUSTOMER + s.P_MOVED_BACK:
            back = team.clock.add_business(moved, minutes(rng, (600, 0.6)) * 60 + 60)
            self.move(back, [i for i in self.filed(owner) if i.place in team.resolved], INBOX)
            reply_at = team.clock.add_business(back, minutes(rng, (60, 0.6)) * 60 + 60)
            self.reply(reply_at, owner, customer, mode=self.reply_mode())
            again = team.clock.add_business(reply_at, minutes(rng, s.RESOLVE_DELAY) * 60 + 60)
            self.resolve(again, owner)

    def team_started(self, at: int) -> None:
        self.customer(at, team_started=True)

    def delete_copy(self, at: int, item: Item) -> None:
        """An agent deletes their copy (Outlook moves it to Deleted Items)."""
        self.move(at, [item], DELETED)

    def auto_reply(self, at: int, customer: Person, answered: Item) -> None:
        author = self.mailroom.people[answered.message.author["emailAddress"]["address"]]
        self.send(
            at, customer, [author], subject=f"Automatic reply: RE: {self.subject}",
            headers=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
            preview="I am out of the office until Monday.",
        )  # fmt: skip

    def bounce(self, at: int, answered: Item) -> None:
        address, name = self.rng.choice(s.BOUNCE_SENDERS)
        author = self.mailroom.people[answered.message.author["emailAddress"]["address"]]
        self.send(
            at, self.mailroom.person(address, name), [author],
            subject=f"Undeliverable: RE: {self.subject}", preview="Delivery has failed.",
        )  # fmt: skip

    def newsletter(self, at: int) -> None:
        address, name = self.rng.choice(s.NEWSLETTER_SENDERS)
        self.send(
            at, self.mailroom.person(address, name), [self.team.address],
            subject=f"{name}, issue {self.rng.randrange(100, 999)}",
            headers=(("Precedence", "bulk"), ("List-Unsubscribe", f"<mailto:{address}>")),
            preview="The week's top stories.",
        )  # fmt: skip

    def notification(self, at: int) -> None:
        address, name = self.rng.choice(s.NOTIFICATION_SENDERS)
        self.send(
            at, self.mailroom.person(address, name), [self.team.address],
            subject=f"[{name}] Event {self.rng.randrange(10000, 99999)}",
            preview="Automated notification.",
        )  # fmt: skip

    def digest(self, at: int, day: dt.date) -> None:
        address, name = s.DAILY_DIGEST_SENDER
        self.send(
            at, self.mailroom.person(address, name), [self.team.address],
            subject=f"Daily status report {day.isoformat()}", preview="All systems operational.",
        )  # fmt: skip

    def junk(self, at: int) -> None:
        address, name = self.rng.choice(s.JUNK_SENDERS)
        copies = self.send(
            at, self.mailroom.person(address, name), [self.team.address],
            subject="You have WON a prize!!!", preview="Claim now.", folder=JUNK,
        )  # fmt: skip
        if self.rng.random() < 0.3:
            for item in copies:
                self.delete(at + int(minutes(self.rng, (2880, 0.5)) * 60), item)

    def draft(self, at: int) -> None:
        """An agent's abandoned draft in the team mailbox (sometimes dragged into the Inbox)."""
        team, rng = self.team, self.rng
        agent = team.agent(rng)
        customer = team.customer(rng)
        self.count += 1
        message = Message(
            author=team.address.graph,
            sender=team.agent_people[agent.address].graph,
            to=[customer.graph],
            cc=[],
            sent_at=None,
            subject="RE: your question",
            preview="Hi, about your",
            internet_message_id=f"<{self.key}{self.count:02x}.{self.mailroom.seed:x}@{team.address.domain}>",
            conversation_id=self.conversation_id,
            is_draft=True,
            headers=None,
        )
        item = self.deliver(message, team.team_store, at, DRAFTS)
        if rng.random() < s.P_DRAFT_IN_INBOX:
            self.move(at + 600, [item], INBOX)
        elif rng.random() < 0.5:
            self.delete(at + int(minutes(rng, (600, 0.5)) * 60) + 60, item)

    def personal(self, at: int) -> None:
        """An agent's own mail with a colleague, never addressed to the team."""
        team, rng = self.team, self.rng
        agent = team.agent(rng)
        me = team.agent_people[agent.address]
        other = team.colleague(rng)
        self.subject = rng.choice(s.PERSONAL_SUBJECTS).format(m=s.MONTHS[rng.randrange(12)])
        later = at + int(minutes(rng, (60, 0.8)) * 60) + 60
        if team.is_list:  # received in the agent's Inbox, which is read for the list
            self.send(at, other, [me], preview="Quick question.")
            self.send(later, me, [other], actor=agent.address, subject=f"RE: {self.subject}")
        else:  # sent from the agent's mailbox: its Sent Items are read for the team
            self.send(at, me, [other], actor=agent.address, preview="Quick question.")
            self.send(later, other, [me], subject=f"RE: {self.subject}", preview="Sure.")

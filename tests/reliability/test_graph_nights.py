"""A month of nightly `mailkpi build`s against a tenant that behaves like Microsoft Graph.

Thirty nights, each a whole build (extract, load, dbt build with its tests, swap) through
the CLI, with the clock of the tenant and of the run set per night. Every night brings new
conversations, and most nights one of the things real Graph does (the emulator's comments
cite the sources): expired delta tokens, also in the middle of a round; a message moved out
and back; a move shown in no folder; a message whose id changes on a move; folders created,
renamed, moved, deleted before their round; 404s of a moment; throttling with Retry-After in
seconds and as an HTTP date; 503/504 on large pages; a mailbox added to the config on night
10; a mailbox Graph cannot serve for one night; a retention policy moving old mail to the
In-Place Archive, which Graph cannot read.

Each night's `mailkpi build` runs in a child forked from a process that has imported the CLI
and dbt and parsed the project once (tests/preloaded.py); the build's dbt worker
is forked from there too, and runs the night's `dbt build` with its tests as on any night.
The reference it is compared with is a copy of the night's file with every model built from
scratch, without data tests (they change no row): by dbt on the first night, then by
replaying the statements of that full refresh, which the first night checks against dbt's.

After every night: exit 0 (a mailbox Graph cannot serve is skipped, named on stderr, and the
others are built), the marts equal a from-scratch build of the same raw data, no
internet_message_id is counted twice, no message counted the night before is lost (an
archived or deleted message happened all the same), and every message Graph holds in a read
folder is accounted for in fct_message_audit. A night's checks run while the next night
builds. The Graph requests of each night are recorded with the seconds its build took
(`NIGHTLY`, printed with -s).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from mailkpi.graph_emulator import DEFAULT_TOKEN, GraphEmulator
from tests.conftest import offline_env
from tests.preloaded import Preloaded

pytestmark = pytest.mark.slow

SUPPORT, ALICE, SALES = "support@contoso.com", "alice@contoso.com", "sales@contoso.com"
START = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)  # night 0; night n observes START + n days
NIGHTS = 30
SALES_FROM = 10  # the night sales@ joins mailkpi.yml
EXCLUDED = ["Junk Email", "Drafts", "Outbox", "Conversation History"]
SUPPORT_YML = f"""
  - address: {SUPPORT}
    agents: [{{address: {ALICE}, category: Alice}}]
    agent_mailboxes: true
    folders: {{excluded: [{", ".join(EXCLUDED)}]}}
"""
HEAD = "organization: {internal_domains: [contoso.com]}\nmailboxes:"
SALES_YML = f"""
  - address: {SALES}
    folders: {{excluded: [{", ".join(EXCLUDED)}]}}
"""


def observed(night: int) -> dt.datetime:
    return START + dt.timedelta(days=night)


class Tenant:
    """The emulator, the day's mail, and what each night does to the tenant."""

    def __init__(self, graph: GraphEmulator, seed: int = 18):
        self.graph = graph
        self.random = random.Random(seed)
        self.conversations = 0
        self.kept: dict[str, str] = {}  # a name -> a message id, for later nights' events

    def day_of_mail(self, night: int, mailboxes: list[str]) -> None:
        """One or two new conversations per team mailbox: a customer's question and, for
        most, an answer (support: Alice's Sent Items; sales: its own Sent Items)."""
        day = observed(night - 1)
        for mailbox in mailboxes:
            for _ in range(self.random.randint(1, 2)):
                self.conversations += 1
                n = self.conversations
                asked = day + dt.timedelta(hours=self.random.randint(7, 15))
                self.graph.now = asked
                conversation = f"conv-{n}"
                customer = f"customer{n}@fabrikam.com"
                question = self.graph.add_message(
                    mailbox,
                    "inbox",
                    subject=f"Order {n}",
                    sender=customer,
                    to=[mailbox],
                    received=asked,
                    conversation_id=conversation,
                    internet_message_id=f"<q{n}@fabrikam.com>",
                    categories=["Alice"] if mailbox == SUPPORT else [],
                )
                self.kept[f"{mailbox}:latest"] = question
                if self.random.random() < 0.8:
                    answered = asked + dt.timedelta(minutes=self.random.randint(10, 300))
                    self.graph.now = answered
                    store = ALICE if mailbox == SUPPORT else mailbox
                    self.graph.add_message(
                        store,
                        "sentitems",
                        subject=f"RE: Order {n}",
                        sender=store,
                        from_address=mailbox if mailbox == SALES else ALICE,
                        to=[customer],
                        received=answered,
                        conversation_id=conversation,
                        internet_message_id=f"<a{n}@contoso.com>",
                    )
        self.graph.now = observed(night) - dt.timedelta(minutes=30)

    def held(self, mailbox: str) -> set[str]:
        """internet_message_id of every message Graph holds in a folder the build reads."""
        stores = {mailbox: None} if mailbox == SALES else {SUPPORT: None, ALICE: "sentitems"}
        ids: set[str] = set()
        team_conversations: set[str] = set()
        for address, only in stores.items():
            box = self.graph.mailboxes[address]
            readable = {
                f.id
                for f in box.folders.values()
                if (only is None or f.well_known == only)
                and not _excluded(box.path(f), f.well_known)
            }
            held = [m.data for m in box.messages.values() if m.folder_id in readable]
            if only is not None:  # an agent's copy counts in a conversation of the team's
                held = [m for m in held if m["conversationId"] in team_conversations]
            else:  # the team mailbox, read first
                team_conversations = {m["conversationId"] for m in held}
            ids |= {m["internetMessageId"] for m in held}
        return ids


def _excluded(path: str, well_known: str | None) -> bool:
    key = path.replace(" ", "").lower()
    return any(key == e.replace(" ", "").lower() for e in EXCLUDED) or well_known in (
        "junkemail",
        "drafts",
        "outbox",
        "conversationhistory",
    )


# --- what each night does (before its build), by night --------------------------------


def inbox_burst(t: Tenant, name: str, count: int) -> None:
    """`count` new messages from customers in the support Inbox."""
    for n in range(count):
        t.graph.add_message(
            SUPPORT,
            "inbox",
            subject=f"{name} {n}",
            sender=f"{name}{n}@fabrikam.com",
            internet_message_id=f"<{name}-{n}@fabrikam.com>",
        )


def expire_every_token(t: Tenant) -> None:
    t.graph.expire_tokens()


def expire_in_the_middle_of_a_round(t: Tenant) -> None:
    """The first nextLink of the night answers 410: that folder's round starts again."""
    t.graph.inject(410, "SyncStateNotFound", match="$skiptoken")
    inbox_burst(t, "burst", 4)  # enough new mail in the inbox for a second page


def move_out_and_back(t: Tenant, mailbox: str = SUPPORT, via: str = "Inbox/Escalations") -> None:
    t.graph.move_out_and_back(mailbox, t.kept[f"{mailbox}:latest"], via)


def move_shown_in_no_folder(t: Tenant) -> None:
    t.graph.move(SUPPORT, t.kept[f"{SUPPORT}:latest"], "archive", announced=False)


def move_with_a_new_id(t: Tenant) -> None:
    t.graph.move(SUPPORT, t.kept[f"{SUPPORT}:latest"], "Projects", new_immutable_id=True)


def new_child_folder_and_rename(t: Tenant) -> None:
    t.graph.add_folder(SUPPORT, "VIP", parent="Inbox/Escalations")
    t.graph.move(SUPPORT, t.kept[f"{SUPPORT}:latest"], "Inbox/Escalations/VIP")
    t.graph.rename_folder(SUPPORT, "Inbox/Escalations", "Escalated")


def folder_deleted_before_its_round(t: Tenant) -> None:
    """Discovery lists Projects; it is deleted before its delta round asks for it."""
    folder = t.graph.folder_id(SUPPORT, "Projects")
    t.graph.on_request(folder, lambda: t.graph.delete_folder(SUPPORT, folder))


def transient_folder_404(t: Tenant) -> None:
    folder = t.graph.folder_id(SUPPORT, "archive")
    t.graph.inject(404, "ErrorItemNotFound", match=folder)


def throttled_seconds(t: Tenant) -> None:
    t.graph.inject(429, "ApplicationThrottled", times=2, retry_after=1, match="/messages/delta")


def throttled_http_date(t: Tenant) -> None:
    # the date is 1 s after the answer's own Date header (the tenant's clock)
    t.graph.inject(
        429,
        "ApplicationThrottled",
        retry_after=t.graph.now + dt.timedelta(seconds=1),
        match="/messages/delta",
    )


def large_pages_time_out(status: int) -> Callable[[Tenant], None]:
    def fault(t: Tenant) -> None:
        inbox_burst(t, f"large{status}", 3)
        t.graph.inject(status, "UnknownError", times=3, above_page_size=1)

    return fault


def folder_moved_under_another(t: Tenant) -> None:
    t.graph.move_folder(SUPPORT, "Inbox/Escalated", "archive")


def resync_required_for_alice(t: Tenant) -> None:
    """The deltaLink of Alice's Sent Items answers 410 resyncRequired (the delta link, quoted
    folder id; the round read again from scratch is answered)."""
    t.graph.inject(410, "resyncRequired", match=f"/users/{ALICE}/mailFolders('")


def sales_not_reachable(t: Tenant) -> None:
    t.graph.disable_rest(SALES)


def sales_back(t: Tenant) -> None:
    t.graph.disable_rest(SALES, enabled=True)


def categories_changed(t: Tenant) -> None:
    t.graph.categorize(SUPPORT, t.kept[f"{SUPPORT}:latest"], ["Alice", "Billing"])


def folder_deleted_between_nights(t: Tenant) -> None:
    t.graph.delete_folder(SUPPORT, "Archive/Escalated/VIP")


def deleted_for_good(t: Tenant) -> None:
    t.graph.delete(SUPPORT, t.kept[f"{SUPPORT}:latest"], permanent=True)


def retention_to_the_archive(t: Tenant) -> None:
    """A retention policy moves support's mail older than two weeks, the answers in Alice's
    Sent Items too, to the In-Place Archive, which Graph cannot read."""
    cutoff = t.graph.now - dt.timedelta(days=14)
    for address in (SUPPORT, ALICE):
        for message_id, message in list(t.graph.mailboxes[address].messages.items()):
            if dt.datetime.fromisoformat(message.data["receivedDateTime"]) < cutoff:
                t.graph.archive(address, message_id)


def expire_everything_mid_round(t: Tenant) -> None:
    expire_every_token(t)
    expire_in_the_middle_of_a_round(t)


EVENTS: dict[int, tuple[str, Callable[[Tenant], None]]] = {
    3: ("410 on every delta link", expire_every_token),
    5: ("410 on a nextLink", expire_in_the_middle_of_a_round),
    7: ("A->B->A move", move_out_and_back),
    8: ("move shown in no folder", move_shown_in_no_folder),
    9: ("new id on a move", move_with_a_new_id),
    10: ("mailbox added to the config", lambda t: None),
    11: ("new child folder, rename", new_child_folder_and_rename),
    12: ("folder deleted before its round", folder_deleted_before_its_round),
    13: ("404 of a moment", transient_folder_404),
    14: ("429, Retry-After seconds", throttled_seconds),
    15: ("429, Retry-After HTTP date", throttled_http_date),
    16: ("503 on large pages", large_pages_time_out(503)),
    17: ("504 on large pages", large_pages_time_out(504)),
    18: ("folder moved under another", folder_moved_under_another),
    19: ("resyncRequired in one mailbox", resync_required_for_alice),
    20: ("mailbox not enabled for REST", sales_not_reachable),
    21: ("mailbox back", sales_back),
    22: ("categories changed", categories_changed),
    24: ("410 everywhere, and mid-round", expire_everything_mid_round),
    26: ("A->B->A move in the added mailbox", lambda t: move_out_and_back(t, SALES, "archive")),
    27: ("retention: old mail to the archive", retention_to_the_archive),
    28: ("folder deleted between nights", folder_deleted_between_nights),
    30: ("message deleted for good", deleted_for_good),
}
# night -> (case, HTTP requests, requests inside $batch, seconds of the build)
NIGHTLY: dict[int, tuple[str, int, int, float]] = {}


@pytest.fixture
def tenant():
    graph = GraphEmulator(now=START).start()
    for address in (SUPPORT, ALICE, SALES):
        graph.add_mailbox(address)
    graph.add_folder(SUPPORT, "Escalations", parent="inbox")
    graph.add_folder(SUPPORT, "Projects")
    try:
        yield Tenant(graph)
    finally:
        graph.stop()


def audited(path: Path) -> dict[str, set[str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select mailbox_address, internet_message_id from marts.fct_message_audit"
        ).fetchall()
    present: dict[str, set[str]] = {}
    for mailbox, message in rows:
        present.setdefault(mailbox, set()).add(message)
    return present


def counted(path: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return set(
            con.execute(
                "select mailbox_address, internet_message_id from marts.fct_messages"
            ).fetchall()
        )


def coverage(path: Path) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(mailbox, first_loaded_at, last_loaded_at) of dim_mailboxes: what the marts cover."""
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("set timezone = 'UTC'")
        return con.execute(
            "select mailbox_address, first_loaded_at, last_loaded_at from marts.dim_mailboxes"
            " order by 1"
        ).fetchall()


def counted_twice(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select mailbox_address, internet_message_id, count(*) from marts.fct_messages "
            "group by all having count(*) > 1"
        ).fetchall()


@dataclass(frozen=True)
class Night:
    """What a night's checks need, taken when its build ended."""

    number: int
    case: str
    team: list[str]
    unreachable: bool  # sales@ is in the config and Graph cannot serve it tonight
    held: dict[str, set[str]]  # per mailbox, what Graph holds in the folders it reads
    built: Path  # a copy of the file as the night's build left it


def night_failures(night: Night, preloaded: Preloaded, counted_before: set) -> list[str]:
    """What is wrong with the night's marts; `counted_before` becomes tonight's counted set."""
    where, path = f"night {night.number} ({night.case})", night.built
    failures = []
    if differences := preloaded.rebuilt_differences(path):
        failures.append(f"{where}: marts differ from a full rebuild: {differences}")
    if twice := counted_twice(path):
        failures.append(f"{where}: counted twice: {twice}")
    # a message once counted stays counted: archived or deleted for good, it happened
    tonight = counted(path)
    if lost := counted_before - tonight:
        failures.append(f"{where}: counted last night, not tonight: {lost}")
    counted_before.clear()
    counted_before.update(tonight)
    # the marts say what they cover: each mailbox since its first night, until tonight
    # but for a night Graph could not serve it (its figures end the night before)
    covered = [
        (mailbox, observed(1 if mailbox == SUPPORT else SALES_FROM), observed(night.number))
        for mailbox in sorted(night.team)
    ]
    if night.unreachable:
        covered = [c if c[0] != SALES else (*c[:2], observed(night.number - 1)) for c in covered]
    if (coverage_tonight := coverage(path)) != covered:
        failures.append(f"{where}: dim_mailboxes covers {coverage_tonight}, not {covered}")
    present = audited(path)
    for mailbox, held in night.held.items():
        if missing := held - present.get(mailbox, set()):
            failures.append(f"{where}: {mailbox}: held by Graph, not in the marts: {missing}")
    return failures


@pytest.mark.timeout(3600)  # 30 nights; on two busy cores up to 90 s each
def test_a_month_of_graph_nights(tenant: Tenant, preloaded: Preloaded, tmp_path: Path):
    graph = tenant.graph
    config_path = tmp_path / "mailkpi.yml"
    path = tmp_path / "mailkpi.duckdb"
    env = offline_env(
        MAILKPI_CONFIG=str(config_path),
        SOURCES__MSGRAPH__BASE_URL=graph.base_url,
        SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN=DEFAULT_TOKEN,
        SOURCES__MSGRAPH__PAGE_SIZE="3",
        SOURCES__MSGRAPH__MAX_RETRY_WAIT_SECONDS="30",
    )
    counted_before: set[tuple[str, str]] = set()
    # a night's checks (its reference rebuild among them) run while the next night builds
    checks, checking = ThreadPoolExecutor(max_workers=1), None
    try:
        for number in range(1, NIGHTS + 1):
            team = [SUPPORT] + ([SALES] if number >= SALES_FROM else [])
            config_path.write_text(HEAD + SUPPORT_YML + (SALES_YML if number >= SALES_FROM else ""))
            tenant.day_of_mail(number, team)
            case, event = EVENTS.get(number, ("new mail only", lambda t: None))
            event(tenant)
            requests, items = len(graph.requests), len(graph.batch_items)

            started = time.monotonic()
            result = preloaded.mailkpi(
                "build",
                "--duckdb",
                str(path),
                env={**env, "MAILKPI_OBSERVED_AT": observed(number).isoformat()},
            )
            NIGHTLY[number] = (
                case,
                len(graph.requests) - requests,
                len(graph.batch_items) - items,
                time.monotonic() - started,
            )
            where = f"night {number} ({case})"
            assert result.returncode == 0, f"{where}: {result.stderr[-3000:]}"
            unreachable = SALES in graph.rest_disabled and SALES in team
            skipped = f"skipped {SALES}: not reachable with REST (MailboxNotEnabledForRESTAPI)"
            assert not unreachable or skipped in result.stderr, where

            # two files in turn: the night before's checks may still read the other one
            built = tmp_path / "nights" / str(number % 2) / path.name
            built.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, built)
            read = [m for m in team if not (m == SALES and unreachable)]  # skipped: as before
            night = Night(number, case, team, unreachable, {m: tenant.held(m) for m in read}, built)
            if checking is not None:
                failures = checking.result()
                assert not failures, "\n".join(failures)
            checking = checks.submit(night_failures, night, preloaded, counted_before)
        failures = checking.result()
        assert not failures, "\n".join(failures)
    finally:
        checks.shutdown(cancel_futures=True)
    print("\nnight  case  HTTP requests  inside $batch  build s")
    for number, (case, http, batched, build) in NIGHTLY.items():
        print(f"{number:2d}  {case:40s} {http:4d} {batched:4d} {build:6.1f}")


def build_night(preloaded: Preloaded, graph: GraphEmulator, path: Path, night: int) -> None:
    """`mailkpi build` of night `night` into `path`, with the mailkpi.yml beside it."""
    env = offline_env(
        MAILKPI_CONFIG=str(path.with_name("mailkpi.yml")),
        MAILKPI_OBSERVED_AT=observed(night).isoformat(),
        SOURCES__MSGRAPH__BASE_URL=graph.base_url,
        SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN=DEFAULT_TOKEN,
    )
    result = preloaded.mailkpi("build", "--duckdb", str(path), env=env)
    assert result.returncode == 0, f"night {night}: {result.stderr[-3000:]}"


def test_a_mailbox_removed_from_the_config_keeps_its_raw_rows(
    tenant: Tenant, preloaded: Preloaded, tmp_path: Path
):
    """sales@ leaves mailkpi.yml: the next night builds, the marts name only support@ (read
    since night 1, until night 2), and sales@'s observations stay in raw (a later return
    needs no first load again)."""
    path = tmp_path / "mailkpi.duckdb"
    for night, team in ((1, [SUPPORT, SALES]), (2, [SUPPORT])):
        (tmp_path / "mailkpi.yml").write_text(
            HEAD + SUPPORT_YML + (SALES_YML if SALES in team else "")
        )
        tenant.day_of_mail(night, [SUPPORT, SALES])
        build_night(preloaded, tenant.graph, path, night)
    with duckdb.connect(str(path), read_only=True) as con:
        named = con.execute(
            "select distinct mailbox_address from marts.fct_message_audit order by 1"
        ).fetchall()
        raw = con.execute(
            "select count(*) from raw.message_observations where mailbox_address = ?", [SALES]
        ).fetchall()
    assert named == [(SUPPORT,)]
    assert coverage(path) == [(SUPPORT, observed(1), observed(2))]
    assert raw[0][0] > 0


def test_a_resolved_thread_moved_to_the_in_place_archive_keeps_its_history(
    tenant: Tenant, preloaded: Preloaded, tmp_path: Path
):
    """A customer's question is answered by Alice 30 minutes later and moved to Done (a
    resolved folder) after an hour; the next day a retention policy moves both to the
    In-Place Archive, which Graph reports as `@removed`. The thread stays as it was: resolved
    at 10:00, first response after 30 minutes, no reopen, both messages counted."""
    graph = tenant.graph
    graph.add_folder(SUPPORT, "Done")
    config_path = tmp_path / "mailkpi.yml"
    config_path.write_text(HEAD + SUPPORT_YML.replace("folders: {", "folders: {resolved: [Done], "))
    path = tmp_path / "mailkpi.duckdb"
    asked = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    graph.now = asked
    question = graph.add_message(
        SUPPORT,
        "inbox",
        subject="Order 1",
        sender="customer1@fabrikam.com",
        to=[SUPPORT],
        received=asked,
        conversation_id="conv-1",
        internet_message_id="<q1@fabrikam.com>",
    )
    graph.now = asked + dt.timedelta(minutes=30)
    answer = graph.add_message(
        ALICE,
        "sentitems",
        subject="RE: Order 1",
        sender=ALICE,
        from_address=ALICE,
        to=["customer1@fabrikam.com"],
        received=graph.now,
        conversation_id="conv-1",
        internet_message_id="<a1@contoso.com>",
    )
    graph.now = asked + dt.timedelta(hours=1)
    graph.move(SUPPORT, question, "Done")  # lastModifiedDateTime 10:00: the resolution

    # (status, first response minutes, resolved at, resolution minutes, reopens, in, out):
    # the answer's sentDateTime is 5 s before its receivedDateTime (the emulator's mail
    # store), so the response came 30 min - 5 s = 29 11/12 min after the question
    expected = [("resolved", 30 - 5 / 60, asked + dt.timedelta(hours=1), 60.0, 0, 1, 1)]
    for night in (2, 3):
        if night == 3:
            graph.now = observed(2) + dt.timedelta(hours=12)
            graph.archive(SUPPORT, question)
            graph.archive(ALICE, answer)
        build_night(preloaded, graph, path, night)
        with duckdb.connect(str(path), read_only=True) as con:
            threads = con.execute(
                "select status, first_response_minutes, resolved_at, resolution_minutes,"
                " reopen_count, inbound_count, outbound_count from marts.fct_threads"
            ).fetchall()
            audit = con.execute(
                "select internet_message_id, excluded_reason from marts.fct_message_audit"
                " order by 1"
            ).fetchall()
            removed = con.execute(
                "select count(*) from raw.message_observations where is_removed"
            ).fetchall()[0][0]
        assert threads == expected, f"night {night}"
        assert audit == [("<a1@contoso.com>", None), ("<q1@fabrikam.com>", None)]
        assert removed == (2 if night == 3 else 0)  # Graph did report both as removed
    assert preloaded.rebuilt_differences(path) == {}

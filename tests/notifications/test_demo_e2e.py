"""The demo tenant end to end: a build with an SMTP channel delivers the demo's at-risk and
breached alerts once, a second build nothing new; the weekly digest equals the marts and is
looked at in headless Chromium (build/screenshots/digest.png)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from tests.conftest import ROOT, offline_env, run_mailkpi

from .servers import silent_server, smtp_server, smtp_url

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("notifications_demo")]

SCREENSHOT = ROOT / "build" / "screenshots" / "digest.png"  # docs/img/digest.png is a copy
SECRET = "webhook-Token-0123"
CARD = re.compile(
    r'<div style="font-size:12px;color:#666666">([^<]+)</div>'
    r'<div style="font-size:22px;[^"]*">([^<]+)</div>'
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Two builds of the bundled demo tenant (shipped mailkpi.yml) with an SMTP channel."""
    path = tmp_path_factory.mktemp("demo-alerts") / "mailkpi.duckdb"
    with smtp_server() as (box, port):
        env = offline_env(MAILKPI_CHANNEL_MANAGERS=smtp_url(port))
        first = run_mailkpi("build", "--source", "demo", "--duckdb", str(path), env=env)
        assert first.returncode == 0, first.stderr[-3000:]
        after_first = list(box.messages)
        second = run_mailkpi("build", "--source", "demo", "--duckdb", str(path), env=env)
        assert second.returncode == 0, second.stderr[-3000:]
        digest = run_mailkpi("digest", "--period", "week", "--duckdb", str(path), env=env)
        assert digest.returncode == 0, digest.stderr[-3000:]
    return path, after_first, box.messages, first, second, digest


HEADLINES = "First response due soon|First response overdue|Customer waiting for a reply"


def _alerts(messages) -> list[tuple[str, str]]:
    """(headline, conversation id) of every thread alert in the alert e-mails: each alert
    starts with its headline and carries one dashboard link."""
    found = []
    for mail in messages:
        if "digest" in mail["Subject"]:
            continue
        text = mail.get_body(("plain",)).get_content()
        headlines = re.findall(rf"^\s*({HEADLINES}):", text, re.MULTILINE)
        conversations = re.findall(r"conversation=([^\s&]+)", text)
        assert len(headlines) == len(conversations), text[:2000]
        found += zip(headlines, conversations, strict=True)
    return found


def test_a_demo_build_delivers_the_at_risk_and_breached_alerts_once(demo):
    path, after_first, messages, first, second, _ = demo
    # the demo's as_of is Monday 01:00 London: the first-response rules skip quiet hours
    # (mailkpi.yml); turn_unanswered and unassigned_threads are held. As of that instant
    # (SQL below): Support 1 thread at risk (60 business minutes left of its Key accounts
    # hour: it came in on Saturday night) and 29 breached, Sales 10 breached: 40 alerts, one
    # message per mailbox.
    alerts = _alerts(after_first)
    assert len(after_first) == 2
    assert sorted(h for h, _ in alerts).count("First response due soon") == 1
    assert sorted(h for h, _ in alerts).count("First response overdue") == 39
    with duckdb.connect(str(path), read_only=True) as con:
        breached = con.execute(
            "select conversation_id from marts.fct_threads where first_response_at is null "
            "and status <> 'resolved' and sla_first_response_status = 'breached'"
        ).fetchall()
        at_risk = con.execute(
            "select conversation_id from marts.fct_threads where first_response_at is null "
            "and status <> 'resolved' and sla_first_response_status = 'pending' "
            "and first_response_sla_minutes - awaiting_team_business_minutes <= 60"
        ).fetchall()
    encoded = {unquote(c) for h, c in alerts if h == "First response overdue"}
    assert encoded == {c for (c,) in breached}
    assert len(at_risk) == 1
    assert "notifications: 40 new alerts sent in 2 messages" in first.stderr
    # the second build: the same data, nothing new
    assert "notifications: 0 new alerts sent in 0 messages" in second.stderr
    assert len([m for m in messages if "digest" not in m["Subject"]]) == 2


def test_the_weekly_digest_equals_the_marts(demo):
    path, _, messages, *_, digest = demo
    digests = [m for m in messages if "digest" in m["Subject"]]
    assert len(digests) == 2
    assert "2 digest(s) sent" in digest.stdout
    # last complete week: Support (London) 9-15 Nov; Sales (New York, Sunday 20:00) 2-8 Nov
    weeks = {"support@contoso.com": "2026-11-09", "sales@contoso.com": "2026-11-02"}
    for mail in digests:
        mailbox = re.search(r"\((\S+@contoso\.com)\)", mail["Subject"])[1]
        cards = dict(CARD.findall(mail.get_body(("html",)).get_content()))
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute(
                "select new_threads, inbound_messages, outbound_messages, resolved_threads, "
                "sla_met_rate from marts.agg_mailbox_weekly "
                "where mailbox_address = ? and period_start = ?",
                [mailbox, weeks[mailbox]],
            ).fetchall()[0]
        assert (
            cards["New threads"],
            cards["Customer messages"],
            cards["Replies sent"],
            cards["Resolved threads"],
            cards["First-response SLA met"],
        ) == (f"{row[0]:,}", f"{row[1]:,}", f"{row[2]:,}", f"{row[3]:,}", f"{row[4]:.0%}")


@pytest.mark.browser
def test_the_digest_reads_in_a_browser(demo, tmp_path):
    from tests.dashboards.browser import chromium

    path = demo[0]
    out = tmp_path / "digest.html"
    result = run_mailkpi(
        "digest", "--period", "week", "--mailbox", "support@contoso.com",
        "--duckdb", str(path), "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with chromium() as page:
        page.set_viewport_size({"width": 720, "height": 1000})
        page.goto(out.as_uri())
        chart = page.locator("img[alt='reply time trend']")
        assert chart.evaluate("i => i.complete && i.naturalWidth") > 1000  # PNG at scale 2
        # nothing wider than the 640-pixel e-mail column (+ the page's margins)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 720
        assert page.get_by_text("Threads that breached (8)").is_visible()
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert Path(SCREENSHOT).stat().st_size > 20_000


@pytest.mark.browser
def test_an_alert_link_opens_its_thread_in_the_dashboard(demo):
    from tests.dashboards.browser import chromium, exceptions, load, serve

    path, after_first, *_ = demo
    text = after_first[0].get_body(("plain",)).get_content()
    subject = re.search(r"^\s*First response overdue: (.+)$", text, re.MULTILINE)[1].strip()
    link = re.search(r"Open: http://127\.0\.0\.1:8501(/threads\?\S+)", text)[1]
    with serve(path) as url, chromium() as page:
        load(page, url + link, "Threads")
        heading = page.get_by_role("heading", name=subject, exact=True)
        heading.wait_for(timeout=60_000)
        assert exceptions(page) == []


def test_a_hanging_channel_neither_fails_nor_holds_up_a_build(demo, tmp_path):
    """A transform of the demo file whose channel accepts connections and never answers:
    exit 0, the build's summary line, one line naming the channel, the marts as before."""
    path = tmp_path / "mailkpi.duckdb"
    shutil.copyfile(demo[0], path)
    with duckdb.connect(str(path), read_only=True) as con:
        before = con.execute("select * from marts.fct_threads order by all").fetchall()
    with silent_server() as port:
        env = offline_env(
            MAILKPI_CHANNEL_MANAGERS=f"jsons://mailkpi:{SECRET}@127.0.0.1:{port}/hook",
            MAILKPI_NOTIFY_TIMEOUT="2",
        )
        result = run_mailkpi("transform", "--duckdb", str(path), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith("mailkpi: built demo tenant: ")
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("notifications:")]
    # the first message times out after 2 s and the channel is skipped for the rest of the
    # run: all 40 first-response alerts wait; the turns (123) and Sales' 11 unassigned
    # threads (> 10) are held for quiet hours
    assert lines == [
        "notifications: channel managers: timed out; 40 alerts wait for the next run",
        "notifications: 0 new alerts sent in 0 messages; 124 held until their mailbox opens",
    ]
    assert SECRET not in result.stdout + result.stderr
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select * from marts.fct_threads order by all").fetchall() == before

"""`mailkpi notify` killed with SIGKILL mid-send: no alert lost, none doubled.

Two channels are sent in name order: `a_fast` answers at once, `b_slow` holds the message
in DATA (before its 250), where the process is killed. A message whose sender vanished
before the 250 is not accepted (aiosmtpd drops the session). So at the kill `a_fast` has
its message and its ledger rows (killed after that write), `b_slow` neither (killed during
the send); the next run must send `b_slow` its alerts and `a_fast` nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess

import yaml

from tests.conftest import MAILKPI, ROOT, offline_env

from .conftest import ALL_RULES, MAILBOXES
from .servers import smtp_server, smtp_url, wait_for


def _config(folder) -> str:
    path = folder / "mailkpi.yml"
    channels = {"a_fast": {"url_env": "CHANNEL_A"}, "b_slow": {"url_env": "CHANNEL_B"}}
    alerts = [{**rule, "channels": ["a_fast", "b_slow"]} for rule in ALL_RULES]
    path.write_text(
        yaml.safe_dump(
            {"mailboxes": MAILBOXES, "notifications": {"channels": channels, "alerts": alerts}}
        )
    )
    return str(path)


def _notify(marts, config, env) -> subprocess.Popen:
    return subprocess.Popen(
        [str(MAILKPI), "notify", "--duckdb", str(marts), "--config", config],
        cwd=ROOT,
        env=offline_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_kill_during_a_send_loses_and_doubles_nothing(marts, tmp_path):
    config = _config(tmp_path)
    with smtp_server() as (fast, fast_port), smtp_server(stall=60) as (slow, slow_port):
        env = {"CHANNEL_A": smtp_url(fast_port), "CHANNEL_B": smtp_url(slow_port)}
        process = _notify(marts, config, env)
        wait_for(slow.data_started.is_set, timeout=60)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert len(fast.messages) == 1 and slow.messages == []
        slow.stall = 0
        rerun = _notify(marts, config, env)
        out, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err
        assert "7 new alerts sent in 1 message" in out
        again = _notify(marts, config, env)
        out, _ = again.communicate(timeout=120)
        assert "0 new alerts sent" in out
    # each channel holds the seven alerts once
    assert len(fast.messages) == 1 and len(slow.messages) == 1
    assert fast.messages[0]["Subject"] == slow.messages[0]["Subject"]


def test_notify_prints_one_line_per_failing_channel_and_no_url(marts, tmp_path):
    config = _config(tmp_path)
    secret = "hunter2-but-longer"
    with smtp_server() as (_fast, fast_port):
        env = {
            "CHANNEL_A": smtp_url(fast_port),
            "CHANNEL_B": smtp_url(1, "mailkpi", secret),  # nothing listens on port 1
        }
        out, err = _notify(marts, config, env).communicate(timeout=120)
    assert err.strip().splitlines() == [
        "notifications: channel b_slow: connection refused; 7 alerts wait for the next run"
    ]
    assert out.strip() == "mailkpi: notifications: 7 new alerts sent in 1 message"
    assert secret not in out + err and "mailto" not in out + err

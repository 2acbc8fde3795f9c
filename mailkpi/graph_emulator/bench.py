"""Benchmark: the Graph source reading one large mailbox from the emulator.

python -m mailkpi.graph_emulator.bench [--messages 100000] [--page-size 250]
Prints rows/s, requests, and requests per 1,000 messages of a first and a second run, and
the emulator's count of each kind of request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import dlt
import duckdb
import pandas  # noqa: F401 - imported once before timing, as in any long-lived run

from pipelines.msgraph import msgraph_source

from ..config import load_config
from ..sources import graph_mailboxes
from . import DEFAULT_TOKEN, GraphEmulator
from .server import LoggedRequest

MAILBOX = "support@contoso.com"
FOLDERS = {"inbox": 0.6, "archive": 0.3, "sentitems": 0.1}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=250)
    args = parser.parse_args()

    # The emulator runs in its own process, so it does not share the GIL with the source.
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(args.messages, child), daemon=True)
    server.start()
    base_url = parent.recv()
    os.environ["SOURCES__MSGRAPH__BASE_URL"] = base_url
    os.environ["SOURCES__MSGRAPH__CREDENTIALS__ACCESS_TOKEN"] = DEFAULT_TOKEN
    os.environ["SOURCES__MSGRAPH__PAGE_SIZE"] = str(args.page_size)
    work = Path(tempfile.mkdtemp(prefix="mailkpi-bench-"))
    (work / "mailkpi.yml").write_text(f"mailboxes: [{{address: {MAILBOX}}}]\n")
    config = load_config(work / "mailkpi.yml")
    database = work / "bench.duckdb"
    for run in ("first", "second"):
        pipeline = dlt.pipeline(
            "mailkpi",
            destination=dlt.destinations.duckdb(str(database)),
            dataset_name="raw",
            pipelines_dir=tempfile.mkdtemp(prefix="dlt-"),
        )
        pipeline.sync_destination()  # restore the delta links, as pipeline.run does
        started = time.perf_counter()
        pipeline.extract(msgraph_source(graph_mailboxes(config)), loader_file_format="parquet")
        extracted = time.perf_counter() - started
        pipeline.normalize()
        pipeline.load()
        total = time.perf_counter() - started
        with duckdb.connect(str(database), read_only=True) as con:
            requests, rows = con.execute(
                "select requests, messages_new + messages_changed + messages_removed "
                "from raw.sync_runs order by run_finished_at desc limit 1"
            ).fetchone()
        print(
            f"{run} run: {rows} rows, {requests} requests "
            f"({1000 * requests / args.messages:.1f} per 1,000 messages in the mailbox), "
            f"extract {extracted:.1f} s ({rows / extracted:,.0f} rows/s), "
            f"extract+normalize+load {total:.1f} s ({rows / total:,.0f} rows/s)"
        )
        parent.send("kinds")
        kinds = parent.recv()
        print(f"{run} run requests by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    parent.send("stop")
    server.join(timeout=10)


def serve(messages: int, conn) -> None:
    """Fill an emulator with one mailbox of `messages` spread over 150,000 minutes."""
    graph = GraphEmulator().start()
    graph.add_mailbox(MAILBOX)
    now = dt.datetime.now(dt.UTC)
    for folder, share in FOLDERS.items():
        count = int(messages * share)
        for i in range(count):
            graph.add_message(
                MAILBOX,
                folder,
                subject=f"Case {i}",
                received=now - dt.timedelta(minutes=(i * 150_000) // count + 1),
                cc=["bob@contoso.com"],
                headers={"X-Mailer": "bench"},
            )
    conn.send(graph.base_url)
    seen = 0
    while conn.recv() == "kinds":
        conn.send(dict(sorted(Counter(kind(r) for r in graph.requests[seen:]).items())))
        seen = len(graph.requests)
    graph.stop()


def kind(request: LoggedRequest) -> str:
    if request.method == "POST":
        return "$batch"
    if request.path.endswith(("/mailFolders", "/childFolders")):
        return "folder list"
    if "/messages/delta" in request.path:
        for token, name in (("$skiptoken", "delta next"), ("$deltatoken", "delta link")):
            if token in request.query:
                return name
        return "delta first"
    return "other GET"


if __name__ == "__main__":
    main()

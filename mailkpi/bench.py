"""`mailkpi bench`: time the nightly build of synthetic tenants of growing size.

Each size is a fresh demo tenant in a temporary directory: generated once and recorded
(`python -m mailkpi.record_demo`, timed on its own), then built with the real commands, load
and dbt timed apart (`mailkpi extract` replaying the recording, then `mailkpi transform`, each its
own process), then built again after the window grows by about 1 % (new messages, and the
moves and category changes of earlier ones), and that night once more as a nightly job runs
it: one `mailkpi build`, extract and transform in one process. Peak memory is that
of those processes and their children (dbt), as the kernel counts it when each is reaped.
The Graph path is timed by the emulator benchmark (`python -m mailkpi.graph_emulator.bench`)
at one size. Last, every page of the dashboards is opened on the built file, each in a
process of its own under Streamlit's AppTest (`python -m mailkpi.bench_pages`), and the
data calls it made timed again warm; with a baseline revision, its `dashboards/` too, on
the same file.

This machine's speed varies from hour to hour (a shared host): every size also times a
fixed piece of pure Python before and after it (the CPU yardstick), so that figures taken
at different times can be compared.

The last line printed is one JSON object with the largest size's figures.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import json
import logging
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .database import building_path
from .environment import QUIET_ENV, ROOT
from .semantic import compiled_sql_directory
from .transform import dbt_command

SIZES = (10_000, 100_000, 1_000_000)
GRAPH_MESSAGES = 100_000
GRAPH_PAGE_SIZE = 250
GROWTH = 0.01  # the incremental build: the window grows by this share of its days
QUERY_REPEATS = 3
SEMANTIC_GROUP_BY = "mailbox,metric_time__week"
YARDSTICK_LOOPS = 5_000_000
RESULTS = ROOT / "bench" / "results.md"
NOTES_HEADING = "## Notes"
JSON_KEYS = (
    "messages",
    "extract_load_rows_per_s",
    "full_build_s",
    "incremental_build_s",
    "dashboard_query_ms",
    "page_first_render_s",
    "tile_warm_ms",
    "peak_rss_mb",
    "graph_rows_per_s",
    "graph_requests_per_1k",
)
# Targets at 1M messages on the 2-core machine (docs/performance.md).
TARGETS = {
    "load_and_build_s": 60,
    "incremental_build_s": 15,
    "peak_rss_mb": 3 * 1024,
    "dashboard_query_ms": 500,
    "page_first_render_cold_s": 2,
    "page_first_render_s": 2,
    "page_after_build_s": 2,
    "tile_warm_ms": 500,
    "semantic_query_s": 2,
}
APP = ROOT / "dashboards" / "app.py"

log = logging.getLogger("mailkpi")


class BenchFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Step:
    """One command: wall time, peak RSS of it and its children, and what it printed."""

    seconds: float
    peak_rss_mb: float
    output: str


def _command(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> Step:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read()
    # wait4, not wait: its usage covers the process and every child it reaped (dbt)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if process.returncode != 0:
        tail = "\n".join(output.splitlines()[-15:])
        raise BenchFailed(f"{' '.join(args[:3])} failed ({process.returncode}):\n{tail}")
    return Step(seconds, usage.ru_maxrss / 1024, output)  # ru_maxrss is in KiB on Linux


def _mailkpi(args: list[str], env: dict[str, str]) -> Step:
    return _command(["-m", "mailkpi.cli", *args], env)


def yardstick() -> float:
    """Seconds of a fixed pure-Python loop (the best of three): how fast this machine is now."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(YARDSTICK_LOOPS):
            total += i * i
        runs.append(time.perf_counter() - started)
    return min(runs)


def _observations(step: Step) -> int:
    """Rows loaded, from `mailkpi extract`'s summary line."""
    found = re.search(r"loaded ([\d,]+) observations", step.output)
    if not found:
        raise BenchFailed(f"no load summary in:\n{step.output[-500:]}")
    return int(found.group(1).replace(",", ""))


def heaviest_query(path: Path) -> tuple[str, float]:
    """The slowest dashboard query on the whole window (median of a few runs), in ms.

    Every query function of `dashboards/queries.py` runs uncached, as on a first visit,
    with the sidebar's widest choice: every mailbox, from the first day to as_of.
    """
    import duckdb
    import streamlit  # noqa: F401 - first, to quieten its caches' "no runtime" warnings

    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from dashboards import queries, ui
    from dashboards.scope import Scope
    from pipelines.demo import DEMO_START

    def plain(func):
        return getattr(func, "__wrapped__", func)

    stat = path.stat()
    db = queries.Database(str(path), stat.st_mtime_ns, stat.st_size)
    as_of = plain(queries.as_of)(db)
    mailboxes = tuple(plain(queries.mailbox_options)(db)["mailbox_address"])
    scope = Scope(mailboxes, DEMO_START, as_of.date())
    statuses = tuple(ui.STATE_LABELS)
    sample = plain(queries.thread_list)(db, scope, "", statuses).iloc[0]
    excluded = plain(queries.excluded_by_rule)(db, scope)
    arguments = {
        "db": db,
        "scope": scope,
        "mailboxes": mailboxes,
        "kind": queries.TURN_KINDS[0],
        "period": "week",
        "width_minutes": 30.0,
        "bins": 48,
        "search": "",
        "statuses": statuses,
        "mailbox": sample["mailbox_address"],
        "conversation": sample["conversation_id"],
        "name": "fct_threads",
        "reason": excluded["excluded_reason"].iloc[0] if len(excluded) else "",
    }
    timings = {}
    for name, func in vars(queries).items():
        if name.startswith("_") or not hasattr(func, "__wrapped__"):
            continue
        func = func.__wrapped__
        args = [arguments[p] for p in inspect.signature(func).parameters]
        runs = []
        for _ in range(QUERY_REPEATS):
            started = time.perf_counter()
            try:
                func(*args)
            except duckdb.CatalogException:
                break  # a mart this build does not have: its page does not ask (has_mart)
            runs.append(1000 * (time.perf_counter() - started))
        if runs:
            timings[name] = statistics.median(runs)
    slowest = max(timings, key=timings.get)
    return slowest, timings[slowest]


def page_names(app: Path) -> list[str]:
    """The pages `app` routes to, in its order: their file names under views/."""
    return re.findall(r'st\.Page\(\s*"views/(\w+)\.py"', app.read_text())


def _page(app: Path, page: str, env: dict[str, str], *, warm: bool) -> dict:
    args = ["-m", "mailkpi.bench_pages", str(app), page, *(["--warm"] if warm else [])]
    step = _command(args, env)
    return json.loads(step.output.strip().splitlines()[-1])


def time_pages(
    app: Path, env: dict[str, str], compiled_sql: Path | None, pages: tuple[str, ...] = ()
) -> dict[str, dict]:
    """Every page of `app` (or those named) on env's MAILKPI_DUCKDB, each in fresh processes:
    first with the semantic layer's compiled SQL removed (`compiled_sql`; None: an app
    without it), then with the SQL that first visit compiled, its data calls timed warm."""
    timed = {}
    for page in [p for p in page_names(app) if not pages or p in pages]:
        cold = None
        if compiled_sql is not None:
            shutil.rmtree(compiled_sql, ignore_errors=True)
            cold = _page(app, page, env, warm=False)
        warm = _page(app, page, env, warm=True)
        if "error" in (cold or warm):
            timed[page] = {"error": (cold or warm)["error"]}
            continue
        calls = warm["calls"]
        timed[page] = {
            "title": warm["title"],
            "first_render_cold_s": (cold or warm)["first_render_s"],
            "first_render_s": warm["first_render_s"],
            "after_build_s": warm["after_build_s"],
            "data_calls": len(calls),
            **_slowest(calls, "semantic", "tile"),
            **_slowest(calls, "query", "query"),
        }
    return timed


def _slowest(calls: list[dict], kind: str, prefix: str) -> dict:
    of_kind = [c for c in calls if c["kind"] == kind]
    if not of_kind:
        return {}
    slowest = max(of_kind, key=lambda c: c["ms"])
    return {f"{prefix}_ms": slowest["ms"], f"{prefix}": slowest["name"]}


# a page's figure -> the result key of the slowest page's
SLOWEST_PAGE_FIGURES = {
    "first_render_cold_s": "page_first_render_cold_s",
    "first_render_s": "page_first_render_s",
    "after_build_s": "page_after_build_s",
    "tile_ms": "tile_warm_ms",
    "query_ms": "page_query_warm_ms",
}


def pages_summary(pages: dict[str, dict], prefix: str = "") -> dict:
    """The slowest page and call over `pages` (those that rendered), keyed with `prefix`."""
    rendered = {name: page for name, page in pages.items() if "error" not in page}
    figures = {f"{prefix}pages": pages}
    for key, figure in SLOWEST_PAGE_FIGURES.items():
        having = {name: page for name, page in rendered.items() if key in page}
        if having:
            name = max(having, key=lambda n: having[n][key])
            figures[prefix + figure] = having[name][key]
            figures[prefix + figure + "_page"] = name
            if key in ("tile_ms", "query_ms"):
                figures[prefix + figure + "_name"] = having[name][key.removesuffix("_ms")]
    return figures


def checked_out_app(revision: str, into: Path) -> Path:
    """`revision`'s dashboards/ under `into` (git archive): its app.py."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "dashboards"],
        capture_output=True,
    )
    if archive.returncode != 0:
        raise BenchFailed(f"git archive {revision}: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "dashboards" / "app.py"


def dbt_nodes(target: Path) -> dict:
    """Where a `dbt build`'s time went, from its run_results.json: the run phase (after
    start-up and parsing), node seconds per kind (summed over dbt's threads), slowest nodes."""
    run = json.loads((target / "run_results.json").read_text())
    figures = {"dbt_run_s": run["elapsed_time"], "dbt_nodes": len(run["results"])}
    for kind in ("model", "test", "unit_test"):
        figures[f"dbt_{kind}_s"] = sum(
            n["execution_time"] for n in run["results"] if n["unique_id"].startswith(kind + ".")
        )
    slowest = sorted(run["results"], key=lambda n: -n["execution_time"])[:5]
    figures["dbt_slowest"] = [(n["unique_id"], n["execution_time"]) for n in slowest]
    return figures


def measure_size(
    messages: int, work: Path, baseline_app: Path | None = None, pages: tuple[str, ...] = ()
) -> dict:
    """Full build, incremental build, dashboard queries and pages of one demo tenant; with
    `baseline_app`, that app's pages too, on the same file."""
    from pipelines.demo import DEMO_END, DEMO_START

    speed_before = yardstick()
    database = work / "mailkpi.duckdb"
    env = {
        **os.environ,
        **QUIET_ENV,
        "MAILKPI_DUCKDB": str(database),
        "MAILKPI_CONFIG": str(ROOT / "mailkpi.yml"),
        # dbt's artefacts beside the tenant: nothing shared with other builds of the tree
        "DBT_TARGET_PATH": str(work / "dbt-target"),
        "DBT_LOG_PATH": str(work / "dbt-logs"),
    }
    env.pop("SOURCES__DEMO__END", None)
    # the window of the incremental build, a few nights later; recorded once for both loads
    extra_days = max(1, round(GROWTH * (DEMO_END - DEMO_START).days))
    extended_end = (DEMO_END + dt.timedelta(days=extra_days)).isoformat()
    recording = work / "recording"
    generate = _command(
        [
            *("-m", "mailkpi.record_demo", str(recording)),
            *("--messages", str(messages), "--end", extended_end),
        ],
        env,
    )
    # dlt configuration: the demo source's `recording` argument
    env["SOURCES__DEMO__RECORDING"] = str(recording)
    # dbt's parse cache, as a machine that has built before keeps it (dbt/target); the
    # cold parse of a first build is its own figure. The profile names the file dbt will
    # write: a different path would make dbt parse again.
    parse_env = {**env, "MAILKPI_DUCKDB": str(building_path(database))}
    parse = _command(dbt_command("parse"), parse_env)
    source = ["--source", "demo", "--demo-messages", str(messages)]
    extract = _mailkpi(["extract", *source], env)
    transform = _mailkpi(["transform"], env)
    rows = _observations(extract)
    full_dbt = dbt_nodes(work / "dbt-target")
    size_mb = database.stat().st_size / 2**20
    query, query_ms = heaviest_query(database)
    # the semantic layer: a new query shape (MetricFlow compiles it), then the same again
    semantic = ["query", "--metrics", "reply_minutes_median", "--group-by", SEMANTIC_GROUP_BY]
    semantic_first, semantic_again = _mailkpi(semantic, env), _mailkpi(semantic, env)

    # the same night once more, as a nightly job runs it: the full build's file, back at its
    # own path (dbt's parse cache names it), and one `mailkpi build`
    before_night = work / "before-night.duckdb"
    shutil.copyfile(database, before_night)
    # dlt configuration: the demo source's `end` argument
    env["SOURCES__DEMO__END"] = extended_end
    more = _mailkpi(["extract", *source], env)
    incremental = _mailkpi(["transform"], env)
    new_rows = _observations(more)
    after_incremental_mb = database.stat().st_size / 2**20
    os.replace(before_night, database)
    nightly = _mailkpi(["build", *source], env)
    # the dashboards on the night's file, last: nothing timed after them but the yardstick
    compiled_sql = compiled_sql_directory(work / "dbt-target" / "semantic_manifest.json")
    today = time_pages(APP, env, compiled_sql, pages)
    failed = {name: page["error"] for name, page in today.items() if "error" in page}
    if failed:
        raise BenchFailed(f"dashboard pages failed: {failed}")
    page_figures = pages_summary(today)
    if baseline_app is not None:
        page_figures |= pages_summary(time_pages(baseline_app, env, None, pages), "baseline_")
    return {
        **page_figures,
        **full_dbt,
        "dbt_overhead_s": transform.seconds - full_dbt["dbt_run_s"],
        "incremental_dbt_run_s": dbt_nodes(work / "dbt-target")["dbt_run_s"],
        "messages": messages,
        "observations": rows,
        "generate_s": generate.seconds,
        "parse_s": parse.seconds,
        "extract_load_s": extract.seconds,
        "extract_load_rows_per_s": rows / extract.seconds,
        "full_build_s": transform.seconds,
        "load_and_build_s": extract.seconds + transform.seconds,
        "new_observations": new_rows,
        "new_share": new_rows / rows,
        "incremental_extract_s": more.seconds,
        "incremental_build_s": incremental.seconds,
        "nightly_build_s": nightly.seconds,
        "dashboard_query": query,
        "dashboard_query_ms": query_ms,
        "semantic_query_s": semantic_first.seconds,
        "semantic_query_cached_s": semantic_again.seconds,
        "peak_rss_mb": max(s.peak_rss_mb for s in (extract, transform, more, incremental, nightly)),
        "duckdb_mb": size_mb,
        "duckdb_after_incremental_mb": after_incremental_mb,
        "yardstick_before": speed_before,
        "yardstick_after": yardstick(),
    }


def measure_graph(messages: int) -> dict:
    """First (full) sync of one mailbox from the Graph emulator: rows/s and requests."""
    step = _command(
        [
            "-m",
            "mailkpi.graph_emulator.bench",
            "--messages",
            str(messages),
            "--page-size",
            str(GRAPH_PAGE_SIZE),
        ],
        {**os.environ, **QUIET_ENV},
    )
    first = re.search(
        r"first run: (\d+) rows, (\d+) requests.*extract\+normalize\+load ([\d.]+) s",
        step.output,
    )
    if not first:
        raise BenchFailed(f"unexpected output of the Graph benchmark:\n{step.output[-500:]}")
    from .graph_emulator.bench import FOLDERS

    rows, requests, seconds = int(first[1]), int(first[2]), float(first[3])
    return {
        "graph_messages": messages,
        "graph_rows_per_s": rows / seconds,
        "graph_requests": requests,
        "graph_requests_per_1k": 1000 * requests / messages,
        "graph_request_bound": -(-messages // GRAPH_PAGE_SIZE) + 2 * len(FOLDERS),
        "graph_folders": len(FOLDERS),
    }


def machine() -> str:
    import dbt.version
    import duckdb

    cpu = platform.processor() or platform.machine()
    try:
        models = re.findall(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = models[0] if models else cpu
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"dbt-core {dbt.version.__version__}"
    )


def _load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


ROWS = (
    ("observations", "raw observation rows", "{:,.0f}"),
    ("generate_s", "generate the demo tenant (s)", "{:.1f}"),
    ("parse_s", "dbt parse, cold, before the first build (s)", "{:.1f}"),
    ("extract_load_s", "extract + load (s)", "{:.1f}"),
    ("extract_load_rows_per_s", "extract + load (rows/s)", "{:,.0f}"),
    ("full_build_s", "full dbt build (s)", "{:.1f}"),
    ("dbt_overhead_s", "… dbt start-up, file copy and swap (s)", "{:.1f}"),
    ("dbt_run_s", "… dbt run phase (s)", "{:.1f}"),
    ("dbt_model_s", "… … model node-seconds", "{:.1f}"),
    ("dbt_test_s", "… … data test node-seconds", "{:.1f}"),
    ("dbt_unit_test_s", "… … unit test node-seconds", "{:.1f}"),
    ("load_and_build_s", "full build: load + dbt (s)", "{:.1f}"),
    ("new_share", "incremental: new observations", "{:.1%}"),
    ("incremental_extract_s", "incremental: extract + load (s)", "{:.1f}"),
    ("incremental_build_s", "incremental dbt build (s)", "{:.1f}"),
    ("nightly_build_s", "nightly `mailkpi build` of that night, extract + dbt (s)", "{:.1f}"),
    ("dashboard_query_ms", "heaviest dashboard query (ms)", "{:.0f}"),
    ("semantic_query_s", "`mailkpi query`, one metric by mailbox and week (s)", "{:.2f}"),
    ("semantic_query_cached_s", "… the same query shape again, SQL cached (s)", "{:.2f}"),
    (
        "page_first_render_cold_s",
        "slowest dashboard page, first render, compiled SQL not cached (s)",
        "{:.2f}",
    ),
    ("page_first_render_s", "slowest dashboard page, first render, SQL cached (s)", "{:.2f}"),
    ("page_after_build_s", "slowest page, first visit after a night's build (s)", "{:.2f}"),
    ("tile_warm_ms", "slowest tile once warm: one semantic-layer request (ms)", "{:.0f}"),
    ("page_query_warm_ms", "slowest row-list query of a page once warm (ms)", "{:.0f}"),
    ("baseline_page_first_render_s", "… {baseline}: slowest page, first render (s)", "{:.2f}"),
    (
        "baseline_page_after_build_s",
        "… {baseline}: slowest page, first visit after a night's build (s)",
        "{:.2f}",
    ),
    ("baseline_page_query_warm_ms", "… {baseline}: slowest query of a page, warm (ms)", "{:.0f}"),
    ("peak_rss_mb", "peak memory (MB)", "{:,.0f}"),
    ("duckdb_mb", "DuckDB file (MB)", "{:,.0f}"),
    ("yardstick_before", "CPU yardstick before (s, lower is faster)", "{:.2f}"),
    ("yardstick_after", "CPU yardstick after (s)", "{:.2f}"),
)


def report(
    results: list[dict], graph: dict | None, header: str, baseline: str | None = None
) -> str:
    """bench/results.md: the sizes side by side, then growth per tenfold size; the pages of
    the dashboards (and of the `baseline` revision's) at the largest size."""
    sizes = [f"{r['messages']:,}" for r in results]
    largest = results[-1]
    lines = [
        "# Benchmark results",
        "",
        header,
        "",
        "| step | " + " | ".join(sizes) + " | growth ×10 messages |",
        "|---|" + "---:|" * (len(sizes) + 1),
    ]
    for key, label, fmt in ROWS:
        if not any(key in r for r in results):
            continue  # a baseline's rows, without one
        cells = [fmt.format(r[key]) if key in r else "–" for r in results]
        label = label.format(baseline=f"at `{baseline}`")
        growth = ""
        if (
            len(results) > 1
            and key in results[-1]
            and key in results[-2]
            and key.endswith(("_s", "_ms", "_mb"))
            and "_per_" not in key
            and results[-2][key] > 0
        ):
            ratio = results[-1][key] / results[-2][key]
            per_tenfold = ratio ** (1 / max(1e-9, _log10(results[-1], results[-2])))
            growth = f"×{per_tenfold:.1f}"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {growth} |")
    slowest = ", ".join(
        f"`{name.split('.')[-1]}` {sec:.1f} s" for name, sec in largest["dbt_slowest"]
    )
    lines += ["", f"Slowest dbt nodes at {largest['messages']:,}: {slowest}."]
    heaviest = ", ".join(f"{r['messages']:,}: `{r['dashboard_query']}`" for r in results)
    lines += ["", f"Heaviest dashboard query — {heaviest}."]
    lines += ["", *_pages_report(results, baseline)]
    if graph:
        lines += [
            "",
            f"Graph source, first sync of one mailbox of {graph['graph_messages']:,} messages "
            f"in {graph['graph_folders']} folders from the local emulator (page size "
            f"{GRAPH_PAGE_SIZE}): {graph['graph_rows_per_s']:,.0f} rows/s, "
            f"{graph['graph_requests']:,} requests = {graph['graph_requests_per_1k']:.2f} per "
            f"1,000 messages (bound: {graph['graph_request_bound']:,} = one per page + 2 per "
            "folder).",
        ]
    if largest["messages"] >= SIZES[-1]:
        lines += ["", f"Targets at {largest['messages']:,} messages:", ""]
        for key, limit in TARGETS.items():
            if key not in largest:
                continue
            ok = "met" if largest[key] <= limit else "**not met**"
            lines.append(f"- {key}: {largest[key]:,.1f} (≤ {limit:,}) — {ok}")
        if graph:
            ok = graph["graph_requests"] <= graph["graph_request_bound"]
            lines.append(
                f"- graph_requests: {graph['graph_requests']:,} "
                f"(≤ {graph['graph_request_bound']:,}) — {'met' if ok else '**not met**'}"
            )
    return "\n".join(lines) + "\n"


def _pages_report(results: list[dict], baseline: str | None) -> list[str]:
    """Which page and call were the slowest at each size; every page at the largest."""
    lines = []
    for prefix, what in (("", "Dashboards"), ("baseline_", f"Dashboards at `{baseline}`")):
        if not any(f"{prefix}pages" in r for r in results):
            continue
        slowest = []
        for r in results:
            parts = [
                f"first render{when} `{r[prefix + key + '_page']}`"
                for key, when in (
                    ("page_first_render_cold_s", ", SQL not cached,"),
                    ("page_first_render_s", ", SQL cached,"),
                    ("page_after_build_s", " after a night's build"),
                )
                if prefix + key in r and not (prefix and key.endswith("cold_s"))
            ]
            for key, kind in (("tile_warm_ms", "tile"), ("page_query_warm_ms", "query")):
                if prefix + key in r:
                    parts.append(
                        f"{kind} `{r[prefix + key + '_name']}` ({r[prefix + key + '_page']})"
                    )
            slowest.append(f"{r['messages']:,}: " + ", ".join(parts))
        lines += [f"{what}, the slowest — " + "; ".join(slowest) + ".", ""]
    largest = results[-1]
    names = list(largest.get("pages", {}))
    names += [n for n in largest.get("baseline_pages", {}) if n not in names]
    heading = "| page | first render, SQL not cached (s) | first render, SQL cached (s) | "
    heading += "after a night's build (s) | data calls | slowest tile, warm (ms) | "
    heading += "slowest query, warm (ms) |"
    if "baseline_pages" in largest:
        heading += f" at `{baseline}`: first render (s) | … after a night's build (s) |"
        heading += " … slowest query, warm (ms) |"
    lines += [f"Dashboard pages at {largest['messages']:,} messages:", "", heading]
    lines.append("|---|" + "---:|" * (heading.count("|") - 2))
    for name in names:
        cells = _page_cells(largest.get("pages", {}).get(name))
        if "baseline_pages" in largest:
            first, _, after, _, _, query = _page_cells(largest["baseline_pages"].get(name))
            cells += [first, after, query]  # it has no compiled SQL: one first render
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _page_cells(page: dict | None) -> list[str]:
    """A page's figures: first render with SQL not cached, cached, after a build; data
    calls; slowest tile and query."""
    if page is None:
        return ["no such page"] + [""] * 5
    if "error" in page:
        return [f"fails: {page['error']}"] + [""] * 5
    return [
        f"{page['first_render_cold_s']:.2f}",
        f"{page['first_render_s']:.2f}",
        f"{page['after_build_s']:.2f}",
        str(page["data_calls"]),
        f"{page['tile_ms']:.0f}" if "tile_ms" in page else "–",
        f"{page['query_ms']:.0f}" if "query_ms" in page else "–",
    ]


def _log10(a: dict, b: dict) -> float:
    return math.log10(a["messages"] / b["messages"])


def write_results(path: Path, text: str) -> None:
    """Replace the measured part of `path`; keep its hand-written notes section."""
    notes = ""
    if path.exists():
        old = path.read_text()
        if NOTES_HEADING in old:
            notes = "\n" + old[old.index(NOTES_HEADING) :]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + notes)


def run(
    sizes: tuple[int, ...] = SIZES,
    *,
    graph_messages: int = GRAPH_MESSAGES,
    results_path: Path | None = RESULTS,
    dashboards_baseline: str | None = None,
    pages: tuple[str, ...] = (),
) -> dict:
    """Measure every size and the Graph path; print and write the results; return the JSON.
    `dashboards_baseline`: a git revision whose dashboards/ is timed beside today's on each
    size's file; `pages`: only these pages (default: every page of the app)."""
    header = (
        f"`mailkpi bench` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine()}. "
        f"Load average (1/5/15 min) at start: {_load()}"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="mailkpi-bench-baseline-") as checkout:
        baseline_app = None
        if dashboards_baseline:
            baseline_app = checked_out_app(dashboards_baseline, Path(checkout))
        for messages in sorted(sizes):
            with tempfile.TemporaryDirectory(prefix=f"mailkpi-bench-{messages}-") as work:
                log.info("bench: %s messages (load average %s)", f"{messages:,}", _load())
                result = measure_size(messages, Path(work), baseline_app, pages)
            results.append(result)
            log.info("bench: %s", json.dumps(result, default=str))
    graph = None
    if graph_messages:
        log.info("bench: Graph emulator, %s messages", f"{graph_messages:,}")
        graph = measure_graph(graph_messages)
    header += f"; at end: {_load()}."
    text = report(results, graph, header, dashboards_baseline)
    print(text)
    if results_path is not None:
        write_results(results_path, text)
    figures = {**results[-1], **(graph or {})}
    return {key: figures.get(key) for key in JSON_KEYS}

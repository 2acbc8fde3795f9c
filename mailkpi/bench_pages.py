"""One dashboard page timed under Streamlit's AppTest, in a process of its own (`mailkpi bench`).

    python -m mailkpi.bench_pages APP PAGE [--warm]

APP is a `dashboards/app.py`: today's, or an older revision's checked out elsewhere (the
`dashboards` package beside it is the one imported). MAILKPI_DUCKDB names the built file.
Prints one JSON line:

- `first_render_s`: the page's first run in a fresh session of this fresh process, Streamlit's
  caches empty, with the app's default sidebar (every mailbox, the default date range). What
  the page imports on its first run (the app's modules, MetricFlow when it compiles) counts;
  Streamlit itself, and what the app's server imports as it starts (`dashboards/serve.py`,
  where the revision has one), is imported before, as a server has it.
- with `--warm`, `calls`: every data call the page made (each `st.cache_data` function of
  the app: a semantic-layer request of `dashboards/semantic.py`, a row list or KPI query of
  `dashboards/queries.py`), run again with the same arguments, uncached, in the same process:
  connections and compiled SQL as the first run left them, so what a filter change costs
  a tile. The median of a few runs, in ms.
- with `--warm`, `after_build_s`: then the page's first run in a fresh session of this same
  process after a night's build, as a running server serves the first visit of the morning:
  the file's stamp changes (its modification time, as a build's swap changes it), so every
  cached query and the semantic layer's engine have new keys and the shared connection
  opens the file again; the app's modules stay imported, the compiled SQL stays valid.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

REPEATS = 3


def _record_calls(calls: list) -> None:
    """Keep every call of a cached data function of the app's package, as it is made."""
    from streamlit.runtime.caching.cache_data_api import CachedDataFuncInfo
    from streamlit.runtime.caching.cache_utils import CachedFunc

    call = CachedFunc.__call__

    def recording(self, *args, **kwargs):
        func = self._info.func
        if isinstance(self._info, CachedDataFuncInfo) and func.__module__.startswith("dashboards."):
            calls.append((func, args, kwargs))
        return call(self, *args, **kwargs)

    CachedFunc.__call__ = recording


def _label(func, args: tuple, kwargs: dict) -> tuple[str, str]:
    """(kind, name): a semantic request by its metric names, a query by its function's name."""
    if func.__module__ == "dashboards.semantic":
        names = kwargs.get("names", args[2] if len(args) > 2 else ())
        group_by = kwargs.get("group_by", args[3] if len(args) > 3 else ())
        by = f" by {', '.join(group_by)}" if group_by else ""
        return "semantic", f"{', '.join(names)}{by}"
    return "query", func.__name__


def _warm(calls: list) -> list[dict]:
    timed: dict[str, dict] = {}
    for func, args, kwargs in calls:
        key = repr((func.__module__, func.__name__, args, sorted(kwargs.items())))
        if key in timed:
            continue  # the same call twice on a page is one cache entry
        runs = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            func(*args, **kwargs)
            runs.append(1000 * (time.perf_counter() - started))
        kind, name = _label(func, args, kwargs)
        timed[key] = {"kind": kind, "name": name, "ms": statistics.median(runs)}
    return list(timed.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mailkpi.bench_pages")
    parser.add_argument("app", type=Path)
    parser.add_argument("page", help="the page's file name under views/, without .py")
    parser.add_argument("--warm", action="store_true", help="time the page's data calls again")
    args = parser.parse_args(argv)
    # the app's own `dashboards` package, not necessarily this tree's
    sys.path.insert(0, str(args.app.resolve().parent.parent))

    import streamlit.testing.v1  # noqa: F401 - before the app, as a server has Streamlit

    _components()
    try:  # what the app's server imports as it starts (today's `mailkpi dashboard`)
        from dashboards.serve import preload
    except ImportError:  # a revision whose server was plain `streamlit run`
        pass
    else:
        preload()

    for name in ("streamlit", "metricflow", "metricflow_semantics"):
        logging.getLogger(name).setLevel(logging.ERROR)
    calls: list = []
    _record_calls(calls)
    at, first = _first_render(args.app, args.page)
    result = {
        "page": args.page,
        "title": at.title[0].value if at.title else "",
        "first_render_s": first,
        "data_calls": len(calls),
    }
    if at.exception:
        result["error"] = at.exception[0].message.splitlines()[0][:300]
    elif result["title"] == "mailkpi":  # the page that says why there is nothing to show
        result["error"] = at.info[0].value.replace("\n", " ")[:300] if at.info else "no data"
    elif args.warm:
        result["calls"] = _warm(calls)
        database = Path(os.environ["MAILKPI_DUCKDB"])
        stat = database.stat()
        os.utime(database, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        result["after_build_s"] = _first_render(args.app, args.page)[1]
    print(json.dumps(result))
    return 0


@functools.cache
def _components():
    """The custom components installed, found once per process as a server finds them on
    start-up; AppTest would scan every installed package's metadata on each session's first
    run (over a second), which no page pays under `streamlit run`."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def _first_render(app: Path, page: str):
    """A new session's first run, opening `page` as its URL does: the session and seconds."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app.resolve()), default_timeout=900)
    at._bidi_component_manager = _components()  # AppTest's own field, None until a run
    at.switch_page(f"views/{page}.py")
    started = time.perf_counter()
    at.run()
    return at, time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())

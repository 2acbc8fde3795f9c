"""`mailkpi bench` at a tiny size: it runs end to end and reports every figure.

Figures only, no timing assertions: benchmarks are not tests.
"""

from __future__ import annotations

import json
import math

import pytest

from mailkpi import bench
from mailkpi.cli import main


@pytest.mark.slow
def test_bench_reports_every_figure(tmp_path, capsys):
    results = tmp_path / "results.md"
    results.write_text("# old figures\n\n## Notes\n\nkept by hand\n")

    # one page of today's dashboards and of HEAD's checked out (the baseline's way), not all:
    # each page costs fresh processes
    arguments = ["bench", "--messages", "600", "--graph-messages", "300"]
    arguments += ["--dashboard-pages", "overview", "--dashboards-baseline", "HEAD"]
    assert main([*arguments, "--results", str(results)]) == 0

    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(last)
    assert tuple(figures) == bench.JSON_KEYS
    assert figures["messages"] == 600
    for key, value in figures.items():
        assert isinstance(value, int | float) and math.isfinite(value) and value > 0, key
    text = results.read_text()
    assert "| full dbt build (s) |" in text and "Graph source" in text
    for row in (
        "| nightly `mailkpi build` of that night",
        "| CPU yardstick before",
        "| `mailkpi query`, one metric by mailbox and week (s) |",
        "| slowest dashboard page, first render, compiled SQL not cached (s) |",
        "| slowest dashboard page, first render, SQL cached (s) |",
        "| slowest page, first visit after a night's build (s) |",
        "| slowest tile once warm: one semantic-layer request (ms) |",
        "| … at `HEAD`: slowest page, first render (s) |",
        "Dashboard pages at 600 messages:",
    ):
        assert row in text, row
    # the overview's row: today's three first renders, its data calls (9: the sidebar's 4
    # queries, the cards now and before, the backlog now and before, the trend), its slowest
    # tile and query, then HEAD's first render, after a build and slowest query
    overview = next(line for line in text.splitlines() if line.startswith("| overview |"))
    cells = [c.strip() for c in overview.strip("|").split("|")][1:]
    assert len(cells) == 9 and cells[3] == "9", overview
    assert all(float(c) > 0 for c in cells[:3] + cells[4:]), overview
    assert "old figures" not in text and text.endswith("## Notes\n\nkept by hand\n")

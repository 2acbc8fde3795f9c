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

    assert (
        main(["bench", "--messages", "600", "--graph-messages", "300", "--results", str(results)])
        == 0
    )

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
    ):
        assert row in text, row
    assert "old figures" not in text and text.endswith("## Notes\n\nkept by hand\n")

"""`python -m mailkpi.dbt_worker <project dir>`: one dbt command, run once the build hands it over.

Importing dbt and loading its parse of the project take seconds. A build starts this process
before it copies the DuckDB file (mailkpi.transform.started_dbt), so both overlap the copy;
then it sends the command as one JSON line on stdin: `{"args": [...], "run_results": path}`.
End of input without a line (the build stopped before its transform) ends the process.

dbt writes no manifest.json (`--no-write-json`): writing it costs a second per build and
nothing reads it. The run results, which name what failed, are written here instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dbt.cli.main import dbtRunner
from dbt.contracts.graph.manifest import Manifest


def _parsed(project_dir: str) -> Manifest | None:
    """The project's manifest; None if it does not parse (the command then says why)."""
    parse = ["parse", "--project-dir", project_dir, "--profiles-dir", project_dir]
    parsed = dbtRunner().invoke([*parse, "--quiet", "--no-write-json"])
    return parsed.result if parsed.success else None


def main() -> int:
    manifest = _parsed(sys.argv[1])
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    request = json.loads(line)
    run_results = Path(request["run_results"])
    run_results.unlink(missing_ok=True)  # a failure must not be read from an earlier run
    outcome = dbtRunner(manifest=manifest).invoke([*request["args"], "--no-write-json"])
    if hasattr(outcome.result, "write"):
        run_results.parent.mkdir(parents=True, exist_ok=True)
        outcome.result.write(str(run_results))
    return 0 if outcome.success else 1


if __name__ == "__main__":
    sys.exit(main())

"""`python -m mailkpi.dbt_worker`: one dbt command, run once the build hands it over.

Importing dbt takes seconds. A build starts this process before it copies the DuckDB file
(mailkpi.transform.started_dbt), so the import overlaps the copy; then it sends the command's
arguments as one JSON line on stdin. End of input without a line (the build stopped before
its transform) ends the process.
"""

from __future__ import annotations

import json
import sys

from dbt.cli.main import dbtRunner


def main() -> int:
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    return 0 if dbtRunner().invoke(json.loads(line)).success else 1


if __name__ == "__main__":
    sys.exit(main())

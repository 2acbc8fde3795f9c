"""`mailkpi query`: the semantic layer's metrics (dbt/models/marts/*.yml) on the built file.

MetricFlow's engine compiles the request to DuckDB SQL from the semantic manifest that
`dbt parse` writes (dbt/target/semantic_manifest.json, the file `mf` reads too), and the
SQL runs on a read-only connection to the DuckDB file. dbt itself is not imported (seconds
of start-up): only when the manifest is missing or older than the project's files does a
`dbt parse` child process write it again (docs/decisions.md, "Semantic layer").

Group-by names are MetricFlow's (`metric_time__week`, `mailbox`, `thread__sla_tier`), and a
dimension whose name is unique in the project may drop its entity: `sla_tier`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from .dbt_worker import dbt_env, semantic_manifest_file, semantic_manifest_stale, spark_target
from .errors import MailkpiError

GRANULARITIES = ("day", "week", "month", "quarter", "year")
FORMATS = ("table", "csv", "json")


class QueryError(MailkpiError):
    """A request the semantic layer cannot answer: an unknown name, a bad filter."""

    exit_code = 2


class ManifestUnavailable(MailkpiError):
    exit_code = 3


def semantic_manifest_path(duckdb_file: Path) -> Path:
    """dbt/target/semantic_manifest.json (in $DBT_TARGET_PATH if set), which a successful
    build writes; written again here by `dbt parse` when missing or older than the
    project's files (a file built before an upgrade)."""
    manifest = semantic_manifest_file()
    if not semantic_manifest_stale(manifest):
        return manifest
    from .transform import dbt_command

    done = subprocess.run(
        [*dbt_command("parse"), "--quiet"],
        env=dbt_env(duckdb_file, None),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not manifest.exists():
        detail = " ".join((done.stdout + done.stderr).split())[:300]
        raise ManifestUnavailable(f"dbt parse could not write the semantic manifest: {detail}")
    return manifest


def compiled_sql_directory(manifest_path: Path) -> Path:
    """Where the SQL compiled per request is kept: beside the manifest it was compiled from."""
    return manifest_path.parent / "semantic_sql"


def _without_database(raw: dict) -> dict:
    """The manifest's tables as `schema.table`: dbt names the database after the file it
    parsed for (`mailkpi` for data/mailkpi.duckdb), which need not be the file asked."""
    configuration = raw["project_configuration"]
    for holder in [
        *raw["semantic_models"],
        *configuration.get("time_spines", []),
        *configuration.get("time_spine_table_configurations", []),
    ]:
        relation = holder.get("node_relation")
        if relation:
            relation["database"] = None
            relation["relation_name"] = f'"{relation["schema_name"]}"."{relation["alias"]}"'
    return raw


@dataclasses.dataclass(frozen=True)
class Request:
    metrics: tuple[str, ...]
    group_by: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    start_time: dt.date | None = None
    end_time: dt.date | None = None
    order: tuple[str, ...] = ()
    limit: int | None = None


@dataclasses.dataclass(frozen=True)
class Result:
    columns: tuple[str, ...]  # the group-by names as asked, then the metric names
    rows: list[tuple]


class SemanticLayer:
    """The project's metrics over one DuckDB file, opened read-only."""

    def __init__(self, duckdb_file: Path, manifest_path: Path | None = None) -> None:
        if not duckdb_file.exists():
            raise QueryError(f"{duckdb_file}: no such file (run `mailkpi build` first)")
        self.duckdb_file = duckdb_file
        self.manifest_path = manifest_path or semantic_manifest_path(duckdb_file)
        text = self.manifest_path.read_text()
        self._raw = _without_database(json.loads(text))
        self._manifest_digest = hashlib.sha256(text.encode()).hexdigest()
        self._engines: dict[frozenset[str] | None, object] = {}

    @cached_property
    def metric_names(self) -> list[str]:
        return sorted(m["name"] for m in self._raw["metrics"])

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Short group-by name -> MetricFlow's: a dimension unique in the project drops its
        entity (`sla_tier` -> `thread__sla_tier`)."""
        found: dict[str, list[str]] = {}
        for model in self._raw["semantic_models"]:
            primary = next((e["name"] for e in model["entities"] if e["type"] == "primary"), None)
            for dimension in model["dimensions"]:
                if primary and dimension["type"] == "categorical":
                    found.setdefault(dimension["name"], []).append(
                        f"{primary}__{dimension['name']}"
                    )
        return {short: full[0] for short, full in found.items() if len(full) == 1}

    @cached_property
    def group_by_names(self) -> list[str]:
        """Every group-by name a request may use (MetricFlow's checks the metric's reach)."""
        names = {f"metric_time__{g}" for g in GRANULARITIES} | {"metric_time"}
        for model in self._raw["semantic_models"]:
            entities = [e["name"] for e in model["entities"]]
            names.update(entities)
            primary = next((e["name"] for e in model["entities"] if e["type"] == "primary"), None)
            for dimension in model["dimensions"]:
                if primary is None:
                    continue
                full = f"{primary}__{dimension['name']}"
                names.add(full)
                if dimension["type"] == "time":
                    names.update(f"{full}__{g}" for g in GRANULARITIES)
        return sorted(names | set(self.aliases))

    def _resolved(self, name: str) -> str:
        return self.aliases.get(name, name)

    def check(self, request: Request) -> None:
        """One QueryError naming the first unknown metric or group-by name."""
        if not request.metrics:
            raise QueryError("--metrics: name at least one metric")
        for name in request.metrics:
            _known("metric", name, self.metric_names)
        for name in request.group_by:
            _known("group-by", name, self.group_by_names)
        for name in request.order:
            _known("--order", name.removeprefix("-"), [*request.metrics, *request.group_by])

    def _engine(self, models: frozenset[str] | None = None):
        """MetricFlow's engine on the semantic models named (all when None): building it
        costs in proportion to the models, so a request gets the ones it reaches."""
        if models not in self._engines:
            from metricflow.engine.metricflow_engine import MetricFlowEngine
            from metricflow_semantics.model.dbt_manifest_parser import (
                parse_manifest_from_dbt_generated_manifest,
            )
            from metricflow_semantics.model.semantic_manifest_lookup import (
                SemanticManifestLookup,
            )

            raw = self._raw
            if models is not None:
                raw = {
                    **raw,
                    "semantic_models": [m for m in raw["semantic_models"] if m["name"] in models],
                    "metrics": [
                        m for m in raw["metrics"] if self._metric_models[m["name"]] <= models
                    ],
                    "saved_queries": [],
                }
            manifest = parse_manifest_from_dbt_generated_manifest(json.dumps(raw))
            self._engines[models] = MetricFlowEngine(
                semantic_manifest_lookup=SemanticManifestLookup(manifest),
                sql_client=_DuckDbClient(self.duckdb_file),
            )
        return self._engines[models]

    @cached_property
    def _metric_models(self) -> dict[str, frozenset[str]]:
        """Metric -> the semantic models its measures (through its inputs) live in."""
        by_measure = {
            measure["name"]: model["name"]
            for model in self._raw["semantic_models"]
            for measure in model["measures"]
        }
        metrics = {m["name"]: m for m in self._raw["metrics"]}

        def models(name: str) -> frozenset[str]:
            params = metrics[name]["type_params"]
            found = {by_measure[m["name"]] for m in params.get("input_measures") or []}
            for key in ("numerator", "denominator"):
                if params.get(key):
                    found |= models(params[key]["name"])
            for metric in params.get("metrics") or []:
                found |= models(metric["name"])
            return frozenset(found)

        return {name: models(name) for name in metrics}

    def _reached(self, request: Request) -> frozenset[str]:
        """The semantic models a request reaches: its metrics' models and those holding an
        entity its group-by names, filters or metric filters join on (`thread__sla_tier`,
        `Entity('agent')`)."""
        found = set().union(*(self._metric_models[m] for m in request.metrics))
        texts = [*(self._resolved(n) for n in request.group_by), *map(self._where, request.where)]
        for metric in self._raw["metrics"]:
            if metric["name"] in request.metrics:
                texts.append(json.dumps(metric.get("filter")))
        entities = {
            name for text in texts for name in re.findall(r"[A-Za-z_]\w*", text.replace("__", " "))
        }
        for model in self._raw["semantic_models"]:
            if any(e["name"] in entities for e in model["entities"] if e["type"] == "primary"):
                found.add(model["name"])
        return frozenset(found)

    def sql(self, request: Request) -> str:
        """The DuckDB SQL MetricFlow compiles for the request, cached per request and
        manifest beside the manifest: a repeated query shape needs no MetricFlow (whose
        import alone takes over a second). The request is kept beside its SQL, for
        `compile_known_requests` after the manifest changes."""
        self.check(request)
        cached = self._cached(request)
        if cached.exists():
            return cached.read_text()
        statement = self._compiled(request)
        cached.parent.mkdir(exist_ok=True)
        _write_whole(cached.with_suffix(".json"), json.dumps(_request_json(request)))
        _write_whole(cached, statement)
        return statement

    def _cached(self, request: Request) -> Path:
        shape = json.dumps([self._manifest_digest, _request_json(request)])
        name = hashlib.sha256(shape.encode()).hexdigest()[:32]
        return compiled_sql_directory(self.manifest_path) / f"{name}.sql"

    def compile_known_requests(self) -> int:
        """Compile for this manifest every request compiled for an earlier one, and drop
        the earlier one's files: after an upgrade that changed the metrics, the build
        compiles what the dashboards and analysts asked before, not each page's first
        visit. A request the manifest cannot answer any more (a metric renamed) is
        dropped. The number compiled."""
        folder = compiled_sql_directory(self.manifest_path)
        compiled = 0
        for kept in sorted(folder.glob("*.json")):
            request = _request_from_json(json.loads(kept.read_text()))
            if self._cached(request) == kept.with_suffix(".sql"):
                continue  # compiled for this manifest
            with contextlib.suppress(QueryError):
                self.sql(request)
                compiled += 1
            kept.unlink(missing_ok=True)
            kept.with_suffix(".sql").unlink(missing_ok=True)
        return compiled

    def _compiled(self, request: Request) -> str:
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        def order_name(name: str) -> str:
            descending = name.startswith("-")
            return ("-" if descending else "") + self._resolved(name.removeprefix("-"))

        mf_request = MetricFlowQueryRequest.create(
            metric_names=list(request.metrics),
            group_by_names=[self._resolved(n) for n in request.group_by],
            where_constraints=[self._where(w) for w in request.where] or None,
            time_constraint_start=_midnight(request.start_time),
            time_constraint_end=_midnight(request.end_time),
            # by the group-by names unless told otherwise: the same request, the same rows
            order_by_names=[order_name(n) for n in request.order or request.group_by] or None,
            limit=request.limit,
        )
        try:
            return self._engine(self._reached(request)).explain(mf_request).sql_statement.sql
        except Exception:  # a join the reached models miss: MetricFlow on all of them
            pass
        try:
            return self._engine().explain(mf_request).sql_statement.sql
        except Exception as exc:  # MetricFlow's errors span many lines: keep the first
            raise QueryError(_first_line(exc)) from exc

    def _where(self, text: str) -> str:
        """A filter in MetricFlow's syntax, e.g. "{{ Dimension('customer_domain') }} = 'x'";
        short dimension names are accepted there too."""

        def full(match: re.Match) -> str:
            return f"{match.group(1)}{self._resolved(match.group(2))}{match.group(3)}"

        return re.sub(r"(Dimension\(\s*['\"])([^'\"]+)(['\"])", full, text)

    def query(self, request: Request, params: dict | None = None) -> Result:
        """The request's rows; `params` binds the `$name` placeholders its filters may hold,
        so that one compiled statement serves every value (a dashboard's dates, say)."""
        import duckdb

        statement = self.sql(request)
        used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", statement)}
        con = duckdb.connect(str(self.duckdb_file), read_only=True)
        try:
            cursor = con.execute(statement, used)
            produced = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise QueryError(f"{self.duckdb_file}: {_first_line(exc)}") from exc
        finally:
            con.close()
        wanted = [*(self._resolved(n) for n in request.group_by), *request.metrics]
        positions = [produced.index(name) for name in wanted]
        return Result(
            columns=(*request.group_by, *request.metrics),
            rows=[tuple(row[i] for i in positions) for row in rows],
        )


def _write_whole(path: Path, text: str) -> None:
    """Whole or not at all, for a query running beside."""
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(text)
    partial.replace(path)


def _request_json(request: Request) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(request), default=str))


def _request_from_json(kept: dict) -> Request:
    def day(text: str | None) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    return Request(
        metrics=tuple(kept["metrics"]),
        group_by=tuple(kept["group_by"]),
        where=tuple(kept["where"]),
        start_time=day(kept["start_time"]),
        end_time=day(kept["end_time"]),
        order=tuple(kept["order"]),
        limit=kept["limit"],
    )


def _known(kind: str, name: str, valid: Sequence[str]) -> None:
    if name in valid:
        return
    close = difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise QueryError(f"unknown {kind} {name!r}{hint}")


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0][:300] if lines else type(exc).__name__


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time()) if day else None


class _DuckDbClient:
    """MetricFlow's SqlClient on a read-only DuckDB file (dbt's adapter is not needed)."""

    def __init__(self, duckdb_file: Path) -> None:
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self.duckdb_file = duckdb_file
        self.sql_engine_type = SqlEngine.DUCKDB
        self.sql_plan_renderer = DuckDbSqlPlanRenderer()

    def query(self, stmt, sql_bind_parameter_set=None):
        import duckdb
        from metricflow.data_table.mf_table import MetricFlowDataTable

        con = duckdb.connect(str(self.duckdb_file), read_only=True)
        try:
            cursor = con.execute(stmt)
            columns = [d[0] for d in cursor.description]
            return MetricFlowDataTable.create_from_rows(columns, cursor.fetchall())
        finally:
            con.close()

    def execute(self, stmt, sql_bind_parameter_set=None) -> None:
        raise QueryError("the semantic layer reads the DuckDB file only")

    def dry_run(self, stmt, sql_bind_parameter_set=None) -> None:
        import duckdb

        con = duckdb.connect(str(self.duckdb_file), read_only=True)
        try:
            con.execute(f"explain {stmt}")
        finally:
            con.close()

    def close(self) -> None:
        pass

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


# --- the command ---------------------------------------------------------------------


def add_parser(commands, parents: Sequence[argparse.ArgumentParser]) -> None:
    """`mailkpi query` and its flags (../shared/spec/interfaces.md, "Semantic layer")."""
    query = commands.add_parser(
        "query",
        parents=list(parents),
        help="metrics by name from the semantic layer, on the built file (read-only)",
    )
    query.add_argument("--metrics", required=True, type=_names, metavar="A[,B...]")
    query.add_argument("--group-by", type=_names, default=(), metavar="X[,Y...]")
    query.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="FILTER",
        help="MetricFlow filter, e.g. \"{{ Dimension('customer_domain') }} = 'fabrikam.com'\"",
    )
    query.add_argument("--start-time", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    query.add_argument(
        "--end-time", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="inclusive"
    )
    query.add_argument(
        "--order",
        type=_names,
        default=(),
        metavar="X",
        help="group-by or metric names; --order=-name: descending",
    )
    query.add_argument("--limit", type=int, metavar="N")
    query.add_argument("--format", choices=FORMATS, default="table")


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def run(args: argparse.Namespace, duckdb_file: Path) -> int:
    if spark_target():
        raise QueryError(
            "mailkpi query reads the DuckDB file only: the semantic layer has no Spark "
            "dialect (docs/decisions.md, 'Semantic layer')"
        )
    if not args.verbose:  # MetricFlow logs each planning step at INFO
        for name in ("metricflow", "metricflow_semantics"):
            logging.getLogger(name).setLevel(logging.WARNING)
    request = Request(
        metrics=args.metrics,
        group_by=args.group_by,
        where=tuple(args.where),
        start_time=args.start_time,
        end_time=args.end_time,
        order=args.order,
        limit=args.limit,
    )
    result = SemanticLayer(duckdb_file).query(request)
    write(result, args.format, sys.stdout)
    return 0


def _cell(value, rounded: bool = False) -> str:
    """Text of a value; floats in full (`rounded`: as a table shows them)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()  # metric_time: a local date
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and rounded:
        return f"{value:.2f}" if abs(value) >= 10 else f"{value:.4f}"
    return str(value)


def write(result: Result, form: str, out) -> None:
    if form == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([_cell(v) for v in row] for row in result.rows)
    elif form == "json":
        records = [
            {
                c: (_cell(v) if isinstance(v, dt.date) else v)
                for c, v in zip(result.columns, row, strict=True)
            }
            for row in result.rows
        ]
        json.dump(records, out, indent=1)
        out.write("\n")
    else:
        cells = [result.columns, *([_cell(v, rounded=True) for v in row] for row in result.rows)]
        widths = [max(len(r[i]) for r in cells) for i in range(len(result.columns))]
        for n, row in enumerate(cells):
            out.write(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
            )
            if n == 0:
                out.write("  ".join("-" * w for w in widths) + "\n")

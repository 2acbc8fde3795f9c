"""`adapter` for sqlfluff's jinja templater, which has no dbt adapter.

`adapter.dispatch(name, namespace)` resolves as dbt does for the DuckDB target (the
dialect sqlfluff lints in): `duckdb__<name>`, else `default__<name>`, from the macros
loaded out of dbt/macros.
"""

from jinja2 import pass_context
from jinja2.runtime import Context, missing


@pass_context
def dispatch(context: Context, macro_name: str, macro_namespace: str | None = None):
    for prefix in ("duckdb__", "default__"):
        macro = context.resolve_or_missing(prefix + macro_name)
        if macro is not missing:
            return macro
    raise LookupError(f"no duckdb__ or default__ implementation of macro {macro_name}")


def get_relation(database=None, schema=None, identifier=None):
    """The relation exists: sqlfluff lints the SQL that reads it."""
    return f"{schema or 'intermediate'}.{identifier}"

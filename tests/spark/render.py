"""Render the cross-database macros (dbt/macros/cross_db) for one engine, as dbt would.

dbt's `adapter.dispatch(name, 'mailkpi')` picks `<engine>__<name>`, else `default__<name>`,
and `return(value)` ends a macro with that value; both are reproduced here so that the
macros can be checked against DuckDB and Spark without a dbt project around them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from jinja2.runtime import Context, Macro
from jinja2.sandbox import SandboxedEnvironment

MACRO_DIR = Path(__file__).resolve().parents[2] / "dbt" / "macros" / "cross_db"


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


def _return(value: Any) -> None:
    raise _Return(value)


class _MacroEnvironment(SandboxedEnvironment):
    """Every call from a template passes here: a `return()` stops at its own macro."""

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().call(context, obj, *args, **kwargs)
        except _Return as returned:
            if isinstance(obj, Macro):
                return returned.value
            raise


class _Adapter:
    def __init__(self, engine: str, macros: dict[str, Macro]) -> None:
        self.engine = engine
        self.macros = macros

    def dispatch(self, name: str, namespace: str | None = None) -> Macro:
        for prefix in (f"{self.engine}__", "default__"):
            if prefix + name in self.macros:
                return self.macros[prefix + name]
        raise LookupError(f"no {self.engine}__ or default__ implementation of {name}")


class MacroRenderer:
    """`render("select {{ median_of('x') }}")` gives the SQL of one engine (duckdb or spark)."""

    def __init__(self, engine: str) -> None:
        self.env = _MacroEnvironment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
        macros: dict[str, Macro] = {}
        self.env.globals.update({"adapter": _Adapter(engine, macros), "return": _return})
        for path in sorted(MACRO_DIR.glob("*.sql")):
            module = self.env.from_string(path.read_text()).module
            for name in dir(module):
                value = getattr(module, name)
                if isinstance(value, Macro):
                    macros[name] = value
        self.env.globals.update(macros)

    def render(self, template: str) -> str:
        return self.env.from_string(template).render()

"""`target` for sqlfluff's jinja templater: the DuckDB target it lints for."""

type = "duckdb"

"""`run_started_at` for sqlfluff's jinja templater: a datetime in dbt, which models only format."""

import datetime as dt


def strftime(fmt: str) -> str:
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC).strftime(fmt)

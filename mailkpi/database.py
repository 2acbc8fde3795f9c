"""The DuckDB file: where it is, one writer at a time, and builds that swap in atomically.

A build works on a copy (`<file>.building`) and replaces the real file only when the
whole build succeeded, so the dashboard and ad-hoc SQL sessions keep reading the
previous complete build meanwhile, and a build killed at any point leaves the last good
file untouched.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from .errors import MailkpiError

DEFAULT_DUCKDB_PATH = Path("data/mailkpi.duckdb")


class DatabaseBusy(MailkpiError):
    exit_code = 3


def duckdb_path(path: str | os.PathLike | None = None) -> Path:
    """The file to build: the argument, else $MAILKPI_DUCKDB, else data/mailkpi.duckdb."""
    return Path(path or os.environ.get("MAILKPI_DUCKDB") or DEFAULT_DUCKDB_PATH).absolute()


@contextlib.contextmanager
def exclusive_build(path: Path) -> Iterator[None]:
    """Hold `<file>.lock` for the whole build; a second build refuses at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise DatabaseBusy(
                f"{path}: another build is running (pid {holder}); wait for it to finish"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            lock.seek(0)
            lock.truncate()


def _check_readable(path: Path) -> None:
    """Fail with one line if another process holds the file open for writing."""
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(
                f"{path}: the file is locked by another process that opened it for writing "
                "(close that DuckDB session, or open it with read_only=True)"
            ) from None
        raise MailkpiError(f"{path}: cannot open the DuckDB file: {exc}") from None
    except duckdb.Error as exc:
        raise MailkpiError(f"{path}: not a usable DuckDB file: {exc}") from None


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(path: Path) -> None:
    for leftover in (path, _wal(path)):
        leftover.unlink(missing_ok=True)


def building_path(path: Path) -> Path:
    """Where a build of `path` works: the file dbt writes (and its profile names)."""
    return path.with_name(path.name + ".building")


@contextlib.contextmanager
def staged_copy(path: Path) -> Iterator[Path]:
    """Yield a working copy of `path`; on success it atomically replaces `path`."""
    work = building_path(path)
    _remove(work)  # what a killed build left behind
    if path.exists():
        _check_readable(path)
        shutil.copyfile(path, work)
        if _wal(path).exists():
            # a write session died before its checkpoint: its writes live only in the WAL
            shutil.copyfile(_wal(path), _wal(work))
    try:
        yield work
        con = duckdb.connect(str(work))
        try:
            con.execute("checkpoint")
        finally:
            con.close()
        # folded into the copy; left beside the new file it would make that file unopenable
        _wal(path).unlink(missing_ok=True)
        os.replace(work, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        _remove(work)

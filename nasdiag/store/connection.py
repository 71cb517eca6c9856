"""The DuckDB connection policy: short-lived connections that wait out another process's lock.

DuckDB lets one process at a time open a database file read-write, and while it does, no other
process can open the file at all, not even read-only (measured with duckdb 2.0.1: "Could not set
lock on file"). A search started from the CLI and an open dashboard must both keep working on
the same file, so no process keeps a connection open: every read and every write opens a
connection, does its work in one transaction and closes it. A process that finds the file
locked retries with backoff until `lock_timeout_s` runs out. Opening and closing costs about
15 ms here, which is small against a training trial (about a second).

Every connection is opened read-write. DuckDB caches one database instance per file and process
and rejects a second connection with a different configuration, so mixing read-only and
read-write connections inside the dashboard's process would fail.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT_S = 60.0


class StoreError(RuntimeError):
    """A store operation failed; the message names the experiment or trial involved."""


class StoreLockedError(StoreError):
    """Another process held the database file for longer than the lock timeout."""


def _is_lock_error(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


@contextmanager
def connect(path: Path, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a connection to `path`, waiting while another process holds the file lock.

    Raises:
        StoreLockedError: the lock was still held after `lock_timeout_s` seconds.
    """
    deadline = time.monotonic() + lock_timeout_s
    delay_s = 0.01
    attempts = 0
    while True:
        attempts += 1
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException as error:
            if not _is_lock_error(error):
                raise StoreError(f"cannot open database {path}: {error}") from error
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"database {path} stayed locked by another process for {lock_timeout_s:.0f} s "
                    f"({attempts} attempts); stop the other writer or raise the lock timeout"
                ) from error
            time.sleep(delay_s)
            delay_s = min(delay_s * 1.5, 0.25)
    if attempts > 1:
        logger.debug("opened %s after %d attempts", path, attempts)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(path: Path, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a connection and run the block in one transaction: commit on success, roll back on error."""
    with connect(path, lock_timeout_s=lock_timeout_s) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

"""Pieces shared by the tuning-tool importers (Optuna, NNI, TensorBoard).

Tuning tools log hyperparameter configurations, not architectures. The importers build an
architecture string from the configuration's parameters (all of them, or the ones the user
names) and treat repeated runs of the same configuration as seeds numbered in run order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from nasdiag.ingest.archs import ArchKey, plain_arch
from nasdiag.ingest.errors import ImportFormatError

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_sqlite_file(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open a SQLite file read-only, so that an import can never modify the tool's log.

    Raises:
        ImportFormatError: the file is not a SQLite database.
    """
    if not is_sqlite_file(path):
        raise ImportFormatError(
            "file is not a SQLite database (its header is missing)", path=str(path),
            fix="Pass the storage file itself, for example optuna.db or nni.sqlite",
        )
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as error:
        raise ImportFormatError(
            f"cannot open SQLite database ({error})", path=str(path),
            fix="The file may be truncated; copy it again while the tool is not writing to it",
        ) from error
    return connection


def table_names(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def format_param(value) -> str:
    """Spell a parameter value the same way whichever tool logged it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, sort_keys=True)


def config_arch(params: Mapping[str, object], *, arch_params: Iterable[str] | None,
                categorical: Iterable[str] = ()) -> ArchKey:
    """Key a configuration: `name=value` pairs sorted by name, joined by spaces.

    `ops` lists the categorical choices as `name=value`, so coverage counts can see which
    choices were tried.
    """
    names = sorted(params) if arch_params is None else [name for name in arch_params if name in params]
    text = " ".join(f"{name}={format_param(params[name])}" for name in names) or "(no parameters)"
    categorical = set(categorical)
    ops = [f"{name}={format_param(params[name])}" for name in names if name in categorical]
    return plain_arch(text, ops)


def check_arch_params(arch_params: Iterable[str] | None, known: set[str], path: Path) -> None:
    if arch_params is None:
        return
    unknown = sorted(set(arch_params) - known)
    if unknown:
        raise ImportFormatError(
            f"arch_params names parameters the log does not have: {unknown}", path=str(path),
            fix=f"Choose from {sorted(known)}",
        )

"""Experiment bundles: one experiment exported to a folder of Parquet and JSON files.

The dashboard's demo and the lessons' prepared experiments ship as bundles in `data/`, because a
folder of Parquet files diffs and reviews better than a binary database. Loading a bundle
restores the experiment with its original id, in one transaction.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from nasdiag.store.connection import StoreError
from nasdiag.store.store import Store

logger = logging.getLogger(__name__)

BUNDLE_VERSION = 1
_TABLES = ("architectures", "trials", "curves", "fidelities")


def export_bundle(store: Store, experiment_id: str, folder: str | Path,
                  provenance: dict[str, Any] | None = None) -> Path:
    """Write the experiment to `folder` (created if missing) and return the folder.

    `provenance` (such as the torch version and CPU capability that trained it) is stored in
    the header for readers; loading ignores it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    experiment = store.get_experiment(experiment_id)
    space = store.load_space_spec(experiment["space_hash"]) if experiment.get("space_hash") else None
    header = {
        "bundle_version": BUNDLE_VERSION,
        "experiment": {key: _jsonable(value) for key, value in experiment.items()},
        "space": space,
    }
    if provenance:
        header["provenance"] = provenance
    (folder / "experiment.json").write_text(json.dumps(header, indent=2, sort_keys=True), encoding="utf-8")
    with store._connect() as con:
        for table in _TABLES:
            frame = con.execute(
                f"SELECT * EXCLUDE (experiment_id) FROM {table} WHERE experiment_id = ?", [experiment_id]
            ).df()
            sort_keys = [c for c in ("arch_hash", "trial_id", "epoch", "name") if c in frame.columns]
            frame = frame.sort_values(sort_keys).reset_index(drop=True)
            frame.to_parquet(folder / f"{table}.parquet", index=False)
    logger.info("exported experiment %s to %s", experiment_id, folder)
    return folder


def load_bundle(store: Store, folder: str | Path, *, replace: bool = False) -> str:
    """Load a bundle into `store` and return the experiment id.

    An experiment with the same id that is already stored is kept unless `replace` is True.

    Raises:
        StoreError: the folder is not a bundle or was written by a newer nasdiag.
    """
    folder = Path(folder)
    header_path = folder / "experiment.json"
    if not header_path.is_file():
        raise StoreError(f"{folder} is not an experiment bundle: experiment.json is missing")
    header = json.loads(header_path.read_text(encoding="utf-8"))
    if header.get("bundle_version", 0) > BUNDLE_VERSION:
        raise StoreError(f"bundle {folder} has version {header['bundle_version']}; upgrade nasdiag")
    experiment = header["experiment"]
    experiment_id = experiment["experiment_id"]
    if store.find_experiment_by_id(experiment_id) is not None:
        if not replace:
            return experiment_id
        store.delete_experiment(experiment_id)
    frames = {table: pd.read_parquet(folder / f"{table}.parquet") for table in _TABLES}
    space = header.get("space")
    with store._transaction() as con:
        if space is not None and experiment.get("space_hash"):
            con.execute(
                "INSERT OR IGNORE INTO spaces (space_hash, name, family, spec) VALUES (?, ?, ?, ?)",
                [experiment["space_hash"], space.get("name"), space.get("family"), json.dumps(space, sort_keys=True)],
            )
        columns = [c for c in experiment if c not in ("proxy_fidelities", "config", "warnings")]
        values = [experiment[c] for c in columns]
        columns += ["proxy_fidelities", "config", "warnings"]
        values += [json.dumps(experiment.get("proxy_fidelities") or []),
                   json.dumps(experiment.get("config") or {}, sort_keys=True),
                   json.dumps(experiment.get("warnings") or [])]
        # Column names come from our own export (checked against the table below), values are bound.
        known = {row[0] for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", ["experiments"]
        ).fetchall()}
        unknown = sorted(set(columns) - known)
        if unknown:
            raise StoreError(f"bundle {folder} has unknown experiment fields {unknown}")
        con.execute(
            f"INSERT INTO experiments ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            values,
        )
        for table, frame in frames.items():
            if frame.empty:
                continue
            con.register("bundle_rows", frame)
            names = ", ".join(frame.columns)
            con.execute(
                f"INSERT INTO {table} (experiment_id, {names}) SELECT ?, {names} FROM bundle_rows",
                [experiment_id],
            )
            con.unregister("bundle_rows")
    logger.info("loaded bundle %s as experiment %s", folder, experiment_id)
    return experiment_id


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return None if isinstance(value, float) and value != value else value
    if pd.isna(value):
        return None
    return str(value)

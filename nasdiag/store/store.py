"""The `Store`: every write and read of nasdiag's DuckDB database.

All SQL lives in this package and is `?`-parameterised. DataFrames enter through DuckDB's
registered views (`con.register`), never through string formatting. Each public write runs in one
transaction on a short-lived connection (see `connection.py` for why).
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from nasdiag.store.connection import DEFAULT_LOCK_TIMEOUT_S, StoreError, connect, transaction
from nasdiag.store.schema import migrate

logger = logging.getLogger(__name__)

DEFAULT_DB_PATH = Path("data") / "nasdiag.duckdb"
DB_ENV_VAR = "NASDIAG_DB"  # names the database file for the dashboard and the CLI when none is given

TRIAL_STATUSES = ("ok", "diverged", "failed", "pruned", "running")
EXPERIMENT_STATUSES = ("running", "finished", "cancelled", "failed", "imported")

TRIAL_COLUMNS = (
    "trial_id", "arch_hash", "seed", "data_seed", "fidelity", "metric", "test_metric",
    "status", "epochs", "wall_time_s",
)
ARCH_COLUMNS = (
    "arch_hash", "arch", "ops", "params", "flops", "receptive_field", "is_baseline", "spec_json",
)
CURVE_COLUMNS = ("trial_id", "epoch", "train_loss", "val_metric")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _clean_float(value: Any) -> float | None:
    """Map NaN and None to SQL NULL; keep infinities, which the importers report separately."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class TrialRecord:
    """One finished trial as the search runner writes it."""

    trial_id: str
    arch_hash: str
    seed: int
    data_seed: int | None
    fidelity: str
    metric: float | None
    test_metric: float | None
    status: str
    epochs: int | None
    wall_time_s: float | None
    curve: tuple[tuple[int, float | None, float | None], ...] = field(default=())  # (epoch, train_loss, val_metric)


class Store:
    """nasdiag's database: experiments, search spaces, architectures, trials and curves.

    Args:
        path: the DuckDB file; created with the current schema when missing.
        lock_timeout_s: how long an operation waits for another process's lock.
    """

    def __init__(self, path: str | Path = DEFAULT_DB_PATH, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S):
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as con:
            migrate(con)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def _transaction(self):
        return transaction(self.path, lock_timeout_s=self.lock_timeout_s)

    def _connect(self):
        return connect(self.path, lock_timeout_s=self.lock_timeout_s)

    # ------------------------------------------------------------------ writes

    def save_space(self, space_hash: str, name: str, family: str, spec: Mapping[str, Any]) -> None:
        """Store a search-space spec under its hash; storing the same hash twice is a no-op."""
        with self._transaction() as con:
            con.execute(
                "INSERT OR IGNORE INTO spaces (space_hash, name, family, spec) VALUES (?, ?, ?, ?)",
                [space_hash, name, family, json.dumps(spec, sort_keys=True)],
            )

    def create_experiment(
        self,
        *,
        name: str,
        kind: str,
        metric_name: str = "val_accuracy",
        maximize: bool = True,
        source: str = "",
        source_format: str | None = None,
        task: str | None = None,
        space_hash: str | None = None,
        proxy_fidelities: Sequence[str] = (),
        target_fidelity: str | None = None,
        fidelity_specs: Mapping[str, tuple[str, Mapping[str, Any]]] | None = None,
        planned_trials: int | None = None,
        config: Mapping[str, Any] | None = None,
        status: str = "running",
        experiment_id: str | None = None,
        pid: int | None = None,
    ) -> str:
        """Create an experiment and its fidelities; return its id.

        `fidelity_specs` maps a fidelity name to (role, spec dict).
        """
        if kind not in ("search", "import"):
            raise ValueError(f"kind must be 'search' or 'import', got {kind!r}")
        if status not in EXPERIMENT_STATUSES:
            raise ValueError(f"status must be one of {EXPERIMENT_STATUSES}, got {status!r}")
        experiment_id = experiment_id or uuid.uuid4().hex[:12]
        now = _now()
        with self._transaction() as con:
            con.execute(
                """
                INSERT INTO experiments (experiment_id, name, kind, source, source_format, status,
                    created_at, updated_at, metric_name, maximize, task, space_hash,
                    proxy_fidelities, target_fidelity, planned_trials, pid, config, warnings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    experiment_id, name, kind, source, source_format, status, now, now,
                    metric_name, maximize, task, space_hash, json.dumps(list(proxy_fidelities)),
                    target_fidelity, planned_trials, pid, json.dumps(dict(config or {}), sort_keys=True),
                    json.dumps([]),
                ],
            )
            for fidelity_name, (role, spec) in (fidelity_specs or {}).items():
                con.execute(
                    "INSERT INTO fidelities (experiment_id, name, role, spec) VALUES (?, ?, ?, ?)",
                    [experiment_id, fidelity_name, role, json.dumps(dict(spec), sort_keys=True)],
                )
        logger.info("created experiment %s (%s, %s)", experiment_id, name, kind)
        return experiment_id

    def update_experiment(self, experiment_id: str, **fields: Any) -> None:
        """Set `status`, `pid`, `planned_trials` or `cancel_requested` of an experiment."""
        allowed = {"status", "pid", "planned_trials", "cancel_requested"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update fields {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "status" in fields and fields["status"] not in EXPERIMENT_STATUSES:
            raise ValueError(f"status must be one of {EXPERIMENT_STATUSES}, got {fields['status']!r}")
        with self._transaction() as con:
            self._require_experiment(con, experiment_id)
            for column, value in sorted(fields.items()):
                # Column names come from the fixed `allowed` set above, never from input.
                con.execute(
                    f"UPDATE experiments SET {column} = ?, updated_at = ? WHERE experiment_id = ?",
                    [value, _now(), experiment_id],
                )

    def request_cancel(self, experiment_id: str) -> None:
        """Ask the search running this experiment to stop after its current trials."""
        self.update_experiment(experiment_id, cancel_requested=True)

    def upsert_architectures(self, experiment_id: str, archs: pd.DataFrame) -> None:
        """Insert architectures not yet stored for the experiment (keyed by arch_hash)."""
        frame = _frame_with_columns(archs, ARCH_COLUMNS, "architectures")
        with self._transaction() as con:
            self._require_experiment(con, experiment_id)
            _insert_architectures(con, experiment_id, frame)

    def add_trial(self, experiment_id: str, trial: TrialRecord) -> bool:
        """Commit one finished trial and its curve; return False if it was already stored.

        Raises:
            StoreError: the experiment does not exist or the status is unknown.
        """
        if trial.status not in TRIAL_STATUSES:
            raise StoreError(
                f"trial {trial.trial_id} of experiment {experiment_id}: status {trial.status!r} "
                f"is not one of {TRIAL_STATUSES}"
            )
        with self._transaction() as con:
            self._require_experiment(con, experiment_id)
            inserted = con.execute(
                """
                INSERT OR IGNORE INTO trials (experiment_id, trial_id, arch_hash, seed, data_seed,
                    fidelity, metric, test_metric, status, epochs, wall_time_s, finished_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING trial_id
                """,
                [
                    experiment_id, trial.trial_id, trial.arch_hash, trial.seed, trial.data_seed,
                    trial.fidelity, _clean_float(trial.metric), _clean_float(trial.test_metric),
                    trial.status, trial.epochs, trial.wall_time_s, _now(),
                ],
            ).fetchall()
            if not inserted:
                return False
            if trial.curve:
                con.executemany(
                    """
                    INSERT OR IGNORE INTO curves (experiment_id, trial_id, epoch, train_loss, val_metric)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                    [
                        [experiment_id, trial.trial_id, int(epoch), _clean_float(loss), _clean_float(val)]
                        for epoch, loss, val in trial.curve
                    ],
                )
            con.execute(
                "UPDATE experiments SET updated_at = ? WHERE experiment_id = ?", [_now(), experiment_id]
            )
        return True

    def import_experiment(
        self,
        *,
        name: str,
        source: str,
        source_format: str,
        metric_name: str,
        maximize: bool,
        trials: pd.DataFrame,
        archs: pd.DataFrame,
        curves: pd.DataFrame | None = None,
        config: Mapping[str, Any] | None = None,
        warnings: Iterable[str] = (),
        proxy_fidelities: Sequence[str] = (),
        target_fidelity: str | None = None,
        task: str | None = None,
    ) -> str:
        """Store a whole imported experiment in one transaction and return its id.

        On any error nothing is written and `StoreError` names the failing table and value.
        """
        trial_frame = _frame_with_columns(trials, TRIAL_COLUMNS, "trials")
        arch_frame = _frame_with_columns(archs, ARCH_COLUMNS, "architectures")
        curve_frame = None if curves is None or curves.empty else _frame_with_columns(curves, CURVE_COLUMNS, "curves")
        bad_status = sorted(set(trial_frame["status"].dropna()) - set(TRIAL_STATUSES))
        if bad_status or trial_frame["status"].isna().any():
            raise StoreError(
                f"import {name!r}: trial status {bad_status or [None]} is not one of {TRIAL_STATUSES}"
            )
        missing_archs = sorted(set(trial_frame["arch_hash"]) - set(arch_frame["arch_hash"]))
        if missing_archs:
            raise StoreError(
                f"import {name!r}: {len(missing_archs)} trials name architectures that are not in the "
                f"architectures table, e.g. {missing_archs[0]!r}"
            )
        experiment_id = uuid.uuid4().hex[:12]
        now = _now()
        with self._transaction() as con:
            con.execute(
                """
                INSERT INTO experiments (experiment_id, name, kind, source, source_format, status,
                    created_at, updated_at, metric_name, maximize, task, proxy_fidelities,
                    target_fidelity, planned_trials, config, warnings)
                VALUES (?, ?, 'import', ?, ?, 'imported', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    experiment_id, name, source, source_format, now, now, metric_name, maximize,
                    task, json.dumps(list(proxy_fidelities)), target_fidelity, len(trial_frame),
                    json.dumps(dict(config or {}), sort_keys=True, default=str),
                    json.dumps(list(warnings)),
                ],
            )
            _insert_architectures(con, experiment_id, arch_frame)
            try:
                con.register("incoming_trials", trial_frame)
                con.execute(
                    """
                    INSERT INTO trials (experiment_id, trial_id, arch_hash, seed, data_seed, fidelity,
                        metric, test_metric, status, epochs, wall_time_s, finished_at)
                    SELECT ?, CAST(trial_id AS VARCHAR), CAST(arch_hash AS VARCHAR),
                        CAST(seed AS INTEGER), CAST(data_seed AS INTEGER), CAST(fidelity AS VARCHAR),
                        CASE WHEN isnan(CAST(metric AS DOUBLE)) THEN NULL ELSE CAST(metric AS DOUBLE) END,
                        CASE WHEN isnan(CAST(test_metric AS DOUBLE)) THEN NULL ELSE CAST(test_metric AS DOUBLE) END,
                        CAST(status AS VARCHAR), CAST(epochs AS INTEGER), CAST(wall_time_s AS DOUBLE), ?
                    FROM incoming_trials
                    """,
                    [experiment_id, now],
                )
                if curve_frame is not None:
                    con.register("incoming_curves", curve_frame)
                    con.execute(
                        """
                        INSERT INTO curves (experiment_id, trial_id, epoch, train_loss, val_metric)
                        SELECT ?, CAST(trial_id AS VARCHAR), CAST(epoch AS INTEGER),
                            CAST(train_loss AS DOUBLE), CAST(val_metric AS DOUBLE)
                        FROM incoming_curves
                        """,
                        [experiment_id],
                    )
            except duckdb.Error as error:
                raise StoreError(f"import {name!r} failed and nothing was written: {error}") from error
            for fidelity_name in [*proxy_fidelities, *([target_fidelity] if target_fidelity else [])]:
                role = "target" if fidelity_name == target_fidelity else "proxy"
                con.execute(
                    "INSERT OR IGNORE INTO fidelities (experiment_id, name, role, spec) VALUES (?, ?, ?, ?)",
                    [experiment_id, fidelity_name, role, json.dumps({})],
                )
        logger.info("imported experiment %s (%s) with %d trials", experiment_id, name, len(trial_frame))
        return experiment_id

    def delete_experiment(self, experiment_id: str) -> None:
        """Remove an experiment and everything stored under it, in one transaction."""
        with self._transaction() as con:
            self._require_experiment(con, experiment_id)
            for table in ("curves", "trials", "architectures", "fidelities", "experiments"):
                con.execute(f"DELETE FROM {table} WHERE experiment_id = ?", [experiment_id])
        logger.info("deleted experiment %s", experiment_id)

    # ------------------------------------------------------------------ reads

    def list_experiments(self) -> pd.DataFrame:
        """Return one row per experiment with trial and architecture counts and the best target metric."""
        with self._connect() as con:
            return con.execute(
                """
                WITH counts AS (
                    SELECT experiment_id, count(*) AS n_trials, count(DISTINCT arch_hash) AS n_archs,
                        count(DISTINCT seed) AS n_seeds, max(finished_at) AS last_trial_at
                    FROM trials GROUP BY experiment_id
                ),
                target_means AS (
                    SELECT t.experiment_id, t.arch_hash, avg(t.metric) AS mean_metric
                    FROM trials t JOIN experiments e USING (experiment_id)
                    WHERE t.status = 'ok' AND t.metric IS NOT NULL
                        AND (e.target_fidelity IS NULL OR t.fidelity = e.target_fidelity)
                    GROUP BY t.experiment_id, t.arch_hash
                ),
                best AS (
                    SELECT m.experiment_id,
                        CASE WHEN e.maximize THEN max(m.mean_metric) ELSE min(m.mean_metric) END AS best_target_metric
                    FROM target_means m JOIN experiments e USING (experiment_id)
                    GROUP BY m.experiment_id, e.maximize
                )
                SELECT e.experiment_id, e.name, e.kind, e.source, e.source_format, e.status,
                    e.cancel_requested, e.created_at, e.updated_at, e.metric_name, e.maximize, e.task,
                    e.space_hash, e.proxy_fidelities, e.target_fidelity, e.planned_trials, e.pid,
                    e.config, e.warnings,
                    coalesce(c.n_trials, 0) AS n_trials, coalesce(c.n_archs, 0) AS n_archs,
                    coalesce(c.n_seeds, 0) AS n_seeds, c.last_trial_at, b.best_target_metric
                FROM experiments e
                LEFT JOIN counts c USING (experiment_id)
                LEFT JOIN best b USING (experiment_id)
                ORDER BY e.created_at DESC
                """
            ).df()

    def get_experiment(self, experiment_id: str) -> dict[str, Any]:
        """Return one experiment's row as a dict, with JSON fields decoded.

        Raises:
            StoreError: no experiment has this id.
        """
        with self._connect() as con:
            frame = con.execute("SELECT * FROM experiments WHERE experiment_id = ?", [experiment_id]).df()
        if frame.empty:
            raise StoreError(f"experiment {experiment_id!r} not found; run `nasdiag list` to see the ids")
        row = frame.iloc[0].to_dict()
        for key in ("proxy_fidelities", "config", "warnings"):
            row[key] = json.loads(row[key]) if isinstance(row[key], str) else ([] if key != "config" else {})
        return row

    def find_experiment_by_id(self, experiment_id: str) -> dict[str, Any] | None:
        """Return the experiment's row like `get_experiment`, or None when it does not exist."""
        try:
            return self.get_experiment(experiment_id)
        except StoreError:
            return None

    def find_experiment(self, name: str) -> str | None:
        """Return the id of the newest experiment with this name, or None."""
        with self._connect() as con:
            row = con.execute(
                "SELECT experiment_id FROM experiments WHERE name = ? ORDER BY created_at DESC LIMIT 1",
                [name],
            ).fetchall()
        return row[0][0] if row else None

    def load_space_spec(self, space_hash: str) -> dict[str, Any] | None:
        """Return a stored search-space spec, or None when the hash is unknown."""
        with self._connect() as con:
            row = con.execute("SELECT spec FROM spaces WHERE space_hash = ?", [space_hash]).fetchall()
        return json.loads(row[0][0]) if row else None

    def load_fidelities(self, experiment_id: str) -> pd.DataFrame:
        """Return `name, role, spec` (spec decoded to a dict) for the experiment's fidelities."""
        with self._connect() as con:
            frame = con.execute(
                "SELECT name, role, spec FROM fidelities WHERE experiment_id = ? ORDER BY role, name",
                [experiment_id],
            ).df()
        frame["spec"] = [json.loads(s) if isinstance(s, str) else {} for s in frame["spec"]]
        return frame

    def load_trials(self, experiment_id: str) -> pd.DataFrame:
        """Return the tidy trials table (one row per trial, with architecture attributes)."""
        with self._connect() as con:
            frame = con.execute(
                """
                SELECT t.experiment_id, t.trial_id, a.arch, t.arch_hash, t.seed, t.data_seed,
                    t.fidelity, t.metric, t.test_metric, t.status, t.epochs, t.wall_time_s,
                    t.finished_at, a.ops, a.params, a.flops, a.receptive_field,
                    coalesce(a.is_baseline, false) AS is_baseline
                FROM trials t
                LEFT JOIN architectures a USING (experiment_id, arch_hash)
                WHERE t.experiment_id = ?
                ORDER BY t.finished_at, t.trial_id
                """,
                [experiment_id],
            ).df()
        return frame

    def load_architectures(self, experiment_id: str) -> pd.DataFrame:
        """Return the experiment's architectures with their attributes."""
        with self._connect() as con:
            return con.execute(
                "SELECT * EXCLUDE (experiment_id) FROM architectures WHERE experiment_id = ? ORDER BY arch",
                [experiment_id],
            ).df()

    def load_curves(self, experiment_id: str, arch_hash: str | None = None) -> pd.DataFrame:
        """Return per-epoch curves, optionally for one architecture."""
        with self._connect() as con:
            return con.execute(
                """
                SELECT c.trial_id, a.arch, t.arch_hash, t.seed, t.data_seed, t.fidelity, c.epoch,
                    c.train_loss, c.val_metric
                FROM curves c
                JOIN trials t USING (experiment_id, trial_id)
                LEFT JOIN architectures a USING (experiment_id, arch_hash)
                WHERE c.experiment_id = ? AND (? IS NULL OR t.arch_hash = ?)
                ORDER BY t.arch_hash, t.fidelity, t.seed, c.epoch
                """,
                [experiment_id, arch_hash, arch_hash],
            ).df()

    def finished_trial_ids(self, experiment_id: str) -> set[str]:
        """Return the ids of every trial already stored for the experiment (for resuming)."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT trial_id FROM trials WHERE experiment_id = ?", [experiment_id]
            ).fetchall()
        return {row[0] for row in rows}

    def trial_count(self, experiment_id: str) -> int:
        """Return the number of stored trials; cheap, so the dashboard uses it as a cache key."""
        with self._connect() as con:
            row = con.execute(
                "SELECT count(*) FROM trials WHERE experiment_id = ?", [experiment_id]
            ).fetchall()
        return int(row[0][0]) if row else 0

    def cancel_requested(self, experiment_id: str) -> bool:
        """Return whether someone asked the experiment's search to stop."""
        with self._connect() as con:
            row = con.execute(
                "SELECT cancel_requested FROM experiments WHERE experiment_id = ?", [experiment_id]
            ).fetchall()
        return bool(row and row[0][0])

    @staticmethod
    def _require_experiment(con: duckdb.DuckDBPyConnection, experiment_id: str) -> None:
        row = con.execute(
            "SELECT count(*) FROM experiments WHERE experiment_id = ?", [experiment_id]
        ).fetchall()
        if not row or row[0][0] == 0:
            raise StoreError(f"experiment {experiment_id!r} not found; run `nasdiag list` to see the ids")


def _frame_with_columns(frame: pd.DataFrame, columns: Sequence[str], table: str) -> pd.DataFrame:
    """Return `frame` restricted to `columns`, adding missing optional ones as nulls."""
    required = {"trials": ("trial_id", "arch_hash", "fidelity", "status"),
                "architectures": ("arch_hash", "arch"),
                "curves": ("trial_id", "epoch")}[table]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise StoreError(f"{table} table is missing required columns {missing}")
    out = frame.copy()
    for column in columns:
        if column not in out.columns:
            out[column] = None
    return out[list(columns)]


def _insert_architectures(con: duckdb.DuckDBPyConnection, experiment_id: str, frame: pd.DataFrame) -> None:
    frame = frame.drop_duplicates("arch_hash")
    frame = frame.assign(is_baseline=frame["is_baseline"].fillna(False).astype(bool))
    con.register("incoming_archs", frame)
    try:
        con.execute(
            """
            INSERT OR IGNORE INTO architectures (experiment_id, arch_hash, arch, ops, params, flops,
                receptive_field, is_baseline, spec_json)
            SELECT ?, CAST(arch_hash AS VARCHAR), CAST(arch AS VARCHAR), CAST(ops AS VARCHAR),
                CAST(params AS BIGINT), CAST(flops AS BIGINT), CAST(receptive_field AS INTEGER),
                CAST(is_baseline AS BOOLEAN), CAST(spec_json AS VARCHAR)
            FROM incoming_archs
            """,
            [experiment_id],
        )
    except duckdb.Error as error:
        raise StoreError(f"storing architectures of experiment {experiment_id} failed: {error}") from error
    finally:
        con.unregister("incoming_archs")

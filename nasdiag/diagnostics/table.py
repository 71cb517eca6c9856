"""Validation and per-architecture summaries of the tidy trials table.

Every diagnostic starts here: rows whose metric is missing or whose status is not ``ok``
are counted and set aside, never averaged in, and the metric is turned into a
higher-is-better ``score`` so that rankings read the same whether the metric is an
accuracy (``maximize=True``) or an error (``maximize=False``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("arch", "seed", "fidelity", "metric")

# Per-architecture attributes carried into the summaries when the table has them.
ATTRIBUTE_COLUMNS = ("ops", "params", "flops", "receptive_field", "is_baseline", "arch_hash")


class DiagnoseInputError(ValueError):
    """The trials table cannot be diagnosed; the message names the column or value and the fix."""


@dataclass(frozen=True)
class ExcludedRows:
    """Counts of trials left out of every statistic."""

    n_rows: int  # rows in the table as given
    n_used: int  # rows with status ok and a finite metric
    n_missing_metric: int  # status ok but metric NaN or infinite
    by_status: dict[str, int] = field(default_factory=dict)  # rows per status other than ok

    def to_dict(self) -> dict:
        return {
            "n_rows": self.n_rows,
            "n_used": self.n_used,
            "n_missing_metric": self.n_missing_metric,
            "by_status": dict(self.by_status),
        }


def validate_trials(trials: pd.DataFrame) -> None:
    """Raise DiagnoseInputError unless ``trials`` has the required columns with usable types."""
    if not isinstance(trials, pd.DataFrame):
        raise DiagnoseInputError(
            f"trials must be a pandas DataFrame, got {type(trials).__name__}; "
            "load the table with pandas.read_csv or Store.load_trials first"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in trials.columns]
    if missing:
        raise DiagnoseInputError(
            f"trials table is missing column(s) {missing}; found {list(trials.columns)}. "
            f"Add the columns {list(REQUIRED_COLUMNS)} (long format: one row per arch x seed x fidelity)"
        )
    if trials.empty:
        raise DiagnoseInputError("trials table is empty; it needs at least one row per architecture")
    if not pd.api.types.is_numeric_dtype(trials["metric"]):
        coerced = pd.to_numeric(trials["metric"], errors="coerce")
        bad = trials.loc[coerced.isna() & trials["metric"].notna(), "metric"]
        if len(bad):
            raise DiagnoseInputError(
                f"column 'metric' must be numeric, but row {bad.index[0]} contains {bad.iloc[0]!r}; "
                "write the metric as a number (leave the cell empty for a failed trial)"
            )
    for name in ("params", "flops", "receptive_field"):
        if name in trials.columns and not pd.api.types.is_numeric_dtype(trials[name]):
            coerced = pd.to_numeric(trials[name], errors="coerce")
            bad = trials.loc[coerced.isna() & trials[name].notna(), name]
            if len(bad):
                raise DiagnoseInputError(
                    f"column {name!r} must be numeric, but row {bad.index[0]} contains {bad.iloc[0]!r}; "
                    "write a number or leave the cell empty"
                )
    if trials["arch"].isna().any():
        row = trials.index[trials["arch"].isna()][0]
        raise DiagnoseInputError(f"column 'arch' is empty in row {row}; every trial needs an architecture")


def clean_trials(trials: pd.DataFrame, *, maximize: bool = True) -> tuple[pd.DataFrame, ExcludedRows]:
    """Validate ``trials`` and return the usable rows plus counts of what was left out.

    The returned frame has ``arch`` and ``fidelity`` as str, ``metric`` as float, a
    ``score`` column (``metric`` if ``maximize`` else ``-metric``) and ``is_baseline`` as
    bool (False where the column is absent).

    Raises:
        DiagnoseInputError: a required column is missing, the table is empty or a value has
            the wrong type.
    """
    validate_trials(trials)
    table = trials.copy()
    table["arch"] = table["arch"].astype(str)
    table["fidelity"] = table["fidelity"].astype(str)
    table["metric"] = pd.to_numeric(table["metric"], errors="coerce").astype(float)
    for name in ("params", "flops", "receptive_field"):
        if name in table.columns:
            table[name] = pd.to_numeric(table[name], errors="coerce").astype(float)
    if "status" not in table.columns:
        table["status"] = "ok"
    table["status"] = table["status"].fillna("ok").astype(str).str.strip().str.lower()
    table["is_baseline"] = _as_bool(table["is_baseline"]) if "is_baseline" in table.columns else False

    is_ok = table["status"] == "ok"
    finite = np.isfinite(table["metric"].to_numpy())
    used = is_ok & finite
    by_status = table.loc[~is_ok, "status"].value_counts().to_dict()
    excluded = ExcludedRows(
        n_rows=len(table),
        n_used=int(used.sum()),
        n_missing_metric=int((is_ok & ~finite).sum()),
        by_status={str(k): int(v) for k, v in by_status.items()},
    )
    if excluded.n_used < excluded.n_rows:
        logger.info("left %d of %d trials out of the diagnosis: %s", excluded.n_rows - excluded.n_used,
                    excluded.n_rows, excluded.to_dict())

    table = table.loc[used].copy()
    table["score"] = table["metric"] if maximize else -table["metric"]
    return table, excluded


def _as_bool(column: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(column):
        return column.fillna(False).astype(bool)
    text = column.astype(str).str.strip().str.lower()
    truthy = {"1", "1.0", "true", "t", "yes", "y"}
    falsy = {"0", "0.0", "false", "f", "no", "n", "", "nan", "none", "<na>"}
    unknown = sorted(set(text) - truthy - falsy)
    if unknown:
        raise DiagnoseInputError(
            f"column 'is_baseline' must be 0/1 or true/false, got {unknown[0]!r}; "
            "mark hand-designed reference architectures with 1 and the rest with 0"
        )
    return text.isin(truthy)


def arch_summary(table: pd.DataFrame, fidelity: str) -> pd.DataFrame:
    """Per-architecture seed statistics at one fidelity of a cleaned table.

    Returns one row per arch (index ``arch``) with ``n_seeds``, ``mean``, ``sd`` (ddof=1,
    NaN with one seed), ``mean_score`` (higher is better) and the attribute columns the
    table has (first value per arch).
    """
    rows = table.loc[table["fidelity"] == fidelity]
    grouped = rows.groupby("arch", sort=True)
    summary = pd.DataFrame({
        "n_seeds": grouped["metric"].size(),
        "mean": grouped["metric"].mean(),
        "sd": grouped["metric"].std(ddof=1),
        "mean_score": grouped["score"].mean(),
    })
    for name in ATTRIBUTE_COLUMNS:
        if name in rows.columns:
            summary[name] = grouped[name].first()
    if "is_baseline" not in summary.columns:
        summary["is_baseline"] = False
    summary["is_baseline"] = summary["is_baseline"].fillna(False).astype(bool)
    return summary


def seed_matrix(table: pd.DataFrame, fidelity: str) -> tuple[np.ndarray, np.ndarray]:
    """Scores at one fidelity as an (archs, seeds) array, NaN-padded.

    Column j holds each architecture's j-th seed in sorted seed order, so two
    architectures' seeds are paired by position, not by label: imported logs often number
    repeats per architecture. Returns (arch names sorted, matrix).
    """
    rows = table.loc[table["fidelity"] == fidelity, ["arch", "seed", "score"]].sort_values(["arch", "seed"])
    position = rows.groupby("arch", sort=True).cumcount().to_numpy()
    archs, arch_index = np.unique(rows["arch"].to_numpy(), return_inverse=True)
    n_cols = int(position.max()) + 1 if len(position) else 0
    matrix = np.full((len(archs), n_cols), np.nan)
    matrix[arch_index, position] = rows["score"].to_numpy()
    return archs, matrix


def split_ops(ops: object) -> frozenset[str]:
    """Return the set of op names in a semicolon-separated ``ops`` cell (empty for NaN)."""
    if ops is None or (isinstance(ops, float) and np.isnan(ops)):
        return frozenset()
    return frozenset(part.strip() for part in str(ops).split(";") if part.strip())

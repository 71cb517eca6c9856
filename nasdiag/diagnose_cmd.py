"""The work behind ``nasdiag diagnose``: load a trials table, diagnose it, render the result.

The CLI parses arguments and calls ``run_diagnose``; it maps ``DiagnoseInputError`` to
exit status 2 and prints the returned text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from nasdiag.diagnostics import Diagnosis, Thresholds, diagnose
from nasdiag.diagnostics.table import REQUIRED_COLUMNS, DiagnoseInputError
from nasdiag.diagnostics.verdicts import DEFAULT_THRESHOLDS, at_or_above
from nasdiag.report import render_text

logger = logging.getLogger(__name__)

__all__ = ["DiagnoseInputError", "load_trials_file", "run_diagnose"]

FAIL_ON_CHOICES = ("warn", "fail")


def load_trials_file(path: str | Path) -> pd.DataFrame:
    """Read a long-format trials table from CSV or Parquet and check its columns and types.

    Raises:
        DiagnoseInputError: the file is missing, unreadable, empty, or lacks a required column.
    """
    path = Path(path)
    if not path.is_file():
        raise DiagnoseInputError(f"trials file {str(path)!r} not found; pass the path of a CSV or Parquet file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            table = pd.read_parquet(path)
        else:
            table = pd.read_csv(path, dtype={"arch": str, "fidelity": str, "ops": str, "status": str})
    except pd.errors.EmptyDataError as error:
        raise DiagnoseInputError(f"trials file {str(path)!r} is empty; it needs a header row "
                                 f"{','.join(REQUIRED_COLUMNS)} and one row per trial") from error
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as error:
        raise DiagnoseInputError(f"could not read trials file {str(path)!r}: {error}; "
                                 "write it as UTF-8 CSV with a header row, or as Parquet") from error
    table.columns = [str(c).strip() for c in table.columns]
    missing = [name for name in REQUIRED_COLUMNS if name not in table.columns]
    if missing:
        raise DiagnoseInputError(
            f"trials file {str(path)!r} is missing column(s) {missing}; found {list(table.columns)}. "
            f"The file needs one row per trial with columns {', '.join(REQUIRED_COLUMNS)}"
        )
    if table.empty:
        raise DiagnoseInputError(f"trials file {str(path)!r} has a header but no rows")
    seeds = pd.to_numeric(table["seed"], errors="coerce")
    bad = table.loc[seeds.isna() | (seeds != seeds.round()), "seed"]
    if len(bad):
        raise DiagnoseInputError(
            f"column 'seed' must contain whole numbers, but line {bad.index[0] + 2} of {str(path)!r} contains "
            f"{bad.iloc[0]!r}; number the seeds (or repeats) 0, 1, 2, ..."
        )
    table["seed"] = seeds.astype(int)
    return table


def run_diagnose(
    source: str | Path | pd.DataFrame,
    *,
    proxy: str | None = None,
    target: str | None = None,
    maximize: bool = True,
    json_out: bool = False,
    fail_on: str | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    seed: int = 0,
    n_resamples: int = 1000,
    space_ops: Iterable[str] | Mapping[str, float] | None = None,
    cardinality: float | None = None,
    input_size: float | None = None,
    baseline_membership: pd.DataFrame | None = None,
    curves: pd.DataFrame | None = None,
    delta: float | None = None,
    ranking_seeds: int = 1,
    label: str | None = None,
) -> tuple[str, int]:
    """Diagnose a trials table and return (text or JSON, exit status).

    Args:
        source: a CSV/Parquet path (columns arch, seed, fidelity, metric and optionally ops
            ``a;b``, is_baseline 0/1, status, params, flops, receptive_field) or a DataFrame
            already loaded from the store.
        json_out: return one JSON object (keys summary, noise, proxy, coverage) instead of text.
        fail_on: ``warn`` or ``fail``: the exit status is 1 when any verdict is at or above
            that level (``insufficient data`` counts as ``warn``); None always gives 0.
        label: how the report names the source (default: the path, or "the given table").
        Other arguments are passed to ``diagnose``.

    Raises:
        DiagnoseInputError: unusable input; the message names the column or value and the fix.
    """
    if fail_on is not None and fail_on not in FAIL_ON_CHOICES:
        raise DiagnoseInputError(f"--fail-on must be one of {FAIL_ON_CHOICES}, got {fail_on!r}")
    if isinstance(source, pd.DataFrame):
        trials, label = source, label or "the given table"
    else:
        trials, label = load_trials_file(source), label or str(source)
    logger.info("diagnosing %s (%d rows)", label, len(trials))
    diagnosis: Diagnosis = diagnose(
        trials, proxy=proxy, target=target, maximize=maximize, thresholds=thresholds, seed=seed,
        n_resamples=n_resamples, space_ops=space_ops, cardinality=cardinality, input_size=input_size,
        baseline_membership=baseline_membership, curves=curves, delta=delta, ranking_seeds=ranking_seeds,
    )
    if json_out:
        text = json.dumps(diagnosis.to_dict(), indent=2, allow_nan=False)
    else:
        text = render_text(diagnosis, {"source": label})
    status = 0
    if fail_on is not None and any(at_or_above(v.level, fail_on) for v in diagnosis.verdicts.values()):
        status = 1
    return text, status

"""The steps every importer shares once a format is parsed: types, duplicates, validation.

A format parser builds raw trial, architecture and curve frames. `build_parsed` turns them
into a `ParsedImport` with fixed column types, applies the duplicate rule and writes the
validation report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nasdiag.ingest.errors import ImportFormatError, option_hint
from nasdiag.ingest.model import (
    ARCH_COLUMNS,
    CURVE_COLUMNS,
    DUPLICATE_RULES,
    STATUSES,
    TRIAL_COLUMNS,
    ParsedImport,
)
from nasdiag.ingest.validate import validate_trials

logger = logging.getLogger(__name__)

# Status spellings of common tools mapped to the tidy table's statuses.
STATUS_ALIASES = {
    "ok": "ok", "complete": "ok", "completed": "ok", "succeeded": "ok", "success": "ok",
    "finished": "ok", "done": "ok",
    "diverged": "diverged",
    "failed": "failed", "fail": "failed", "error": "failed", "crashed": "failed",
    "user_canceled": "failed", "sys_canceled": "failed",
    "pruned": "pruned", "early_stopped": "pruned",
    "running": "running", "waiting": "running",
}


@dataclass
class RawImport:
    """The raw frames and notes of one parsed input, mutable while its parser fills them."""

    format: str
    source: str
    trials: pd.DataFrame
    archs: pd.DataFrame
    curves: pd.DataFrame | None = None
    metric_name: str = "metric"
    maximize: bool = True
    config: dict = field(default_factory=dict)
    n_records: int = 0
    n_skipped: int = 0
    messages: list[str] = field(default_factory=list)
    proxy_fidelities: tuple[str, ...] = ()
    target_fidelity: str | None = None
    # True when seeds are repeat indices of identical configurations (tuning logs), so an
    # architecture run once is not "missing" seeds.
    seeds_are_repeats: bool = False


def normalize_statuses(values: pd.Series, *, path: str, column: str = "status") -> pd.Series:
    """Map status spellings to STATUSES.

    Raises:
        ImportFormatError: a value is not a known spelling; names its row.
    """
    lowered = values.astype("string").str.strip().str.lower()
    mapped = lowered.map(STATUS_ALIASES)
    unknown = mapped.isna()
    if unknown.any():
        position = int(np.flatnonzero(unknown.to_numpy())[0])
        raise ImportFormatError(
            "unknown trial status",
            path=path,
            location=f"row {position + 1}",
            column=column,
            value=values.iloc[position],
            fix=f"Use one of {STATUSES} (tool spellings such as COMPLETE or SUCCEEDED are accepted)",
        )
    return mapped.astype(object)


def build_parsed(raw: RawImport, *, on_duplicate: str = "keep_last") -> ParsedImport:
    """Type the raw frames, apply the duplicate rule and validate; return the ParsedImport.

    Raises:
        ImportFormatError: `on_duplicate` is "error" and duplicates exist, or the trials
            table is empty, or trial ids repeat.
    """
    if on_duplicate not in DUPLICATE_RULES:
        raise ImportFormatError(
            "unknown duplicate rule", value=on_duplicate, fix=f"Use one of {DUPLICATE_RULES}"
        )
    trials = _typed_trials(raw.trials)
    if trials.empty:
        raise ImportFormatError(
            "no trials found", path=raw.source, fix="Check that the file contains results in a supported format"
        )

    trials, n_duplicates = _apply_duplicate_rule(trials, raw.source, on_duplicate)
    repeated_ids = trials["trial_id"].duplicated()
    if repeated_ids.any():
        raise ImportFormatError(
            "trial id appears twice",
            path=raw.source,
            column="trial_id",
            value=trials.loc[repeated_ids, "trial_id"].iloc[0],
            fix="Give every trial its own id",
        )

    archs = _typed_archs(raw.archs, trials)
    curves = _typed_curves(raw.curves, trials, raw.messages)
    report = validate_trials(
        trials,
        n_records=raw.n_records,
        n_duplicates=n_duplicates,
        duplicate_rule=on_duplicate,
        n_skipped=raw.n_skipped,
        n_curve_points=0 if curves is None else len(curves),
        messages=raw.messages,
        count_missing_seeds=not raw.seeds_are_repeats,
    )
    logger.info(
        "parsed %s as %s: %d trials, %d architectures", raw.source, raw.format, len(trials), len(archs)
    )
    return ParsedImport(
        format=raw.format,
        source=raw.source,
        trials=trials,
        archs=archs,
        curves=curves,
        metric_name=raw.metric_name,
        maximize=raw.maximize,
        config=dict(raw.config),
        report=report,
        proxy_fidelities=tuple(raw.proxy_fidelities),
        target_fidelity=raw.target_fidelity or _chosen_target(trials),
    )


def _chosen_target(trials: pd.DataFrame) -> str | None:
    """Return the target fidelity `diagnose` would choose, so the stored best value is a target value.

    Without a recorded target, the experiment list would average an architecture's metric over
    every fidelity, proxies included.
    """
    from nasdiag.diagnostics.diagnosis import choose_fidelities

    usable = trials.loc[trials["fidelity"].notna()]
    if usable.empty:
        return None
    _, target, _ = choose_fidelities(usable, None, None)
    return target


def _typed_trials(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(frame)))
    source = frame.reset_index(drop=True)
    for column in TRIAL_COLUMNS:
        values = source[column] if column in source.columns else pd.Series([None] * len(source))
        if column in ("seed", "data_seed", "epochs"):
            out[column] = pd.array(pd.to_numeric(values), dtype="Int64")
        elif column in ("metric", "test_metric", "wall_time_s"):
            out[column] = pd.to_numeric(values).astype("float64")
        else:
            out[column] = values.astype(object)
    out["trial_id"] = out["trial_id"].astype(str)
    out["fidelity"] = out["fidelity"].astype(str)
    return out


def _apply_duplicate_rule(trials: pd.DataFrame, path: str, rule: str) -> tuple[pd.DataFrame, int]:
    key = ["arch_hash", "seed", "fidelity"]
    duplicated = trials.duplicated(key, keep=False)
    if not duplicated.any():
        return trials, 0
    if rule == "error":
        first = trials.loc[duplicated].iloc[0]
        same = trials.loc[duplicated & (trials["arch_hash"] == first["arch_hash"])
                          & (trials["seed"] == first["seed"]) & (trials["fidelity"] == first["fidelity"])]
        raise ImportFormatError(
            f"{int(duplicated.sum())} rows repeat an (arch, seed, fidelity) combination; first: "
            f"arch {first['arch']!r}, seed {first['seed']}, fidelity {first['fidelity']!r} in trials "
            f"{list(same['trial_id'])}",
            path=path,
            fix="Remove the repeated rows, or import with on_duplicate keep_last / keep_first "
            f"(CLI: {option_hint('on_duplicate', 'keep_last')})",
        )
    keep = "last" if rule == "keep_last" else "first"
    kept = trials.loc[~trials.duplicated(key, keep=keep)].reset_index(drop=True)
    return kept, len(trials) - len(kept)


def _typed_archs(frame: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    for column in ARCH_COLUMNS:
        if column not in out.columns:
            out[column] = None
    out = out.drop_duplicates("arch_hash", keep="first")
    out = out.loc[out["arch_hash"].isin(set(trials["arch_hash"]))].reset_index(drop=True)
    out["params"] = pd.array(pd.to_numeric(out["params"]), dtype="Int64")
    out["flops"] = pd.array(pd.to_numeric(out["flops"]), dtype="Int64")
    out["receptive_field"] = pd.array(pd.to_numeric(out["receptive_field"]), dtype="Int64")
    out["is_baseline"] = out["is_baseline"].fillna(False).astype(bool)
    out["ops"] = out["ops"].fillna("").astype(str)
    return out[list(ARCH_COLUMNS)]


def _typed_curves(frame: pd.DataFrame | None, trials: pd.DataFrame, messages: list[str]) -> pd.DataFrame | None:
    if frame is None or frame.empty:
        return None
    out = frame.reset_index(drop=True).copy()
    for column in CURVE_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    out = out[list(CURVE_COLUMNS)]
    out["trial_id"] = out["trial_id"].astype(str)
    out["epoch"] = pd.to_numeric(out["epoch"]).astype("int64")
    out["train_loss"] = pd.to_numeric(out["train_loss"]).astype("float64")
    out["val_metric"] = pd.to_numeric(out["val_metric"]).astype("float64")
    # Curves of trials the duplicate rule dropped go with them.
    out = out.loc[out["trial_id"].isin(set(trials["trial_id"]))]
    repeated = out.duplicated(["trial_id", "epoch"], keep="last")
    if repeated.any():
        messages.append(f"{int(repeated.sum())} curve points repeat a (trial, epoch); kept the last")
        out = out.loc[~repeated]
    return out.sort_values(["trial_id", "epoch"]).reset_index(drop=True)

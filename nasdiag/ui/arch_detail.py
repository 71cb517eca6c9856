"""Data behind the Architecture detail page: a drawing from the stored spec and per-fidelity
seed statistics of one architecture."""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from nasdiag.diagnostics import DiagnoseInputError, clean_trials
from nasdiag.diagnostics.noise import add_t_intervals
from nasdiag.diagnostics.table import arch_summary
from nasdiag.viz.ui_extra import CELL_EDGE_KEYS, cell_figure, chain_figure

logger = logging.getLogger(__name__)

SUMMARY_COLUMNS = ("fidelity", "n_seeds", "mean", "sd", "ci_low", "ci_high")


def decode_spec(spec_json: Any) -> dict[str, Any] | None:
    """Return the stored `Architecture.to_dict()` of an architecture, or None when absent or invalid."""
    if not isinstance(spec_json, str) or not spec_json.strip():
        return None
    try:
        spec = json.loads(spec_json)
    except json.JSONDecodeError:
        logger.warning("architecture spec is not valid JSON: %.80s", spec_json)
        return None
    return spec if isinstance(spec, dict) else None


def arch_drawing(spec: dict[str, Any] | None, space_spec: dict[str, Any] | None, *, title: str) -> go.Figure | None:
    """Draw a cell or chain architecture from its stored spec; None when it cannot be drawn.

    Chain strides come from the experiment's space when the architecture is a chain of that
    space's depth; otherwise every stage is drawn without a stride note.
    """
    if not spec or "choices" not in spec:
        return None
    choices = spec["choices"]
    if spec.get("family") == "cell" and len(choices) == len(CELL_EDGE_KEYS):
        return cell_figure({key: [str(op)] for key, op in zip(CELL_EDGE_KEYS, choices, strict=True)}, title=title)
    if spec.get("family") == "chain":
        stages = [(int(depth), int(width), [str(op) for op in ops]) for depth, width, ops in choices]
        strides = [1] * len(stages)
        if space_spec and space_spec.get("family") == "chain" and len(space_spec.get("stages", [])) == len(stages):
            strides = [int(stage.get("stride", 1)) for stage in space_spec["stages"]]
        return chain_figure(stages, strides, title=title, residual=bool((space_spec or {}).get("residual")))
    return None


def fidelity_summary(trials: pd.DataFrame, arch: str, *, maximize: bool) -> pd.DataFrame:
    """Per fidelity, the architecture's seed count, mean, sd and 95% t-interval of the mean.

    Failed trials and NaN metrics are left out, as in every diagnostic; a fidelity where the
    architecture has no usable trial is absent.
    """
    rows = trials.loc[trials["arch"].astype(str) == arch]
    if rows.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    try:
        table, _ = clean_trials(rows, maximize=maximize)
    except DiagnoseInputError:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    parts = []
    for fidelity in sorted(table["fidelity"].unique()):
        summary = add_t_intervals(arch_summary(table, fidelity))
        summary.insert(0, "fidelity", fidelity)
        parts.append(summary)
    if not parts:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    return pd.concat(parts).reset_index(drop=True)[list(SUMMARY_COLUMNS)]


def best_per_run(curves: pd.DataFrame) -> pd.DataFrame:
    """Return the best validation value of each (fidelity, seed) run in a curves table."""
    return curves.groupby(["fidelity", "seed"])["val_metric"].max().reset_index()

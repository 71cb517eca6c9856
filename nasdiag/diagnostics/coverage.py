"""Search-space coverage: can the space express what good architectures for the task need?

Figures come from the target fidelity of a cleaned trials table. "Sampled" architectures
are the non-baseline ones. Baselines are hand-designed references, judged against the
space's op set and, when the caller knows it, their membership in the space.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from nasdiag.diagnostics.rank import spearman_rho
from nasdiag.diagnostics.table import arch_summary, split_ops

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceptiveFieldCheck:
    """Receptive field of the sampled architectures against the input size."""

    input_size: float  # NaN when not given
    n_archs: int  # sampled architectures with a known receptive field
    share_below_input: float  # share whose receptive field is smaller than the input
    rho_with_metric: float  # Spearman rho of receptive field with the target score
    median: float


@dataclass(frozen=True)
class BaselineGap:
    """Best sampled architecture against the best baseline on the target."""

    best_found: str | None
    best_found_mean: float
    best_baseline: str | None
    best_baseline_mean: float
    gap: float  # best found minus best baseline, higher-is-better metric units
    gap_ci: tuple[float, float]  # Welch t-interval over the two architectures' seeds
    share_beating_baseline: float  # share of sampled architectures above the best baseline


@dataclass(frozen=True)
class CoverageResult:
    """Coverage figures at the target fidelity. DataFrames are indexed by op or arch."""

    fidelity: str
    space_ops: tuple[str, ...]
    space_ops_source: str  # "given" or "union of sampled ops"
    baseline_ops: tuple[str, ...]
    lacking_ops: tuple[str, ...]  # used by baselines, absent from the space
    baselines: pd.DataFrame  # target_mean, n_seeds, ops, lacking_ops, in_space, distance
    op_stats: pd.DataFrame  # freq_space, freq_sampled, freq_top, enrichment, odds_ratio, p_value, effect, ci
    n_top: int
    receptive_field: ReceptiveFieldCheck
    n_sampled_archs: int
    n_distinct_hashes: int | None  # distinct arch_hash values, None without the column
    n_duplicate_trials: int  # rows repeating an (arch, seed, fidelity)
    cardinality: float  # size of the space, NaN when unknown
    share_evaluated: float
    baseline_gap: BaselineGap
    sampled_means: pd.Series  # target mean per sampled arch, for the histogram
    receptive_fields: pd.Series  # receptive field per sampled arch with a known one


def _op_sets(summary: pd.DataFrame) -> pd.Series:
    if "ops" not in summary.columns:
        return pd.Series([frozenset()] * len(summary), index=summary.index, dtype=object)
    return summary["ops"].map(split_ops)


def op_statistics(
    op_sets: pd.Series,
    scores: pd.Series,
    is_top: pd.Series,
    ops: Iterable[str],
    space_frequency: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per op: frequency among sampled and top archs, enrichment, Fisher p-value, marginal effect.

    Enrichment is freq_top / freq_sampled. The p-value is the two-sided Fisher exact test of
    the 2x2 table (top or not) x (uses the op or not). The marginal effect is the mean score
    of archs using the op minus that of the others, with a Welch 95% t-interval.
    """
    rows = []
    n_top = int(is_top.sum())
    for op in sorted(ops):
        uses = op_sets.map(lambda s, op=op: op in s).to_numpy(dtype=bool)
        top = is_top.to_numpy(dtype=bool)
        top_with, rest_with = int((uses & top).sum()), int((uses & ~top).sum())
        table = [[top_with, n_top - top_with], [rest_with, int((~top).sum()) - rest_with]]
        freq_sampled = uses.mean() if len(uses) else math.nan
        freq_top = top_with / n_top if n_top else math.nan
        odds, p_value = stats.fisher_exact(table) if n_top and len(uses) > n_top else (math.nan, math.nan)
        with_op = scores.to_numpy()[uses]
        without_op = scores.to_numpy()[~uses]
        effect, ci = math.nan, (math.nan, math.nan)
        if len(with_op) and len(without_op):
            effect = float(with_op.mean() - without_op.mean())
        if len(with_op) >= 2 and len(without_op) >= 2 and (with_op.std() > 0 or without_op.std() > 0):
            interval = stats.ttest_ind(with_op, without_op, equal_var=False).confidence_interval(0.95)
            ci = (float(interval.low), float(interval.high))
        rows.append({
            "op": op,
            "freq_space": (space_frequency or {}).get(op, math.nan),
            "n_sampled_with": int(uses.sum()),
            "freq_sampled": float(freq_sampled),
            "freq_top": float(freq_top),
            "enrichment": float(freq_top / freq_sampled) if freq_sampled else math.nan,
            "odds_ratio": float(odds),
            "p_value": float(p_value),
            "effect": effect,
            "effect_ci_low": ci[0],
            "effect_ci_high": ci[1],
        })
    columns = ["op", "freq_space", "n_sampled_with", "freq_sampled", "freq_top", "enrichment", "odds_ratio",
               "p_value", "effect", "effect_ci_low", "effect_ci_high"]
    return pd.DataFrame(rows, columns=columns).set_index("op")


def baseline_gap(table: pd.DataFrame, fidelity: str, sampled: pd.DataFrame, baselines: pd.DataFrame) -> BaselineGap:
    """Gap between the best sampled architecture and the best baseline, with a Welch interval."""
    if sampled.empty:
        return BaselineGap(None, math.nan, None, math.nan, math.nan, (math.nan, math.nan), math.nan)
    best = sampled["mean_score"].idxmax()
    if baselines.empty:
        return BaselineGap(best, float(sampled.at[best, "mean"]), None, math.nan, math.nan,
                           (math.nan, math.nan), math.nan)
    reference = baselines["mean_score"].idxmax()
    rows = table.loc[table["fidelity"] == fidelity]
    found_seeds = rows.loc[rows["arch"] == best, "score"].to_numpy()
    baseline_seeds = rows.loc[rows["arch"] == reference, "score"].to_numpy()
    gap = float(found_seeds.mean() - baseline_seeds.mean())
    ci = (math.nan, math.nan)
    if len(found_seeds) >= 2 and len(baseline_seeds) >= 2 and (found_seeds.std() > 0 or baseline_seeds.std() > 0):
        interval = stats.ttest_ind(found_seeds, baseline_seeds, equal_var=False).confidence_interval(0.95)
        ci = (float(interval.low), float(interval.high))
    share = float((sampled["mean_score"] > baselines.at[reference, "mean_score"]).mean())
    return BaselineGap(best, float(sampled.at[best, "mean"]), reference, float(baselines.at[reference, "mean"]),
                       gap, ci, share)


def analyse_coverage(
    table: pd.DataFrame,
    fidelity: str,
    *,
    space_ops: Iterable[str] | Mapping[str, float] | None = None,
    cardinality: float | None = None,
    input_size: float | None = None,
    baseline_membership: pd.DataFrame | None = None,
    top_quantile: float = 0.1,
) -> CoverageResult:
    """Compute every coverage figure at ``fidelity`` of a cleaned trials table.

    Args:
        space_ops: the op names the search space offers, or a mapping op -> frequency in the
            space (share of architectures using it). None uses the union of ops seen in the
            sampled architectures, which cannot reveal an op the space offers but the
            sample missed.
        cardinality: number of architectures in the space, for the share evaluated.
        input_size: input side in pixels (or samples for 1-D), for the receptive field check.
        baseline_membership: table with columns ``baseline``, ``in_space`` (bool) and
            optionally ``distance`` (edit distance to the nearest architecture of the space),
            built by the caller from the space module. Without it membership is unknown.
        top_quantile: share of sampled architectures, best by target mean, called "top".
    """
    summary = arch_summary(table, fidelity)
    op_sets = _op_sets(summary)
    sampled = summary.loc[~summary["is_baseline"]]
    baselines = summary.loc[summary["is_baseline"]]
    sampled_ops = op_sets.loc[sampled.index]

    if space_ops is None:
        space = frozenset().union(*sampled_ops) if len(sampled_ops) else frozenset()
        source, frequency = "union of sampled ops", None
    else:
        space = frozenset(space_ops)
        source = "given"
        frequency = dict(space_ops) if isinstance(space_ops, Mapping) else None
    baseline_sets = op_sets.loc[baselines.index]
    baseline_ops = frozenset().union(*baseline_sets) if len(baseline_sets) else frozenset()
    lacking = tuple(sorted(baseline_ops - space))

    baseline_table = pd.DataFrame({
        "target_mean": baselines["mean"],
        "n_seeds": baselines["n_seeds"],
        "ops": [";".join(sorted(s)) for s in baseline_sets],
        "lacking_ops": [";".join(sorted(s - space)) for s in baseline_sets],
        "in_space": pd.Series([None] * len(baselines), index=baselines.index, dtype=object),
        "distance": np.nan,
    })
    if baseline_membership is not None and len(baseline_table):
        membership = baseline_membership.set_index(baseline_membership["baseline"].astype(str))
        known = baseline_table.index.intersection(membership.index)
        baseline_table.loc[known, "in_space"] = membership.loc[known, "in_space"].astype(bool).to_numpy()
        if "distance" in membership.columns:
            baseline_table.loc[known, "distance"] = membership.loc[known, "distance"].to_numpy(dtype=float)

    n_top = min(len(sampled), max(5, math.ceil(top_quantile * len(sampled))))
    is_top = pd.Series(False, index=sampled.index)
    is_top.loc[sampled["mean_score"].nlargest(n_top).index] = True
    op_stats = op_statistics(sampled_ops, sampled["mean_score"], is_top, space | frozenset().union(*sampled_ops)
                             if len(sampled_ops) else space, frequency)

    rf = sampled["receptive_field"] if "receptive_field" in sampled.columns else pd.Series(dtype=float)
    known_rf = rf.dropna()
    rf_check = ReceptiveFieldCheck(
        input_size=float(input_size) if input_size is not None else math.nan,
        n_archs=len(known_rf),
        share_below_input=float((known_rf < input_size).mean()) if input_size is not None and len(known_rf) else math.nan,
        rho_with_metric=spearman_rho(known_rf.to_numpy(), sampled.loc[known_rf.index, "mean_score"].to_numpy()),
        median=float(known_rf.median()) if len(known_rf) else math.nan,
    )

    rows = table.loc[table["fidelity"] == fidelity]
    duplicates = int(rows.duplicated(["arch", "seed", "fidelity"]).sum())
    hashes = sampled["arch_hash"].nunique() if "arch_hash" in sampled.columns else None
    distinct = hashes if hashes is not None else len(sampled)
    share = distinct / cardinality if cardinality else math.nan

    return CoverageResult(
        fidelity=fidelity,
        space_ops=tuple(sorted(space)),
        space_ops_source=source,
        baseline_ops=tuple(sorted(baseline_ops)),
        lacking_ops=lacking,
        baselines=baseline_table,
        op_stats=op_stats,
        n_top=n_top,
        receptive_field=rf_check,
        n_sampled_archs=len(sampled),
        n_distinct_hashes=int(hashes) if hashes is not None else None,
        n_duplicate_trials=duplicates,
        cardinality=float(cardinality) if cardinality else math.nan,
        share_evaluated=float(share),
        baseline_gap=baseline_gap(table, fidelity, sampled, baselines),
        sampled_means=sampled["mean"],
        receptive_fields=known_rf,
    )

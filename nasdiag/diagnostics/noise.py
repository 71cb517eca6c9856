"""Evaluation noise: how much a ranking of architectures depends on the seed.

All figures use the cleaned trials of one fidelity (see ``table.clean_trials``). Scores
are higher-is-better; differences and standard deviations are reported in metric units.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from nasdiag.diagnostics.power import seeds_needed, seeds_needed_curve
from nasdiag.diagnostics.rank import kendall_tau, top_count, top_label
from nasdiag.diagnostics.table import arch_summary, seed_matrix

logger = logging.getLogger(__name__)

# Seed positions compared pairwise for rank stability; 5 positions give 10 pairs.
MAX_SEED_POSITIONS = 5
# Seed subsets averaged for the winner's curse of a ranking by the mean of several seeds.
MAX_SEED_SUBSETS = 500
# Multiples of the noise floor drawn on the seeds-needed curve.
CURVE_EFFECT_SIZES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


@dataclass(frozen=True)
class NoiseFloor:
    """Pooled within-architecture standard deviation with its chi-square interval."""

    sd: float
    ci: tuple[float, float]
    df: int  # sum over architectures of (seeds - 1)


@dataclass(frozen=True)
class Icc:
    """ICC(1) from a one-way ANOVA: the share of score variance that lies between architectures."""

    icc: float
    ci: tuple[float, float]  # F-based interval (Shrout and Fleiss 1979)
    f_statistic: float
    df_between: int
    df_within: int


@dataclass(frozen=True)
class SeedPairStability:
    """Kendall tau-b between the rankings given by two seed positions."""

    seed_a: int  # position of the seed in each architecture's sorted seeds
    seed_b: int
    tau_all: float
    n_all: int
    tau_top: float
    n_top: int


@dataclass(frozen=True)
class NoiseResult:
    """Seed statistics of one fidelity. DataFrames are indexed by arch."""

    fidelity: str
    n_archs: int
    n_multi_seed_archs: int  # architectures with at least 2 seeds
    max_seeds: int
    per_arch: pd.DataFrame  # n_seeds, mean, sd, ci_low, ci_high, mean_score
    noise_floor: NoiseFloor
    between_arch_sd: float  # sd of the architecture means
    icc: Icc
    top: pd.DataFrame  # top-k by mean: mean, sd, n_seeds, ci_low, ci_high, prob_best, seeds (metric values)
    prob_best_resamples: int
    rank_stability: tuple[SeedPairStability, ...]
    rank_tau_all: float  # mean over seed pairs
    rank_tau_top: float
    top_quantile: float
    top_label: str  # "top 10%", or "top 5 of 20" when the minimum of 5 archs sets the size
    winners_curse: float  # expected drop of the best-by-one-seed arch when re-evaluated, metric units
    winners_curse_per_seed: tuple[float, ...]
    winners_curse_archs: tuple[str, ...]  # the best-by-one-seed architecture of each seed position
    ranking_seeds: int  # seeds per architecture whose mean the search ranked by
    icc_ranking: float  # reliability of that mean: ICC(ranking_seeds) by Spearman-Brown, at least 0 for 2+ seeds
    icc_ranking_ci: tuple[float, float]
    winners_curse_ranking: float  # expected drop of the best-by-mean-of-ranking_seeds arch; NaN if no seed is left
    top_gap: float  # best mean minus the next distinct mean, metric units
    delta: float  # difference the seeds-needed figure is for
    delta_source: str
    seeds_needed: float
    seeds_curve: pd.DataFrame  # delta, effect_size, seeds_needed


def noise_floor(summary: pd.DataFrame, confidence: float = 0.95) -> NoiseFloor:
    """Pool the per-architecture variances, weighting each by its degrees of freedom."""
    multi = summary.loc[summary["n_seeds"] >= 2]
    df = int((multi["n_seeds"] - 1).sum())
    if df == 0:
        return NoiseFloor(math.nan, (math.nan, math.nan), 0)
    pooled_variance = float(((multi["n_seeds"] - 1) * multi["sd"] ** 2).sum() / df)
    alpha = 1 - confidence
    low = math.sqrt(df * pooled_variance / stats.chi2.ppf(1 - alpha / 2, df))
    high = math.sqrt(df * pooled_variance / stats.chi2.ppf(alpha / 2, df))
    return NoiseFloor(math.sqrt(pooled_variance), (low, high), df)


def icc_oneway(summary: pd.DataFrame, confidence: float = 0.95) -> Icc:
    """ICC(1) of the architectures with at least 2 seeds, unequal seed counts allowed.

    With unequal group sizes the group size in the formula is the ANOVA's n0 =
    (N - sum n_i^2 / N) / (k - 1).
    """
    multi = summary.loc[summary["n_seeds"] >= 2]
    k = len(multi)
    total = int(multi["n_seeds"].sum())
    nan = Icc(math.nan, (math.nan, math.nan), math.nan, max(k - 1, 0), max(total - k, 0))
    if k < 2:
        return nan
    sizes = multi["n_seeds"].to_numpy(dtype=float)
    means = multi["mean"].to_numpy()
    grand = float((sizes * means).sum() / total)
    ms_between = float((sizes * (means - grand) ** 2).sum() / (k - 1))
    ms_within = float(((sizes - 1) * multi["sd"].to_numpy() ** 2).sum() / (total - k))
    n0 = (total - (sizes**2).sum() / total) / (k - 1)
    if ms_within == 0:
        # Seeds agree exactly: all variance is between architectures (or there is none).
        value = 1.0 if ms_between > 0 else math.nan
        return Icc(value, (value, value), math.inf, k - 1, total - k)
    icc = (ms_between - ms_within) / (ms_between + (n0 - 1) * ms_within)
    f = ms_between / ms_within
    alpha = 1 - confidence
    f_low = f / stats.f.ppf(1 - alpha / 2, k - 1, total - k)
    f_high = f * stats.f.ppf(1 - alpha / 2, total - k, k - 1)
    ci = ((f_low - 1) / (f_low + n0 - 1), (f_high - 1) / (f_high + n0 - 1))
    return Icc(float(icc), (float(ci[0]), float(ci[1])), float(f), k - 1, total - k)


def spearman_brown(icc: float, k: float) -> float:
    """Reliability of the mean of ``k`` seeds from the single-seed ICC: k r / (1 + (k - 1) r)."""
    denominator = 1 + (k - 1) * icc
    if math.isnan(icc) or denominator <= 0:
        return math.nan
    return k * icc / denominator


def add_t_intervals(summary: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Add ``ci_low``/``ci_high``: the t-interval of each architecture's mean (NaN with one seed)."""
    out = summary.copy()
    n = out["n_seeds"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stats.t.ppf(1 - (1 - confidence) / 2, np.where(n >= 2, n - 1, np.nan))
        half = quantile * out["sd"].to_numpy() / np.sqrt(n)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    # With 2-3 seeds the t-interval of an accuracy near 1 can pass 1. When every mean lies in
    # [0, 1] the metric is taken to be a fraction and the interval is clipped to that range.
    means = out["mean"].dropna()
    if len(means) and means.between(0.0, 1.0).all():
        out["ci_low"] = out["ci_low"].clip(lower=0.0)
        out["ci_high"] = out["ci_high"].clip(upper=1.0)
    return out


def prob_best(matrix: np.ndarray, rng: np.random.Generator, n_resamples: int) -> np.ndarray:
    """Probability that each row's true mean is the largest, by resampling each row's seeds.

    ``matrix`` is (archs, seeds) of scores, NaN-padded. Each resample draws every
    architecture's seeds with replacement and counts which mean wins (ties split evenly).
    With 3 seeds the bootstrap understates the spread of a mean by a factor sqrt(2/3),
    so these probabilities lean towards certainty.
    """
    n_archs = len(matrix)
    means = np.empty((n_resamples, n_archs))
    for row, values in enumerate(matrix):
        seeds = values[np.isfinite(values)]
        draws = rng.integers(0, len(seeds), (n_resamples, len(seeds)))
        means[:, row] = seeds[draws].mean(axis=1)
    winners = means == means.max(axis=1, keepdims=True)
    return (winners / winners.sum(axis=1, keepdims=True)).mean(axis=0)


def rank_stability(matrix: np.ndarray, top_mask: np.ndarray) -> tuple[SeedPairStability, ...]:
    """Kendall tau-b between the rankings of each pair of seed positions, over all and top archs."""
    positions = range(min(matrix.shape[1], MAX_SEED_POSITIONS))
    pairs = []
    for a, b in itertools.combinations(positions, 2):
        both = np.isfinite(matrix[:, a]) & np.isfinite(matrix[:, b])
        top = both & top_mask
        pairs.append(SeedPairStability(
            a, b,
            kendall_tau(matrix[both, a], matrix[both, b]), int(both.sum()),
            kendall_tau(matrix[top, a], matrix[top, b]), int(top.sum()),
        ))
    return tuple(pairs)


def winners_curse(matrix: np.ndarray) -> tuple[float, ...]:
    """Per seed position: best single-seed score minus that arch's mean over its other seeds."""
    return tuple(drop for _, drop in _single_seed_winners(matrix))


def winners_curse_of_means(matrix: np.ndarray, n_seeds: int) -> float:
    """Expected drop of the architecture that is best by the mean of ``n_seeds`` seeds.

    Every subset of ``n_seeds`` seed positions (at most ``MAX_SEED_SUBSETS``, in order) ranks
    the architectures that have all of those seeds and at least one other. The winner's drop
    is its subset mean minus its mean over the other seeds; the result averages the drops.
    With 1 seed this is ``winners_curse``'s mean. NaN when no architecture has a seed left over.
    """
    if n_seeds == 1:
        return _nanmean(winners_curse(matrix))
    finite = np.isfinite(matrix)
    drops = []
    subsets = itertools.islice(itertools.combinations(range(matrix.shape[1]), n_seeds), MAX_SEED_SUBSETS)
    for subset in subsets:
        chosen = list(subset)
        others = np.delete(matrix, chosen, axis=1)
        eligible = finite[:, chosen].all(axis=1) & np.isfinite(others).any(axis=1)
        if not eligible.any():
            continue
        means = matrix[:, chosen].mean(axis=1)
        best = np.flatnonzero(eligible)[np.argmax(means[eligible])]
        drops.append(float(means[best] - np.nanmean(others[best])))
    return float(np.mean(drops)) if drops else math.nan


def _single_seed_winners(matrix: np.ndarray) -> list[tuple[int, float]]:
    """(row of the best single-seed score, its drop) per seed position that has a candidate."""
    drops = []
    for column in range(matrix.shape[1]):
        values = matrix[:, column]
        others = np.delete(matrix, column, axis=1)
        has_other = np.isfinite(others).any(axis=1) if others.shape[1] else np.zeros(len(matrix), bool)
        eligible = np.isfinite(values) & has_other
        if not eligible.any():
            continue
        best = np.flatnonzero(eligible)[np.argmax(values[eligible])]
        drops.append((int(best), float(values[best] - np.nanmean(others[best]))))
    return drops


def _average_reliability(icc: float, k: int) -> float:
    """Return ICC(k) from ICC(1), with a negative ICC(k) for k >= 2 reported as 0.

    ICC(k) = 1 - 1/F is negative when F < 1, that is when the architectures' means differ less
    than seed noise alone predicts. Spearman-Brown then makes it more negative as k grows, which
    reads as "more seeds, worse ranking", so it is reported as 0: no reliable ranking. ICC(1)
    itself (k = 1) is returned unchanged, as it is reported everywhere else.
    """
    reliability = spearman_brown(icc, k)
    if k == 1 or math.isnan(reliability):
        return reliability
    return max(0.0, reliability)


def _nanmean(values) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def analyse_noise(
    table: pd.DataFrame,
    fidelity: str,
    *,
    rng: np.random.Generator,
    top_k: int = 10,
    top_quantile: float = 0.1,
    delta: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    n_resamples: int = 2000,
    ranking_seeds: int = 1,
) -> NoiseResult:
    """Compute every noise figure for one fidelity of a cleaned trials table.

    Args:
        table: output of ``clean_trials``.
        fidelity: the fidelity to analyse.
        rng: generator for the seed resampling behind ``prob_best``.
        top_k: how many of the best architectures get a probability of being best.
        top_quantile: share of architectures, best by mean, used for the top rank stability.
        delta: the difference (metric units) for the seeds-needed figure; None uses the gap
            between the best and the runner-up mean.
        alpha, power: of the two-sided t-test behind seeds needed.
        n_resamples: resamples for ``prob_best``.
        ranking_seeds: seeds per architecture whose mean the search ranked by; it sets which
            ICC and which winner's curse describe that ranking.
    """
    if ranking_seeds < 1:
        raise ValueError(f"ranking_seeds must be at least 1, got {ranking_seeds}")
    summary = add_t_intervals(arch_summary(table, fidelity))
    summary = summary.sort_values(["mean_score", "n_seeds"], ascending=[False, False], kind="stable")
    floor = noise_floor(summary)
    multi = summary.loc[summary["n_seeds"] >= 2]

    # The noise floor and ICC use every architecture; the rankings use the search's candidates only.
    candidates = summary.loc[~summary["is_baseline"]]
    archs, matrix = seed_matrix(table.loc[~table["is_baseline"]], fidelity)

    # Top quantile by mean over all seeds, at least 5 archs so tau has pairs to rank.
    n_top_quantile = top_count(top_quantile, len(candidates))
    stability = rank_stability(matrix, pd.Index(archs).isin(candidates.index[:n_top_quantile]))

    top = candidates.head(top_k)[["mean", "sd", "n_seeds", "ci_low", "ci_high"]].copy()
    if len(top):
        rows = matrix[np.searchsorted(archs, top.index.to_numpy())]
        top["prob_best"] = prob_best(rows, rng, n_resamples)
    else:
        top["prob_best"] = pd.Series(dtype=float)
    rows_at_fidelity = table.loc[table["fidelity"] == fidelity]
    seeds_by_arch = rows_at_fidelity.loc[rows_at_fidelity["arch"].isin(top.index)].groupby("arch")["metric"]
    top["seeds"] = [tuple(seeds_by_arch.get_group(a).tolist()) for a in top.index]

    # Exact ties at the top are common (duplicate or isomorphic archs), so the gap is to the next distinct mean.
    distinct_means = np.unique(candidates["mean_score"].to_numpy())[::-1]
    top_gap = float(distinct_means[0] - distinct_means[1]) if len(distinct_means) >= 2 else math.nan
    if delta is None:
        chosen_delta, delta_source = top_gap, "gap between the best mean and the next distinct mean"
    else:
        chosen_delta, delta_source = float(delta), "given"
    effect_sizes = np.array(CURVE_EFFECT_SIZES)
    curve_deltas = effect_sizes * floor.sd
    curve = pd.DataFrame({
        "delta": curve_deltas,
        "effect_size": effect_sizes,
        "seeds_needed": seeds_needed_curve(floor.sd, curve_deltas, alpha=alpha, power=power)
        if np.isfinite(floor.sd) and floor.sd > 0 else np.full(len(effect_sizes), np.nan),
    })
    winners = _single_seed_winners(matrix)
    curse = tuple(drop for _, drop in winners)
    icc = icc_oneway(summary)

    logger.debug("noise at fidelity %s: %d archs, noise floor %.4g", fidelity, len(summary), floor.sd)
    return NoiseResult(
        fidelity=fidelity,
        n_archs=len(summary),
        n_multi_seed_archs=len(multi),
        max_seeds=int(summary["n_seeds"].max()) if len(summary) else 0,
        per_arch=summary,
        noise_floor=floor,
        between_arch_sd=float(summary["mean"].std(ddof=1)) if len(summary) >= 2 else math.nan,
        icc=icc,
        top=top,
        prob_best_resamples=n_resamples,
        rank_stability=stability,
        rank_tau_all=_nanmean([pair.tau_all for pair in stability]),
        rank_tau_top=_nanmean([pair.tau_top for pair in stability]),
        top_quantile=top_quantile,
        top_label=top_label(top_quantile, len(candidates)),
        winners_curse=_nanmean(curse),
        winners_curse_per_seed=curse,
        winners_curse_archs=tuple(str(archs[row]) for row, _ in winners),
        ranking_seeds=ranking_seeds,
        icc_ranking=_average_reliability(icc.icc, ranking_seeds),
        icc_ranking_ci=(_average_reliability(icc.ci[0], ranking_seeds),
                        _average_reliability(icc.ci[1], ranking_seeds)),
        winners_curse_ranking=winners_curse_of_means(matrix, ranking_seeds) if matrix.shape[1] else math.nan,
        top_gap=top_gap,
        delta=chosen_delta,
        delta_source=delta_source,
        seeds_needed=seeds_needed(chosen_delta, floor.sd, alpha=alpha, power=power),
        seeds_curve=curve,
    )

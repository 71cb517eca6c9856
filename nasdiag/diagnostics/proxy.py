"""Proxy versus target: does the cheap fidelity rank architectures as the full one does?

Architectures are compared by their mean score over seeds at each fidelity, joined on
``arch`` (architectures evaluated at only one of the two are counted, not used).
Baselines (``is_baseline``) are left out of the rankings, because the search never
proposes them, and serve as the bar the proxy's picks must clear on the target.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nasdiag.diagnostics.rank import (
    RankCorrelation,
    kendall_tau,
    rank_correlation,
    spearman_rho,
    top_count,
    top_label,
)
from nasdiag.diagnostics.table import arch_summary

logger = logging.getLogger(__name__)

TOP_K_VALUES = (1, 5, 10)
TOP_SHARE = 0.05  # the "top 5%" overlap
# At most this many epochs enter the epoch correlation matrix, evenly spaced.
MAX_CURVE_EPOCHS = 12


@dataclass(frozen=True)
class TopKOverlap:
    """How many of the proxy's k best architectures are among the target's k best."""

    label: str  # "1", "5", "10" or "top 5%"
    k: int
    overlap: int
    precision: float  # overlap / k


@dataclass(frozen=True)
class CorrelationMatrix:
    """Pairwise Kendall tau-b and Spearman rho between the columns of a per-arch table."""

    labels: tuple[str, ...]
    kendall_tau: np.ndarray  # (L, L)
    spearman_rho: np.ndarray
    n: np.ndarray  # architectures shared by each pair

    def to_dict(self) -> dict:
        return {
            "labels": list(self.labels),
            "kendall_tau": self.kendall_tau.tolist(),
            "spearman_rho": self.spearman_rho.tolist(),
            "n": self.n.tolist(),
        }


@dataclass(frozen=True)
class ModelSizeCheck:
    """Whether the proxy mostly follows parameter count or FLOPs."""

    rho_proxy_params: float
    rho_proxy_flops: float
    tau_params_target: float
    tau_flops_target: float
    tau_proxy_target: float


@dataclass(frozen=True)
class ProxyResult:
    """Proxy-versus-target figures. ``means`` is indexed by arch."""

    proxy: str
    target: str
    n_common: int
    n_proxy_only: int
    n_target_only: int
    means: pd.DataFrame  # proxy_mean, target_mean, proxy_score, target_score, is_baseline, params, flops
    correlation: RankCorrelation
    top_correlation: RankCorrelation  # restricted to the top quantile by target
    top_quantile: float
    top_label: str  # "top 10%", or "top 5 of 20" when the minimum of 5 archs sets the size
    top_k: tuple[TopKOverlap, ...]
    proxy_pick: str | None  # the proxy's best architecture
    target_best: str | None
    regret: float  # target metric of the best arch minus that of the proxy's pick, metric units
    proxy_pick_target_rank: int | None  # 1 = the target's best
    best_baseline: str | None
    best_baseline_target: float
    proxy_top_beats_baseline: dict[int, float]  # k -> share of the proxy's top-k above the best baseline
    model_size: ModelSizeCheck
    fidelity_matrix: CorrelationMatrix
    epoch_matrix: CorrelationMatrix | None


def fidelity_means(table: pd.DataFrame) -> pd.DataFrame:
    """Mean score per architecture (rows) and fidelity (columns) of a cleaned table."""
    return table.pivot_table(index="arch", columns="fidelity", values="score", aggfunc="mean")


def correlation_matrix(wide: pd.DataFrame) -> CorrelationMatrix:
    """Pairwise rank correlations between the columns of ``wide``, each on shared rows."""
    labels = tuple(str(c) for c in wide.columns)
    size = len(labels)
    tau = np.eye(size)
    rho = np.eye(size)
    shared = np.zeros((size, size), dtype=int)
    values = wide.to_numpy(dtype=float)
    for i in range(size):
        shared[i, i] = int(np.isfinite(values[:, i]).sum())
        for j in range(i + 1, size):
            both = np.isfinite(values[:, i]) & np.isfinite(values[:, j])
            tau[i, j] = tau[j, i] = kendall_tau(values[both, i], values[both, j])
            rho[i, j] = rho[j, i] = spearman_rho(values[both, i], values[both, j])
            shared[i, j] = shared[j, i] = int(both.sum())
    return CorrelationMatrix(labels, tau, rho, shared)


def epoch_correlations(curves: pd.DataFrame, *, maximize: bool = True) -> CorrelationMatrix | None:
    """Rank correlations between epochs of the learning curves (mean over seeds per arch).

    ``curves`` needs ``arch``, ``epoch`` and ``val_metric``; returns None when it lacks them
    or has fewer than 2 epochs.
    """
    needed = {"arch", "epoch", "val_metric"}
    if curves is None or not needed.issubset(curves.columns) or curves.empty:
        return None
    rows = curves.loc[np.isfinite(pd.to_numeric(curves["val_metric"], errors="coerce"))]
    wide = rows.pivot_table(index="arch", columns="epoch", values="val_metric", aggfunc="mean")
    if wide.shape[1] < 2:
        return None
    if wide.shape[1] > MAX_CURVE_EPOCHS:
        keep = np.unique(np.linspace(0, wide.shape[1] - 1, MAX_CURVE_EPOCHS).round().astype(int))
        wide = wide.iloc[:, keep]
    wide.columns = [f"epoch {c}" for c in wide.columns]
    return correlation_matrix(wide if maximize else -wide)


def top_k_overlaps(proxy_score: pd.Series, target_score: pd.Series) -> tuple[TopKOverlap, ...]:
    """Overlap of the proxy's and the target's top-k for k = 1, 5, 10 and the top 5%.

    Ties are broken by arch name so the result does not depend on row order.
    """
    n = len(proxy_score)
    proxy_order = _ranked(proxy_score)
    target_order = _ranked(target_score)
    cases = [(str(k), k) for k in TOP_K_VALUES if k <= n]
    if n:
        cases.append((f"top {TOP_SHARE:.0%}", max(1, math.ceil(TOP_SHARE * n))))
    overlaps = []
    for label, k in cases:
        hits = len(set(proxy_order[:k]) & set(target_order[:k]))
        overlaps.append(TopKOverlap(label, k, hits, hits / k))
    return tuple(overlaps)


def _ranked(score: pd.Series) -> list[str]:
    frame = pd.DataFrame({"arch": score.index.astype(str), "score": score.to_numpy()})
    return frame.sort_values(["score", "arch"], ascending=[False, True], kind="stable")["arch"].tolist()


def analyse_proxy(
    table: pd.DataFrame,
    proxy: str,
    target: str,
    *,
    rng: np.random.Generator,
    maximize: bool = True,
    top_quantile: float = 0.1,
    n_resamples: int = 1000,
    curves: pd.DataFrame | None = None,
) -> ProxyResult:
    """Compute every proxy-versus-target figure for two fidelities of a cleaned table."""
    proxy_summary = arch_summary(table, proxy)
    target_summary = arch_summary(table, target)
    baselines = target_summary.index[target_summary["is_baseline"]]
    proxy_summary = proxy_summary.drop(index=baselines, errors="ignore")
    proxy_summary = proxy_summary.loc[~proxy_summary["is_baseline"]]
    candidates = target_summary.loc[~target_summary["is_baseline"]]

    means = pd.DataFrame({
        "proxy_mean": proxy_summary["mean"],
        "proxy_score": proxy_summary["mean_score"],
    }).join(candidates[["mean", "mean_score"]].rename(columns={"mean": "target_mean", "mean_score": "target_score"}),
            how="inner")
    for name in ("params", "flops"):
        source = candidates if name in candidates.columns else proxy_summary
        means[name] = source[name].reindex(means.index) if name in source.columns else np.nan
    means["is_baseline"] = False

    correlation = rank_correlation(means["proxy_score"].to_numpy(), means["target_score"].to_numpy(),
                                   rng=rng, n_resamples=n_resamples)
    n_top = top_count(top_quantile, len(means))
    top = means.nlargest(n_top, "target_score")
    top_correlation = rank_correlation(top["proxy_score"].to_numpy(), top["target_score"].to_numpy(),
                                       rng=rng, n_resamples=n_resamples)

    proxy_order = _ranked(means["proxy_score"])
    target_order = _ranked(means["target_score"])
    proxy_pick = proxy_order[0] if proxy_order else None
    target_best = target_order[0] if target_order else None
    regret = math.nan
    pick_rank = None
    if proxy_pick is not None:
        regret = float(means.at[target_best, "target_score"] - means.at[proxy_pick, "target_score"])
        pick_rank = target_order.index(proxy_pick) + 1

    baseline_rows = target_summary.loc[target_summary["is_baseline"]]
    best_baseline = baseline_rows["mean_score"].idxmax() if len(baseline_rows) else None
    best_baseline_score = float(baseline_rows["mean_score"].max()) if len(baseline_rows) else math.nan
    beats = {}
    if best_baseline is not None:
        for k in TOP_K_VALUES:
            picks = proxy_order[:k]
            if picks:
                beats[k] = float((means.loc[picks, "target_score"] > best_baseline_score).mean())

    size = ModelSizeCheck(
        rho_proxy_params=spearman_rho(means["proxy_score"].to_numpy(), means["params"].to_numpy(dtype=float)),
        rho_proxy_flops=spearman_rho(means["proxy_score"].to_numpy(), means["flops"].to_numpy(dtype=float)),
        tau_params_target=kendall_tau(means["params"].to_numpy(dtype=float), means["target_score"].to_numpy()),
        tau_flops_target=kendall_tau(means["flops"].to_numpy(dtype=float), means["target_score"].to_numpy()),
        tau_proxy_target=correlation.kendall_tau,
    )

    wide = fidelity_means(table.loc[~table["is_baseline"]])
    logger.debug("proxy %s vs target %s: %d shared archs, tau %.3f", proxy, target, len(means),
                 correlation.kendall_tau)
    return ProxyResult(
        proxy=proxy,
        target=target,
        n_common=len(means),
        n_proxy_only=len(proxy_summary.index.difference(candidates.index)),
        n_target_only=len(candidates.index.difference(proxy_summary.index)),
        means=means,
        correlation=correlation,
        top_correlation=top_correlation,
        top_quantile=top_quantile,
        top_label=top_label(top_quantile, len(means)),
        top_k=top_k_overlaps(means["proxy_score"], means["target_score"]),
        proxy_pick=proxy_pick,
        target_best=target_best,
        regret=regret,
        proxy_pick_target_rank=pick_rank,
        best_baseline=best_baseline,
        best_baseline_target=float(baseline_rows.at[best_baseline, "mean"]) if best_baseline else math.nan,
        proxy_top_beats_baseline=beats,
        model_size=size,
        fidelity_matrix=correlation_matrix(wide),
        epoch_matrix=epoch_correlations(curves, maximize=maximize) if curves is not None else None,
    )

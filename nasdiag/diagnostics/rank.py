"""Rank correlations and their bootstrap intervals over architectures.

Point estimates wrap ``scipy.stats.kendalltau`` (variant b) and ``scipy.stats.spearmanr``.
Bootstrap intervals resample architectures with replacement exactly as
``scipy.stats.bootstrap(paired=True, method='percentile')`` does (one
``rng.integers(0, n, (n_resamples, n))`` draw), but evaluate every resample at once from
its count vector instead of copying the data B times:

* Spearman rho of a resample is a count-weighted Pearson correlation of mid-ranks, and
  the mid-ranks follow from cumulative counts, so all resamples cost O(B n).
* Kendall tau-b of a resample is a count-weighted concordance sum. Both orders are fixed
  by the original data, so the sum splits over blocks of about sqrt(n) items in x order and
  bins of as many in y order. Pairs inside a block are small matrix products, pairs across
  blocks and bins come from a K x K count table per resample, and pairs across blocks inside
  one bin are small matrix products again. All resamples cost O(B n sqrt(n)) in BLAS
  instead of B separate O(n log n) sorts.

Ties follow tau-b and mid-rank Spearman; copies of one architecture inside a resample
are tied with each other in both variables, as they are when scipy sees the copied data.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

logger = logging.getLogger(__name__)

# Below this many pairs a correlation is reported as NaN: with 2 points tau is +-1 by construction.
MIN_PAIRS = 3


@dataclass(frozen=True)
class RankCorrelation:
    """Kendall tau-b and Spearman rho between two score vectors, with bootstrap intervals."""

    n: int  # pairs with both values finite
    kendall_tau: float
    kendall_tau_ci: tuple[float, float]  # percentile bootstrap interval over architectures
    spearman_rho: float
    spearman_rho_ci: tuple[float, float]
    n_resamples: int  # 0 when no interval was computed
    confidence: float

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "kendall_tau": self.kendall_tau,
            "kendall_tau_ci": list(self.kendall_tau_ci),
            "spearman_rho": self.spearman_rho,
            "spearman_rho_ci": list(self.spearman_rho_ci),
            "n_resamples": self.n_resamples,
            "confidence": self.confidence,
        }


def _finite_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of equal length, got shapes {x.shape} and {y.shape}")
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def kendall_tau(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall tau-b of the finite pairs; NaN for fewer than 3 pairs or a constant input."""
    x, y = _finite_pairs(x, y)
    if len(x) < MIN_PAIRS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(stats.kendalltau(x, y, variant="b").statistic)


def spearman_rho(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rho (mid-ranks) of the finite pairs; NaN for fewer than 3 pairs or a constant input."""
    x, y = _finite_pairs(x, y)
    if len(x) < MIN_PAIRS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(stats.spearmanr(x, y).statistic)


def rank_correlation(
    x: np.ndarray,
    y: np.ndarray,
    *,
    rng: np.random.Generator | None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
) -> RankCorrelation:
    """Kendall tau-b and Spearman rho of ``x`` vs ``y`` with percentile bootstrap intervals.

    Pairs with a NaN or infinite value are dropped. With ``rng=None`` or
    ``n_resamples=0`` the intervals are NaN. Intervals are NaN too for fewer than 3 pairs.
    """
    x, y = _finite_pairs(x, y)
    tau = kendall_tau(x, y)
    rho = spearman_rho(x, y)
    nan_ci = (math.nan, math.nan)
    if rng is None or n_resamples <= 0 or len(x) < MIN_PAIRS or math.isnan(tau):
        return RankCorrelation(len(x), tau, nan_ci, rho, nan_ci, 0, confidence)

    counts = bootstrap_counts(len(x), n_resamples, rng)
    tau_b = weighted_kendall_tau_b(x, y, counts)
    rho_b = weighted_spearman_rho(x, y, counts)
    return RankCorrelation(
        len(x), tau, percentile_interval(tau_b, confidence),
        rho, percentile_interval(rho_b, confidence), n_resamples, confidence,
    )


def bootstrap_counts(n: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Counts (n, n_resamples) of each item in each resample, item-major.

    The indices are drawn as ``scipy.stats.bootstrap`` draws them, with one
    ``rng.integers(0, n, (n_resamples, n))`` call, so the same generator state gives the same
    resamples as scipy.
    """
    index = rng.integers(0, n, (n_resamples, n))
    # Flat position of (item, resample) in an item-major array, computed in place (6.5M values for
    # 6,561 items x 1,000 resamples, where temporaries cost more than the arithmetic).
    index *= n_resamples
    index += np.arange(n_resamples)[:, None]
    return np.bincount(index.ravel(), minlength=n * n_resamples).reshape(n, n_resamples).astype(np.float32)


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of a bootstrap distribution, ignoring NaN resamples (constant draws)."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return (math.nan, math.nan)
    if len(finite) < len(values):
        logger.debug("%d of %d bootstrap resamples gave NaN and were ignored", len(values) - len(finite), len(values))
    alpha = (1 - confidence) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return (float(low), float(high))


def _group_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted 1-D array."""
    change = np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1
    return np.concatenate(([0], change))


def _tie_sums(weights: np.ndarray, order: np.ndarray, starts: np.ndarray,
              own_pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum M(M-1)/2 and (M^2 - sum w^2)/2 over tie groups, per resample, M being the group count.

    ``weights`` is (n, B) item-major and ``starts`` marks the runs of equal values in ``order``.
    ``own_pairs`` is the sum over items of w(w-1)/2, the pairs of copies of one item. Only
    groups of two or more items are gathered, so untied data costs nothing here.
    """
    sizes = np.diff(np.r_[starts, len(order)])
    tied = sizes >= 2
    if not tied.any():
        return own_pairs, np.zeros(weights.shape[1])
    members = order[np.repeat(tied, sizes)]
    member_weights = weights[members].astype(float)
    member_starts = np.r_[0, np.cumsum(sizes[tied])[:-1]]
    group_total = np.add.reduceat(member_weights, member_starts, axis=0)
    group_square = np.add.reduceat(member_weights**2, member_starts, axis=0)
    member_own = (member_weights * (member_weights - 1) / 2).sum(axis=0)
    all_pairs = own_pairs - member_own + (group_total * (group_total - 1) / 2).sum(axis=0)
    distinct_pairs = ((group_total**2 - group_square) / 2).sum(axis=0)
    return all_pairs, distinct_pairs


def weighted_kendall_tau_b(x: np.ndarray, y: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Kendall tau-b of the data repeated ``counts[i, b]`` times, for every column b at once.

    Args:
        x, y: finite 1-D arrays of length n.
        counts: (n, B) non-negative integer counts, item-major as ``bootstrap_counts`` returns.

    Returns:
        (B,) tau-b values; NaN where a resample is constant in x or y.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    counts = np.asarray(counts)
    if counts.ndim == 1:
        counts = counts[:, None]
    n, n_resamples = counts.shape
    if len(x) != n or len(y) != n:
        raise ValueError(f"counts has {n} rows but x and y have {len(x)} and {len(y)} items")
    index = np.arange(n)

    # Strict total orders: ties broken by the other variable, then by position, the same way in both.
    x_order = np.lexsort((index, y, x))
    y_order = np.lexsort((index, x, y))
    y_position = np.empty(n, dtype=np.int64)
    y_position[y_order] = index

    block = max(1, math.ceil(math.sqrt(n)))
    n_blocks = math.ceil(n / block)
    padded = n_blocks * block
    # float32 products and block sums stay exact integers while (block * max count)**2 < 2**24;
    # bootstrap counts rarely exceed 10, so this holds far beyond n = 100,000.
    dtype = np.float32 if block * counts.max(initial=0) <= 4096 else np.float64

    items = np.zeros((n + 1, n_resamples), dtype=dtype)  # the last row is the zero-weight padding
    items[:n] = counts
    x_slots = np.concatenate((x_order, np.full(padded - n, n)))
    y_slots = np.concatenate((y_order, np.full(padded - n, n)))
    weights_x = items[x_slots].reshape(n_blocks, block, n_resamples)  # (K, s, B)
    weights_y = items[y_slots].reshape(n_blocks, block, n_resamples)

    rank_y_in_x_order = np.concatenate((y_position[x_order], np.arange(n, padded))).reshape(n_blocks, block)
    x_block_of_item = np.empty(n, dtype=np.int64)
    x_block_of_item[x_order] = index // block
    block_in_y_order = np.concatenate((x_block_of_item[y_order], np.full(padded - n, n_blocks)))
    block_in_y_order = block_in_y_order.reshape(n_blocks, block)
    upper = np.triu(np.ones((block, block), dtype=bool), k=1)  # a < c inside a block

    # Pairs inside one x-block: sign of the y order, for a < c in x order.
    within = np.sign(rank_y_in_x_order[:, None, :] - rank_y_in_x_order[:, :, None]) * upper
    concordance = _quadratic_form(weights_x, within)

    # Pairs in different x-blocks and different y-bins: only the block and bin indices matter.
    bin_in_x_order = rank_y_in_x_order // block  # padding slots have zero weight, so their bin is harmless
    one_hot = (bin_in_x_order[:, :, None] == np.arange(n_blocks)[None, None, :]).astype(dtype)
    with threadpool_limits(limits=1, user_api="blas"):
        table = np.matmul(np.ascontiguousarray(one_hot.transpose(0, 2, 1)), weights_x)  # (K blocks, K bins, B)
    earlier = np.cumsum(table, axis=0) - table  # counts in x-blocks before each block, per bin
    below = np.cumsum(earlier, axis=1) - earlier  # ... and in bins below each bin
    above = earlier.sum(axis=1, keepdims=True) - below - earlier
    concordance += (table.astype(float) * (below - above)).sum(axis=(0, 1))

    # Pairs in different x-blocks inside one y-bin: the earlier x-block comes first.
    later_position = np.sign(np.arange(block)[None, :] - np.arange(block)[:, None])
    across = later_position[None, :, :] * (block_in_y_order[:, :, None] < block_in_y_order[:, None, :])
    concordance += _quadratic_form(weights_y, across)

    # The strict orders counted every tied pair as concordant; remove those pairs.
    item_weights = items[:n]
    x_sorted, y_by_x = x[x_order], y[x_order]
    x_starts = _group_starts(x_sorted)
    y_starts = _group_starts(y[y_order])
    joint_starts = np.flatnonzero(np.r_[True, (np.diff(x_sorted) != 0) | (np.diff(y_by_x) != 0)])
    own_pairs = (item_weights * (item_weights - 1)).sum(axis=0, dtype=float) / 2
    x_tied, x_distinct = _tie_sums(item_weights, x_order, x_starts, own_pairs)
    y_tied, y_distinct = _tie_sums(item_weights, y_order, y_starts, own_pairs)
    _, joint_distinct = _tie_sums(item_weights, x_order, joint_starts, own_pairs)
    concordance = concordance - x_distinct - y_distinct + joint_distinct

    total = item_weights.sum(axis=0, dtype=float)
    all_pairs = total * (total - 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = concordance / np.sqrt((all_pairs - x_tied) * (all_pairs - y_tied))
    tau[~np.isfinite(tau)] = np.nan
    return np.clip(tau, -1.0, 1.0)


def _quadratic_form(weights: np.ndarray, matrices: np.ndarray) -> np.ndarray:
    """sum over k of w[k, :, b] @ M[k] @ w[k, :, b] for each b; weights (K, s, B), matrices (K, s, s)."""
    # A C-contiguous left operand keeps numpy's matmul on BLAS; a transposed view falls back to a slow loop.
    transposed = np.ascontiguousarray(matrices.transpose(0, 2, 1), dtype=weights.dtype)
    # The products are many small matrices. On a busy 2-core machine, OpenBLAS threads spinning
    # against other processes made them about 10x slower than one thread (measured while writing this).
    with threadpool_limits(limits=1, user_api="blas"):
        product = np.matmul(transposed, weights)  # (K, s, B): M^T w
    # Per-block sums stay below 2**24 under the dtype rule in weighted_kendall_tau_b, so float32
    # is exact there. The sum over blocks can exceed it, so it runs in float64.
    per_block = np.einsum("ksb,ksb->kb", product, weights)
    return per_block.astype(float).sum(axis=0)


def weighted_spearman_rho(x: np.ndarray, y: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Spearman rho (mid-ranks) of the data repeated ``counts[i, b]`` times, for every column b."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    counts = np.asarray(counts)
    if counts.ndim == 1:
        counts = counts[:, None]
    x_order = np.argsort(x, kind="stable")
    y_order = np.argsort(y, kind="stable")
    counts_x = counts[x_order]
    counts_y = counts[y_order]
    rank_x = _sorted_midranks(x[x_order], counts_x)  # in x order
    rank_y = _sorted_midranks(y[y_order], counts_y)  # in y order
    position_in_x = np.empty(len(x), dtype=np.int64)
    position_in_x[x_order] = np.arange(len(x))
    rank_x_in_y_order = rank_x[position_in_x[y_order]]

    # Mid-ranks of N items always sum to N(N+1)/2, so only the second moments need sums.
    total = counts_y.sum(axis=0, dtype=float)
    rank_sum = total * (total + 1) / 2
    sum_xx = np.einsum("ib,ib->b", counts_x * rank_x, rank_x)
    sum_yy = np.einsum("ib,ib->b", counts_y * rank_y, rank_y)
    sum_xy = np.einsum("ib,ib->b", counts_y * rank_x_in_y_order, rank_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        centred_square = rank_sum**2 / total
        rho = (sum_xy - centred_square) / np.sqrt((sum_xx - centred_square) * (sum_yy - centred_square))
    rho[~np.isfinite(rho)] = np.nan
    return np.clip(rho, -1.0, 1.0)


def _sorted_midranks(sorted_values: np.ndarray, sorted_counts: np.ndarray) -> np.ndarray:
    """(n, B) mid-rank of each sorted item in each resample, ties averaged as scipy.stats.rankdata does."""
    starts = _group_starts(sorted_values)
    if len(starts) == len(sorted_values):
        # An item with w copies after C earlier copies spans ranks C+1..C+w: mid-rank C + (w+1)/2.
        cumulative = np.cumsum(sorted_counts, axis=0, dtype=float)
        return cumulative - (sorted_counts - 1) / 2
    group_total = np.add.reduceat(sorted_counts, starts, axis=0, dtype=float)  # (G, B)
    group_rank = np.cumsum(group_total, axis=0) - (group_total - 1) / 2
    return group_rank[np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(sorted_values)]))]


# The "top" of a ranking has at least this many architectures, so a tau among them has pairs to rank.
MIN_TOP = 5


def top_count(quantile: float, n: int) -> int:
    """Return how many of ``n`` architectures form the top ``quantile``: at least ``MIN_TOP``, at most ``n``."""
    return min(n, max(MIN_TOP, math.ceil(quantile * n)))


def top_label(quantile: float, n: int) -> str:
    """Name the top set: "top 10%" when the quantile sets its size, else "top 5 of 20"."""
    count = top_count(quantile, n)
    if count == math.ceil(quantile * n):
        return f"top {quantile:.0%}"
    return f"top {count} of {n}"


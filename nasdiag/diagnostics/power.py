"""Seeds needed per architecture to tell two architectures apart.

The test in mind is a two-sided two-sample t-test with equal seeds per architecture and
the noise floor as the common standard deviation. The sample size comes from the normal
approximation refined with t quantiles (Chow, Shao and Wang, *Sample Size Calculations in
Clinical Research*, section 3.2):

    n = 2 * (t_{1-alpha/2, df} + t_{power, df})**2 * sd**2 / delta**2,  df = 2 (n - 1),

iterated from the normal-quantile start until n stops changing. That estimate can be one
short for large effects (delta/sd = 2 gives 5, whose exact power is 0.79), so the result is
then moved to the smallest n whose exact noncentral-t power reaches the target. For
delta/sd = 0.5, 0.8, 1 and 2 this gives 64, 26, 17 and 6 per group, the values G*Power 3
reports for the two-tailed t-test of two independent means.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

# Never report fewer than 2 seeds: a standard deviation needs two.
MIN_SEEDS = 2
MAX_ITERATIONS = 50


def seeds_needed(delta: float, sd: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Seeds per architecture to detect a true difference ``delta`` at the given power.

    Args:
        delta: the difference of means to detect, in metric units (sign ignored).
        sd: the per-seed standard deviation (the noise floor), in metric units.
        alpha: two-sided significance level.
        power: probability of detecting a true difference of ``delta``.

    Returns:
        The smallest whole number of seeds (at least 2), or NaN when ``sd`` or ``delta``
        is NaN; ``inf`` when ``delta`` is 0; 2 when ``sd`` is 0.

    Raises:
        ValueError: alpha or power outside (0, 1), or a negative sd.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1), got {power}")
    if math.isnan(delta) or math.isnan(sd):
        return math.nan
    if sd < 0:
        raise ValueError(f"sd must be non-negative, got {sd}")
    delta = abs(delta)
    if delta == 0:
        return math.inf
    if sd == 0:
        return float(MIN_SEEDS)

    effect = (delta / sd) ** 2
    z_sum = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    n = max(MIN_SEEDS, math.ceil(2 * z_sum**2 / effect))
    for _ in range(MAX_ITERATIONS):
        df = 2 * (n - 1)
        t_sum = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
        updated = max(MIN_SEEDS, math.ceil(2 * t_sum**2 / effect))
        if updated == n:
            break
        n = updated

    # Settle on the exact answer: the approximation is within a seed or two of it.
    while exact_power(n, delta, sd, alpha=alpha) < power:
        n += 1
    while n > MIN_SEEDS and exact_power(n - 1, delta, sd, alpha=alpha) >= power:
        n -= 1
    return float(n)


def exact_power(n: int, delta: float, sd: float, *, alpha: float = 0.05) -> float:
    """Power of the two-sided two-sample t-test with ``n`` seeds per architecture (noncentral t)."""
    df = 2 * (n - 1)
    noncentrality = abs(delta) / (sd * math.sqrt(2 / n))
    critical = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(critical, df, noncentrality) + stats.nct.cdf(-critical, df, noncentrality))


def seeds_needed_curve(sd: float, deltas: np.ndarray, *, alpha: float = 0.05, power: float = 0.8) -> np.ndarray:
    """``seeds_needed`` for each difference in ``deltas``."""
    return np.array([seeds_needed(float(d), sd, alpha=alpha, power=power) for d in deltas])

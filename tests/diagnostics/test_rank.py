"""Rank correlations and their vectorised bootstrap, checked against scipy."""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from nasdiag.diagnostics.rank import (
    bootstrap_counts,
    kendall_tau,
    rank_correlation,
    spearman_rho,
    top_count,
    top_label,
    weighted_kendall_tau_b,
    weighted_spearman_rho,
)


def _resample_indices(n: int, n_resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, (n_resamples, n))


@pytest.mark.parametrize("n", [3, 7, 50, 400])
@pytest.mark.parametrize("ties", [False, True])
def test_weighted_tau_matches_scipy_on_resamples(n, ties):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    y = x + rng.normal(size=n)
    if ties:  # heavy ties in both variables, like accuracies rounded to 0.5%
        x, y = np.round(x * 2), np.round(y)
    counts = bootstrap_counts(n, 40, np.random.default_rng(1))
    ours = weighted_kendall_tau_b(x, y, counts)
    with _quiet():
        reference = np.array([stats.kendalltau(x[i], y[i]).statistic for i in _resample_indices(n, 40, 1)])
    np.testing.assert_allclose(ours, reference, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("n", [3, 7, 50, 400])
@pytest.mark.parametrize("ties", [False, True])
def test_weighted_rho_matches_scipy_on_resamples(n, ties):
    rng = np.random.default_rng(n + 1)
    x = rng.normal(size=n)
    y = -x + rng.normal(size=n)
    if ties:
        x, y = np.round(x * 2), np.round(y)
    counts = bootstrap_counts(n, 40, np.random.default_rng(2))
    ours = weighted_spearman_rho(x, y, counts)
    with _quiet():
        reference = np.array([stats.spearmanr(x[i], y[i]).statistic for i in _resample_indices(n, 40, 2)])
    np.testing.assert_allclose(ours, reference, atol=1e-12, equal_nan=True)


def test_weighted_tau_with_unit_weights_is_plain_tau():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 20, 1000).astype(float)  # many ties
    y = x + rng.integers(0, 10, 1000)
    ours = weighted_kendall_tau_b(x, y, np.ones((1000, 1)))[0]
    assert ours == pytest.approx(stats.kendalltau(x, y).statistic, abs=1e-12)


def test_weighted_tau_large_counts_use_float64():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=30), rng.normal(size=30)
    counts = rng.integers(0, 1000, (30, 3)).astype(float)  # past the float32-exact limit
    repeated = [stats.kendalltau(np.repeat(x, counts[:, b].astype(int)), np.repeat(y, counts[:, b].astype(int)))
                .statistic for b in range(3)]
    np.testing.assert_allclose(weighted_kendall_tau_b(x, y, counts), repeated, atol=1e-12)


def test_interval_matches_scipy_bootstrap_percentile():
    rng = np.random.default_rng(7)
    x = rng.normal(size=80)
    y = x + rng.normal(size=80)
    ours = rank_correlation(x, y, rng=np.random.default_rng(11), n_resamples=500)

    def tau(a, b, axis=-1):
        return np.apply_along_axis(lambda row: stats.kendalltau(row[: len(row) // 2], row[len(row) // 2:]).statistic,
                                   axis, np.concatenate([a, b], axis=axis))

    reference = stats.bootstrap((x, y), tau, paired=True, vectorized=True, n_resamples=500, method="percentile",
                                rng=np.random.default_rng(11))
    assert ours.kendall_tau_ci[0] == pytest.approx(reference.confidence_interval.low, abs=1e-12)
    assert ours.kendall_tau_ci[1] == pytest.approx(reference.confidence_interval.high, abs=1e-12)


def test_point_estimates_wrap_scipy():
    rng = np.random.default_rng(8)
    x = rng.normal(size=60)
    y = np.round(x + rng.normal(size=60))
    result = rank_correlation(x, y, rng=None)
    assert result.kendall_tau == pytest.approx(stats.kendalltau(x, y).statistic)
    assert result.spearman_rho == pytest.approx(stats.spearmanr(x, y).statistic)
    assert math.isnan(result.kendall_tau_ci[0])
    assert result.n_resamples == 0


def test_nan_pairs_dropped():
    x = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    y = np.array([1.0, 3.0, 2.0, np.inf, 4.0])
    assert kendall_tau(x, y) == pytest.approx(1.0)
    assert rank_correlation(x, y, rng=None).n == 3


def test_degenerate_input_gives_nan():
    assert math.isnan(kendall_tau(np.array([1.0, 2.0]), np.array([2.0, 1.0])))
    assert math.isnan(spearman_rho(np.ones(5), np.arange(5.0)))
    result = rank_correlation(np.ones(5), np.arange(5.0), rng=np.random.default_rng(0))
    assert math.isnan(result.kendall_tau)
    assert math.isnan(result.kendall_tau_ci[1])


def test_bootstrap_reproducible_with_seed():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=100), rng.normal(size=100)
    first = rank_correlation(x, y, rng=np.random.default_rng(3), n_resamples=200)
    again = rank_correlation(x, y, rng=np.random.default_rng(3), n_resamples=200)
    other = rank_correlation(x, y, rng=np.random.default_rng(4), n_resamples=200)
    assert first == again
    assert first.kendall_tau_ci != other.kendall_tau_ci


finite_floats = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
pairs = st.lists(st.tuples(finite_floats, finite_floats), min_size=3, max_size=40)


@settings(max_examples=60, deadline=None)
@given(pairs)
def test_tau_in_range_and_symmetric(points):
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    tau = kendall_tau(x, y)
    if math.isnan(tau):
        return
    assert -1 <= tau <= 1
    assert kendall_tau(y, x) == pytest.approx(tau, abs=1e-12)
    rho = spearman_rho(x, y)
    assert -1 <= rho <= 1
    assert spearman_rho(y, x) == pytest.approx(rho, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(pairs)
def test_rank_correlation_invariant_under_monotone_transform(points):
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    transformed = np.arctan(x / 1e3) * 7 + 3  # strictly increasing, keeps ties as ties
    if len(np.unique(transformed)) != len(np.unique(x)):
        return  # float rounding merged two values
    assert kendall_tau(transformed, y) == pytest.approx(kendall_tau(x, y), abs=1e-12, nan_ok=True)
    assert spearman_rho(transformed, y) == pytest.approx(spearman_rho(x, y), abs=1e-12, nan_ok=True)


@settings(max_examples=40, deadline=None)
@given(pairs, st.integers(0, 2**31))
def test_weighted_tau_matches_scipy_property(points, seed):
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    counts = bootstrap_counts(len(x), 5, np.random.default_rng(seed))
    ours = weighted_kendall_tau_b(x, y, counts)
    with _quiet():
        reference = [stats.kendalltau(x[i], y[i]).statistic for i in _resample_indices(len(x), 5, seed)]
    np.testing.assert_allclose(ours, reference, atol=1e-9, equal_nan=True)


@contextlib.contextmanager
def _quiet():
    """Silence scipy's ConstantInputWarning for resamples that draw one value only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        yield


@settings(max_examples=40, deadline=None)
@given(pairs, st.integers(0, 2**31))
def test_weighted_rho_matches_scipy_property(points, seed):
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    counts = bootstrap_counts(len(x), 5, np.random.default_rng(seed))
    ours = weighted_spearman_rho(x, y, counts)
    with _quiet():
        reference = [stats.spearmanr(x[i], y[i]).statistic for i in _resample_indices(len(x), 5, seed)]
    np.testing.assert_allclose(ours, reference, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize(("quantile", "n", "count", "label"), [
    (0.1, 20, 5, "top 5 of 20"),     # 10% of 20 is 2: the minimum of 5 sets the size
    (0.1, 200, 20, "top 10%"),
    (0.1, 50, 5, "top 10%"),         # 10% of 50 is exactly the minimum
    (0.1, 3, 3, "top 3 of 3"),       # fewer archs than the minimum
    (0.25, 41, 11, "top 25%"),
])
def test_top_count_and_label(quantile, n, count, label):
    assert top_count(quantile, n) == count
    assert top_label(quantile, n) == label

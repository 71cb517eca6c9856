"""Noise figures against known answers and scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasdiag.diagnostics.noise import (
    add_t_intervals,
    analyse_noise,
    icc_oneway,
    noise_floor,
    prob_best,
    spearman_brown,
    winners_curse,
    winners_curse_of_means,
)
from nasdiag.diagnostics.table import arch_summary, clean_trials

# Shrout and Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def _long(matrix, fidelity="target") -> pd.DataFrame:
    rows = [{"arch": f"a{i}", "seed": j, "fidelity": fidelity, "metric": float(v)}
            for i, row in enumerate(matrix) for j, v in enumerate(row) if v is not None]
    return pd.DataFrame(rows)


def _summary(matrix) -> pd.DataFrame:
    table, _ = clean_trials(_long(matrix))
    return arch_summary(table, "target")


def test_icc_shrout_fleiss_known_answer():
    result = icc_oneway(_summary(SHROUT_FLEISS))
    # Shrout and Fleiss report ICC(1,1) = 0.17; psych::ICC gives F = 1.79 (5, 18 df), 95% CI [-0.13, 0.72].
    assert result.icc == pytest.approx(0.1657, abs=5e-4)
    assert result.f_statistic == pytest.approx(1.795, abs=1e-3)
    assert result.df_between == 5
    assert result.df_within == 18
    assert result.ci[0] == pytest.approx(-0.13, abs=0.01)
    assert result.ci[1] == pytest.approx(0.72, abs=0.01)


def test_icc_matches_anova_with_unequal_seeds():
    matrix = [[1.0, 1.2, 1.1], [2.0, 2.3], [0.5, 0.4, 0.7, 0.6], [1.5, 1.4]]
    result = icc_oneway(_summary(matrix))
    groups = [np.array(r) for r in matrix]
    f, _ = stats.f_oneway(*groups)
    assert result.f_statistic == pytest.approx(f)
    sizes = np.array([len(g) for g in groups])
    n0 = (sizes.sum() - (sizes**2).sum() / sizes.sum()) / (len(sizes) - 1)
    assert result.icc == pytest.approx((f - 1) / (f - 1 + n0))


def test_pooled_sd_known_answer():
    # Variances 1 (2 df) and 4 (1 df): pooled variance (2*1 + 1*4) / 3 = 2.
    matrix = [[1.0, 2.0, 3.0], [0.0, 2.0 * math.sqrt(2)]]
    floor = noise_floor(_summary(matrix))
    assert floor.sd == pytest.approx(math.sqrt(2))
    assert floor.df == 3
    assert floor.ci[0] == pytest.approx(math.sqrt(3 * 2 / stats.chi2.ppf(0.975, 3)))
    assert floor.ci[1] == pytest.approx(math.sqrt(3 * 2 / stats.chi2.ppf(0.025, 3)))


def test_pooled_sd_ignores_single_seed_archs():
    floor = noise_floor(_summary([[1.0, 2.0, 3.0], [5.0, None, None]]))
    assert floor.sd == pytest.approx(1.0)
    assert floor.df == 2


def test_t_interval_matches_scipy():
    values = [0.91, 0.93, 0.90, 0.94]
    summary = add_t_intervals(_summary([values]))
    low, high = stats.t.interval(0.95, 3, loc=np.mean(values), scale=stats.sem(values))
    assert summary["ci_low"].iloc[0] == pytest.approx(low)
    assert summary["ci_high"].iloc[0] == pytest.approx(high)


def test_winners_curse_known_answer():
    matrix = np.array([[10.0, 4.0, 4.0], [5.0, 5.0, 5.0], [6.0, 6.0, 9.0]])
    # seed 0: arch 0 wins with 10, others mean 4 -> 6; seed 1: arch 2 (6) -> 6 - 7.5 = -1.5;
    # seed 2: arch 2 (9) -> 9 - 6 = 3.
    assert winners_curse(matrix) == pytest.approx((6.0, -1.5, 3.0))


def test_winners_curse_names_the_winners():
    table, _ = clean_trials(_long([[10.0, 4.0, 4.0], [5.0, 5.0, 5.0], [6.0, 6.0, 9.0]]))
    result = analyse_noise(table, "target", rng=np.random.default_rng(0))
    assert result.winners_curse_archs == ("a0", "a2", "a2")
    assert result.winners_curse == pytest.approx(2.5)


def test_prob_best_sums_to_one_and_reproducible():
    matrix = np.array([[1.0, 1.1, 0.9], [1.05, 1.0, 1.2], [0.2, 0.3, 0.1]])
    first = prob_best(matrix, np.random.default_rng(0), 500)
    again = prob_best(matrix, np.random.default_rng(0), 500)
    assert first.sum() == pytest.approx(1.0)
    assert first[2] == 0.0
    np.testing.assert_array_equal(first, again)


def test_prob_best_certain_when_separated():
    matrix = np.array([[10.0, 10.1, 9.9], [1.0, 1.1, 0.9]])
    np.testing.assert_allclose(prob_best(matrix, np.random.default_rng(0), 200), [1.0, 0.0])


def test_rank_stability_high_all_low_top():
    # Widely spread archs with noise comparable to the spread among the best 10% only.
    rng = np.random.default_rng(1)
    quality = rng.uniform(0, 1, 400)  # the top 10% spans 0.1, about 2.5 noise sd
    matrix = quality[:, None] + rng.normal(0, 0.04, (400, 3))
    table, _ = clean_trials(_long(matrix))
    result = analyse_noise(table, "target", rng=np.random.default_rng(0))
    assert result.rank_tau_all > 0.8
    assert result.rank_tau_top < 0.5
    assert len(result.rank_stability) == 3


def test_analyse_noise_reports_seeds_needed_for_top_gap():
    table, _ = clean_trials(_long([[1.0, 1.1, 0.9], [0.5, 0.6, 0.4], [0.0, 0.1, -0.1]]))
    result = analyse_noise(table, "target", rng=np.random.default_rng(0))
    assert result.top_gap == pytest.approx(0.5)
    assert result.noise_floor.sd == pytest.approx(0.1)
    assert result.seeds_needed == 3  # effect size 5: 2 seeds per arch give power 0.72, 3 give 0.99


def test_top_gap_skips_exact_ties():
    table, _ = clean_trials(_long([[1.0, 1.1], [1.0, 1.1], [0.7, 0.8]]))
    result = analyse_noise(table, "target", rng=np.random.default_rng(0))
    assert result.top_gap == pytest.approx(0.3)


def test_one_seed_gives_nan_noise():
    table, _ = clean_trials(_long([[1.0], [2.0], [3.0]]))
    result = analyse_noise(table, "target", rng=np.random.default_rng(0))
    assert math.isnan(result.noise_floor.sd)
    assert math.isnan(result.icc.icc)
    assert result.n_multi_seed_archs == 0
    assert result.rank_stability == ()


def test_accuracy_interval_clipped_to_one():
    summary = pd.DataFrame({"mean": [0.985, 0.5], "sd": [0.0098, 0.01], "n_seeds": [3, 3]})
    out = add_t_intervals(summary)
    half = stats.t.ppf(0.975, 2) * 0.0098 / np.sqrt(3)
    assert out.loc[0, "ci_high"] == 1.0
    assert out.loc[0, "ci_low"] == pytest.approx(0.985 - half)
    assert out.loc[1, "ci_high"] == pytest.approx(0.5 + stats.t.ppf(0.975, 2) * 0.01 / np.sqrt(3))


def test_unbounded_metric_interval_not_clipped():
    summary = pd.DataFrame({"mean": [3.0, 0.5], "sd": [1.0, 1.0], "n_seeds": [3, 3]})
    out = add_t_intervals(summary)
    assert out.loc[1, "ci_low"] < 0.0


def test_average_measure_icc_shrout_fleiss_known_answer():
    """ICC(1,k) for the mean of the 4 judges: 0.44 in Shrout and Fleiss (1979), Table 4; equal to 1 - 1/F."""
    result = icc_oneway(_summary(SHROUT_FLEISS))
    assert spearman_brown(result.icc, 4) == pytest.approx(0.44, abs=5e-3)
    assert spearman_brown(result.icc, 4) == pytest.approx(1 - 1 / result.f_statistic, rel=1e-12)
    # With equal seed counts the Spearman-Brown step of each F-based bound is 1 - 1 / (F / F quantile).
    f_low = result.f_statistic / stats.f.ppf(0.975, 5, 18)
    assert spearman_brown(result.ci[0], 4) == pytest.approx(1 - 1 / f_low, rel=1e-12)


def test_spearman_brown_one_seed_and_nan():
    assert spearman_brown(0.3, 1) == pytest.approx(0.3)
    assert spearman_brown(0.5, 3) == pytest.approx(0.75)
    assert math.isnan(spearman_brown(math.nan, 3))


def test_winners_curse_of_means_known_answer():
    matrix = np.array([[1.0, 2.0, 3.0], [3.0, 0.0, 0.0], [2.0, 2.0, 1.0]])
    # Seeds (0,1): a2 wins with 2.0, scores 1.0 on seed 2. Seeds (0,2): a0 wins with 2.0, scores 2.0 on
    # seed 1. Seeds (1,2): a0 wins with 2.5, scores 1.0 on seed 0. Drops 1, 0 and 1.5.
    assert winners_curse_of_means(matrix, 2) == pytest.approx(2.5 / 3)
    assert winners_curse_of_means(matrix, 1) == pytest.approx(np.mean(winners_curse(matrix)))
    assert math.isnan(winners_curse_of_means(matrix, 3))  # no seed left to re-evaluate on


def test_curse_of_means_skips_incomplete_archs():
    matrix = np.array([[5.0, 5.0, np.nan], [1.0, 2.0, 3.0], [2.0, 1.0, 1.0]])
    # a0 has no seed 2, so it wins no subset: seeds (0,1) leave it nothing to re-evaluate on.
    # Seeds (0,1): a1 and a2 tie at 1.5, a1 wins (first), drop 1.5 - 3 = -1.5.
    # Seeds (0,2): a1 wins with 2, drop 0. Seeds (1,2): a1 wins with 2.5, drop 1.5.
    assert winners_curse_of_means(matrix, 2) == pytest.approx(0.0)


def test_analyse_noise_reports_the_ranking_seeds():
    table, _ = clean_trials(_long(SHROUT_FLEISS))
    result = analyse_noise(table, "target", rng=np.random.default_rng(0), ranking_seeds=2, n_resamples=50)
    assert result.ranking_seeds == 2
    assert result.icc_ranking == pytest.approx(spearman_brown(result.icc.icc, 2))
    assert result.winners_curse_ranking == pytest.approx(
        winners_curse_of_means(np.array(SHROUT_FLEISS, dtype=float), 2))
    # Seeds that vary more within an arch than the archs differ give ICC(1) < 0; ICC(k) is reported as 0.
    noisy, _ = clean_trials(_long([[1, 9, 5], [9, 1, 5], [5, 5, 5.5]]))
    tied = analyse_noise(noisy, "target", rng=np.random.default_rng(0), ranking_seeds=2, n_resamples=50)
    assert tied.icc.icc < 0
    assert tied.icc_ranking == 0.0
    single = analyse_noise(noisy, "target", rng=np.random.default_rng(0), ranking_seeds=1, n_resamples=50)
    assert single.icc_ranking == single.icc.icc  # ICC(1) is reported as it is
    with pytest.raises(ValueError, match="ranking_seeds"):
        analyse_noise(table, "target", rng=np.random.default_rng(0), ranking_seeds=0)

"""Lesson 3's numbers: seed subsets, winners, winner's curse, data order and the pick game."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasdiag.lessons.noise import (
    SeedScores,
    compare_data_order,
    curse_sentence,
    data_order_sentence,
    one_seed_view,
    pick_sentence,
    rank_by_seeds,
    ranking_sentence,
    reveal_pick,
    seed_count_effects,
    seed_scores,
    tie_sentence,
)


def trials_from(matrix: np.ndarray, names: list[str], fidelity: str = "target") -> pd.DataFrame:
    rows = []
    for i, name in enumerate(names):
        for seed, value in enumerate(matrix[i]):
            rows.append({"arch": name, "seed": seed, "fidelity": fidelity, "metric": value, "status": "ok",
                         "is_baseline": False})
    return pd.DataFrame(rows)


# Three archs x three seeds. "b" wins seed 0 by luck; "a" is best on average.
MATRIX = np.array([
    [0.90, 0.95, 0.95],  # a: mean 0.9333
    [0.96, 0.88, 0.89],  # b: mean 0.9100
    [0.91, 0.90, 0.91],  # c: mean 0.9067
])


def scores() -> SeedScores:
    return seed_scores(trials_from(MATRIX, ["a", "b", "c"]))


def test_seed_scores_keeps_complete_archs():
    trials = trials_from(MATRIX, ["a", "b", "c"])
    trials.loc[(trials["arch"] == "c") & (trials["seed"] == 2), "status"] = "diverged"
    result = seed_scores(trials)
    assert result.archs == ("a", "b")
    assert result.seeds == (0, 1, 2)


def test_seed_scores_leaves_baselines_out():
    trials = trials_from(MATRIX, ["a", "b", "c"])
    trials.loc[trials["arch"] == "a", "is_baseline"] = True
    assert seed_scores(trials).archs == ("b", "c")


def test_seed_scores_rejects_one_seed():
    with pytest.raises(ValueError, match="2 or more complete seeds"):
        seed_scores(trials_from(MATRIX[:, :1], ["a", "b", "c"]))


def test_labels_do_not_reveal_rank():
    result = scores()
    assert result.labels == ("arch 1", "arch 2", "arch 3")  # alphabetical order of the arch strings


def test_one_seed_winner_is_the_lucky_arch():
    ranking = rank_by_seeds(scores(), 1, rng=np.random.default_rng(0))
    assert ranking.winner == "b"
    assert ranking.best_all == "a"
    assert ranking.winner_mean_n == pytest.approx(0.96)
    assert ranking.winner_mean_all == pytest.approx(0.91)
    assert math.isnan(ranking.prob_best)


def test_all_seeds_winner_is_the_best():
    ranking = rank_by_seeds(scores(), 3, rng=np.random.default_rng(0))
    assert ranking.winner == "a"
    assert 0 < ranking.prob_best <= 1


def test_prob_best_is_one_for_a_dominant_arch():
    matrix = np.array([[0.99, 0.99, 0.98], [0.90, 0.91, 0.92], [0.80, 0.81, 0.82]])
    ranking = rank_by_seeds(seed_scores(trials_from(matrix, ["x", "y", "z"])), 3, rng=np.random.default_rng(0))
    assert ranking.prob_best == 1.0


def test_rank_by_seeds_rejects_bad_count():
    with pytest.raises(ValueError, match="1..3"):
        rank_by_seeds(scores(), 4, rng=np.random.default_rng(0))


def test_seed_count_effects_by_enumeration():
    effects = seed_count_effects(scores()).set_index("n_seeds")
    # Recompute the 1-seed row by hand: each single seed's winner and its drop on the other two.
    drops, hits = [], []
    for seed in range(3):
        winner = int(np.argmax(MATRIX[:, seed]))
        others = [j for j in range(3) if j != seed]
        drops.append(MATRIX[winner, seed] - MATRIX[winner, others].mean())
        hits.append(winner == 0)
    assert effects.loc[1, "n_subsets"] == 3
    assert effects.loc[1, "winners_curse"] == pytest.approx(np.mean(drops))
    assert effects.loc[1, "share_best"] == pytest.approx(np.mean(hits))
    assert effects.loc[2, "n_subsets"] == len(list(itertools.combinations(range(3), 2)))
    assert math.isnan(effects.loc[3, "winners_curse"])
    assert effects.loc[3, "share_best"] == 1.0


def test_compare_data_order_matches_f_test():
    rng = np.random.default_rng(1)
    base = rng.uniform(0.9, 0.95, size=(8, 1))
    varied = base + rng.normal(0, 0.01, size=(8, 4))
    fixed = base + rng.normal(0, 0.004, size=(8, 4))
    names = [f"arch{i}" for i in range(8)]
    result = compare_data_order(seed_scores(trials_from(varied, names)), seed_scores(trials_from(fixed, names)))
    var_varied = varied.var(axis=1, ddof=1).mean()
    var_fixed = fixed.var(axis=1, ddof=1).mean()
    assert result.floor_varied == pytest.approx(math.sqrt(var_varied))
    assert result.floor_fixed == pytest.approx(math.sqrt(var_fixed))
    assert result.variance_removed == pytest.approx(1 - var_fixed / var_varied)
    ratio = var_fixed / var_varied
    expected_p = 2 * min(stats.f.cdf(ratio, 24, 24), stats.f.sf(ratio, 24, 24))
    assert result.p_value == pytest.approx(expected_p)
    assert "removes" in data_order_sentence(result)


def test_data_order_sentence_when_fixed_is_noisier():
    names = [f"arch{i}" for i in range(6)]
    rng = np.random.default_rng(2)
    base = rng.uniform(0.9, 0.95, size=(6, 1))
    result = compare_data_order(seed_scores(trials_from(base + rng.normal(0, 0.004, (6, 3)), names)),
                                seed_scores(trials_from(base + rng.normal(0, 0.012, (6, 3)), names)))
    assert result.variance_removed < 0
    assert "adds" in data_order_sentence(result)
    assert "removes" not in data_order_sentence(result)


def test_reveal_pick_of_lucky_arch():
    outcome = reveal_pick(scores(), "arch 2")
    assert outcome.arch == "b"
    assert outcome.rank_one_seed == 1
    assert outcome.mean_other_seeds == pytest.approx(0.885)
    assert outcome.rank_other_seeds == 3
    text = pick_sentence(outcome)
    assert "falls by 7.50 points" in text
    assert outcome.tied_labels == ()
    assert "tied" not in text


def test_reveal_pick_names_one_seed_ties():
    matrix = np.array([[0.9, 0.8], [0.9, 0.7], [0.9, 0.95], [0.5, 0.5]])
    outcome = reveal_pick(seed_scores(trials_from(matrix, ["a", "b", "c", "d"])), "arch 3")
    assert outcome.rank_one_seed == 3  # three-way tie on seed 0, ordered by label
    assert outcome.tied_labels == ("arch 1", "arch 2")
    assert "rank 3 of 4 on the seed you saw (90.00%, tied with arch 1 and arch 2; ties are ordered by label)" in \
        pick_sentence(outcome)


def test_reveal_pick_rejects_unknown_label():
    with pytest.raises(ValueError, match="unknown architecture"):
        reveal_pick(scores(), "arch 9")


def test_one_seed_view_sorted_best_first():
    view = one_seed_view(scores())
    assert list(view["arch"]) == ["b", "c", "a"]


def test_ranking_sentence_names_both_winners():
    result = scores()
    text = ranking_sentence(rank_by_seeds(result, 1, rng=np.random.default_rng(0)), result)
    assert "picks arch 2 (96.00%)" in text
    assert "the best is arch 1 (93.33%)" in text


def test_ranking_sentence_when_winner_agrees():
    result = scores()
    # Seeds 0 and 1: a averages 0.925, b 0.92, so the 2-seed winner is a, the all-seed best.
    text = ranking_sentence(rank_by_seeds(result, 2, rng=np.random.default_rng(0)), result)
    assert "picks arch 1 (92.50%)" in text
    assert "also the best by the mean of all 3 seeds" in text


def test_curse_sentence_direction_follows_sign():
    effects = pd.DataFrame({"n_seeds": [1, 2, 3], "n_subsets": [3, 3, 1], "share_best": [1 / 3, 2 / 3, 1.0],
                            "distinct_winners": [2, 2, 1], "winners_curse": [0.02, 0.005, math.nan]})
    assert "falls by 2.00 points" in curse_sentence(effects, 1)
    two = curse_sentence(effects, 2)
    assert "falls by 0.50 points" in two
    assert "less than the 2.00 points with 1 seed" in two
    assert "cannot be measured" in curse_sentence(effects, 3)
    effects.loc[1, "winners_curse"] = -0.001
    assert "rises by 0.10 points" in curse_sentence(effects, 2)


def test_curse_sentence_zero_stays_the_same():
    effects = pd.DataFrame({"n_seeds": [1, 2], "n_subsets": [2, 1], "share_best": [0.5, 1.0],
                            "distinct_winners": [2, 1], "winners_curse": [-3.7e-17, 0.004]})
    text = curse_sentence(effects, 1)
    assert "stays the same on average" in text
    assert "rises" not in text


def test_curse_sentence_equal_when_printed_alike():
    effects = pd.DataFrame({"n_seeds": [1, 2], "n_subsets": [2, 1], "share_best": [0.5, 1.0],
                            "distinct_winners": [2, 1], "winners_curse": [0.00791, 0.00788]})
    assert "0.79 points on average" in curse_sentence(effects, 2)
    assert "the same as with 1 seed" in curse_sentence(effects, 2)


def test_tie_sentence_counts_archs_within_two_errors():
    # Every row's two seeds differ by 0.02, so sd = 0.02 / sqrt(2) = 0.01414 and two standard errors of a
    # difference of 2-seed means are 2 x 0.01414 x sqrt(2 / 2) = 0.0283. Only b (0.95) is that close to a (0.96).
    matrix = np.array([[0.95, 0.97], [0.94, 0.96], [0.90, 0.92], [0.80, 0.82]])
    text = tie_sentence(seed_scores(trials_from(matrix, ["a", "b", "c", "d"])))
    assert "1 other architecture is within two standard errors (2.83 points) of the best" in text
    assert "These 2 are statistically tied" in text


def test_tie_sentence_when_best_stands_out():
    matrix = np.array([[0.99, 0.99], [0.90, 0.91], [0.80, 0.81]])
    text = tie_sentence(seed_scores(trials_from(matrix, ["a", "b", "c"])))
    assert "no other architecture is within" in text
    assert "tied" not in text

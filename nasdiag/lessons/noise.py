"""Lesson 3, evaluation noise: the same architectures trained with several seeds.

The functions here take a trials table whose architectures all have the same seeds at one
fidelity. They compute which architecture wins when ranked by the mean of only the first n
seeds and how often that winner is the best by all seeds. They also compute how far its
score falls on the seeds it was not ranked by (the winner's curse), and how much of the
seed-to-seed variance a fixed data order removes.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from nasdiag.diagnostics.noise import noise_floor, prob_best
from nasdiag.diagnostics.table import clean_trials
from nasdiag.lessons.wording import percent, points

logger = logging.getLogger(__name__)

PROB_BEST_RESAMPLES = 2000


@dataclass(frozen=True)
class SeedScores:
    """Scores of the searched architectures (baselines left out) with every seed, one fidelity."""

    archs: tuple[str, ...]  # canonical strings, sorted
    labels: tuple[str, ...]  # short names "arch 01", ... in the same order; they do not reveal ranks
    seeds: tuple[int, ...]  # init seeds, sorted; column j of `scores` is seed j
    scores: np.ndarray  # (archs, seeds) validation accuracy

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    def label(self, arch: str) -> str:
        return self.labels[self.archs.index(arch)]


def seed_scores(trials: pd.DataFrame, fidelity: str = "target") -> SeedScores:
    """Collect the searched architectures that have an ok trial for every seed at ``fidelity``.

    Architectures missing a seed (a failed or diverged trial) are left out, so every mean
    below averages the same seeds.

    Raises:
        ValueError: the fidelity has no architecture with 2 or more complete seeds.
    """
    table, _ = clean_trials(trials)
    rows = table.loc[(table["fidelity"] == fidelity) & ~table["is_baseline"]]
    wide = rows.pivot_table(index="arch", columns="seed", values="metric", aggfunc="mean")
    complete = wide.dropna(axis=0, how="any")
    if complete.shape[1] < 2 or complete.empty:
        raise ValueError(
            f"fidelity {fidelity!r} has no architectures with 2 or more complete seeds "
            f"(found {wide.shape[0]} archs x {wide.shape[1]} seeds); train each architecture with several seeds"
        )
    if len(complete) < len(wide):
        logger.info("left out %d architectures that miss a seed at %s", len(wide) - len(complete), fidelity)
    complete = complete.sort_index()
    archs = tuple(str(a) for a in complete.index)
    width = len(str(len(archs)))
    labels = tuple(f"arch {i + 1:0{width}d}" for i in range(len(archs)))
    return SeedScores(archs, labels, tuple(int(s) for s in complete.columns), complete.to_numpy(dtype=float))


@dataclass(frozen=True)
class Ranking:
    """Architectures ranked by the mean of their first ``n_seeds`` seeds."""

    n_seeds: int
    table: pd.DataFrame  # index label: arch, mean_n, sd_n, rank_n, mean_all, rank_all; sorted by rank_n
    winner: str
    winner_mean_n: float
    winner_mean_all: float
    best_all: str  # best by the mean over every seed
    best_all_mean: float
    prob_best: float  # bootstrap probability that the winner's true mean is the largest (NaN with 1 seed)


def rank_by_seeds(scores: SeedScores, n_seeds: int, *, rng: np.random.Generator) -> Ranking:
    """Rank by the mean of the first ``n_seeds`` seeds and compare with the ranking by all seeds.

    Raises:
        ValueError: ``n_seeds`` is outside 1..number of seeds.
    """
    if not 1 <= n_seeds <= scores.n_seeds:
        raise ValueError(f"n_seeds must be in 1..{scores.n_seeds}, got {n_seeds}")
    used = scores.scores[:, :n_seeds]
    mean_n = used.mean(axis=1)
    mean_all = scores.scores.mean(axis=1)
    table = pd.DataFrame({
        "label": scores.labels,
        "arch": scores.archs,
        "mean_n": mean_n,
        "sd_n": used.std(axis=1, ddof=1) if n_seeds > 1 else np.nan,
        "mean_all": mean_all,
    })
    # Ties broken by arch string, so the ranking does not depend on row order.
    table["rank_n"] = _ranks(table, "mean_n")
    table["rank_all"] = _ranks(table, "mean_all")
    table = table.sort_values("rank_n").set_index("label")
    winner = int(np.flatnonzero(table["rank_n"].to_numpy() == 1)[0])
    best = table.loc[table["rank_all"] == 1].iloc[0]
    chance = math.nan
    if n_seeds > 1:
        chance = float(prob_best(used, rng, PROB_BEST_RESAMPLES)[scores.archs.index(table["arch"].iloc[winner])])
    return Ranking(
        n_seeds=n_seeds,
        table=table,
        winner=str(table["arch"].iloc[winner]),
        winner_mean_n=float(table["mean_n"].iloc[winner]),
        winner_mean_all=float(table["mean_all"].iloc[winner]),
        best_all=str(best["arch"]),
        best_all_mean=float(best["mean_all"]),
        prob_best=chance,
    )


def _ranks(table: pd.DataFrame, column: str) -> np.ndarray:
    order = table.sort_values([column, "arch"], ascending=[False, True], kind="stable").index
    ranks = np.empty(len(table), dtype=int)
    ranks[order.to_numpy()] = np.arange(1, len(table) + 1)
    return ranks


def seed_count_effects(scores: SeedScores) -> pd.DataFrame:
    """For each seed count n, enumerate every subset of n seeds and rank by the subset mean.

    Returns one row per n (1..seeds) with ``n_subsets``, ``share_best`` (share of subsets
    whose winner is the best by all seeds), ``distinct_winners`` and ``winners_curse``.
    The curse is the mean over subsets of the winner's subset mean minus its mean over the
    other seeds. It is NaN when n uses every seed, because no seed is left to re-evaluate on.
    """
    best_all = _argmax_by_name(scores.scores.mean(axis=1), scores.archs)
    rows = []
    for n in range(1, scores.n_seeds + 1):
        winners, drops = [], []
        for subset in itertools.combinations(range(scores.n_seeds), n):
            chosen = scores.scores[:, list(subset)].mean(axis=1)
            winner = _argmax_by_name(chosen, scores.archs)
            winners.append(winner)
            others = [j for j in range(scores.n_seeds) if j not in subset]
            if others:
                drops.append(chosen[winner] - scores.scores[winner, others].mean())
        rows.append({
            "n_seeds": n,
            "n_subsets": len(winners),
            "share_best": float(np.mean([w == best_all for w in winners])),
            "distinct_winners": len(set(winners)),
            "winners_curse": float(np.mean(drops)) if drops else math.nan,
        })
    return pd.DataFrame(rows)


def _argmax_by_name(values: np.ndarray, archs: tuple[str, ...]) -> int:
    """Index of the largest value; ties go to the alphabetically first architecture."""
    best = np.flatnonzero(values == values.max())
    return int(min(best, key=lambda i: archs[i]))


@dataclass(frozen=True)
class DataOrderComparison:
    """Noise floors (pooled seed sd) with a shuffled and a fixed data order, same architectures."""

    floor_varied: float
    ci_varied: tuple[float, float]
    floor_fixed: float
    ci_fixed: tuple[float, float]
    variance_removed: float  # 1 - fixed variance / varied variance; negative when fixed is noisier
    p_value: float  # two-sided F test of equal variances
    n_archs: int


def compare_data_order(varied: SeedScores, fixed: SeedScores) -> DataOrderComparison:
    """Compare the noise floors of the same architectures trained with both data orders.

    Only architectures present in both are used.

    Raises:
        ValueError: the two share fewer than 2 architectures.
    """
    shared = sorted(set(varied.archs) & set(fixed.archs))
    if len(shared) < 2:
        raise ValueError(f"the two experiments share {len(shared)} architectures; at least 2 are needed")
    floors = []
    for scores in (varied, fixed):
        rows = scores.scores[[scores.archs.index(a) for a in shared]]
        summary = pd.DataFrame({"n_seeds": rows.shape[1], "sd": rows.std(axis=1, ddof=1)})
        floors.append(noise_floor(summary))
    first, second = floors
    ratio = (second.sd / first.sd) ** 2 if first.sd > 0 else math.nan
    p_value = math.nan
    if first.sd > 0 and second.sd > 0:
        cdf = stats.f.cdf(ratio, second.df, first.df)
        p_value = float(min(1.0, 2 * min(cdf, 1 - cdf)))
    return DataOrderComparison(first.sd, first.ci, second.sd, second.ci, 1 - ratio, p_value, len(shared))


@dataclass(frozen=True)
class PickOutcome:
    """Rank and score of an architecture picked from one-seed results, after re-evaluation."""

    arch: str
    label: str
    one_seed: float
    rank_one_seed: int
    mean_other_seeds: float  # mean over the seeds the learner did not see
    rank_other_seeds: int
    n_archs: int
    tied_labels: tuple[str, ...] = ()  # other architectures with exactly the same score on the seed the learner saw


def one_seed_view(scores: SeedScores, seed_position: int = 0) -> pd.DataFrame:
    """Return the one-seed results a learner picks from: label and score, best first."""
    frame = pd.DataFrame({"label": scores.labels, "arch": scores.archs,
                          "accuracy": scores.scores[:, seed_position]})
    return frame.sort_values(["accuracy", "arch"], ascending=[False, True], kind="stable").reset_index(drop=True)


def reveal_pick(scores: SeedScores, label: str, seed_position: int = 0) -> PickOutcome:
    """Re-evaluate a pick on the seeds other than ``seed_position``.

    Raises:
        ValueError: unknown label.
    """
    if label not in scores.labels:
        raise ValueError(f"unknown architecture {label!r}; pick one of {scores.labels[0]} .. {scores.labels[-1]}")
    index = scores.labels.index(label)
    others = [j for j in range(scores.n_seeds) if j != seed_position]
    frame = pd.DataFrame({"arch": scores.archs, "one": scores.scores[:, seed_position],
                          "rest": scores.scores[:, others].mean(axis=1)})
    frame["rank_one"] = _ranks(frame, "one")
    frame["rank_rest"] = _ranks(frame, "rest")
    return PickOutcome(
        arch=scores.archs[index], label=label, one_seed=float(frame.at[index, "one"]),
        rank_one_seed=int(frame.at[index, "rank_one"]), mean_other_seeds=float(frame.at[index, "rest"]),
        rank_other_seeds=int(frame.at[index, "rank_rest"]), n_archs=len(frame),
        tied_labels=tuple(scores.labels[i] for i in np.flatnonzero(frame["one"].to_numpy() == frame.at[index, "one"])
                          if i != index),
    )


# ----------------------------------------------------------------------------- sentences


def ranking_sentence(ranking: Ranking, scores: SeedScores) -> str:
    """Say which architecture wins with n seeds and whether it is the best by all seeds."""
    seeds = "1 seed" if ranking.n_seeds == 1 else f"the mean of {ranking.n_seeds} seeds"
    head = f"Ranked by {seeds}, the search picks {scores.label(ranking.winner)} ({percent(ranking.winner_mean_n, 2)})."
    if ranking.n_seeds == scores.n_seeds:
        return head + " This is the ranking by every seed, the reference for the other seed counts."
    if ranking.winner == ranking.best_all:
        tail = f" It is also the best by the mean of all {scores.n_seeds} seeds."
    else:
        tail = (f" By the mean of all {scores.n_seeds} seeds the best is {scores.label(ranking.best_all)} "
                f"({percent(ranking.best_all_mean, 2)}); the pick scores {percent(ranking.winner_mean_all, 2)} there.")
    if not math.isnan(ranking.prob_best):
        tail += (f" Judged from its {ranking.n_seeds} seeds alone, a bootstrap gives the pick a {ranking.prob_best:.0%} "
                 "chance of being the best, a figure that few seeds make look more certain than it is.")
    return head + tail


def curse_sentence(effects: pd.DataFrame, n_seeds: int) -> str:
    """Describe the winner's curse at ``n_seeds`` against 1 seed, with wording from the signs."""
    row = effects.set_index("n_seeds").loc[n_seeds]
    curse = row["winners_curse"]
    if math.isnan(curse):
        return (f"With all {n_seeds} seeds used for ranking, no seed is left to re-evaluate on, "
                "so the winner's curse cannot be measured here.")
    ranked = f"Ranked by {n_seeds} seed{'s' if n_seeds > 1 else ''}"
    if round(100 * curse, 2) == 0:
        sentence = (f"{ranked}, the winner's score stays the same on average (within 0.005 points) when it is "
                    "re-evaluated on the other seeds")
    else:
        verb = "falls" if curse > 0 else "rises"
        sentence = (f"{ranked}, the winner's score {verb} by {points(curse, 2)} on average when it is "
                    "re-evaluated on the other seeds")
    one = effects.set_index("n_seeds").loc[1, "winners_curse"]
    if n_seeds > 1 and not math.isnan(one):
        # Compared as shown (points, 2 decimals), so two numbers that print alike are called the same.
        printed, printed_one = abs(round(100 * curse, 2)), abs(round(100 * one, 2))
        if printed < printed_one:
            sentence += f", less than the {points(one, 2)} with 1 seed"
        elif printed > printed_one:
            sentence += f", more than the {points(one, 2)} with 1 seed"
        else:
            sentence += ", the same as with 1 seed"
    return (sentence + f"; {row['share_best']:.0%} of the {int(row['n_subsets'])} possible seed sets "
            "pick the best architecture by all seeds.")


def data_order_sentence(comparison: DataOrderComparison) -> str:
    """Say how much seed variance the fixed data order removes, with wording from the F test."""
    head = (f"With a shuffled data order the noise floor is {points(comparison.floor_varied, 2)}; with a fixed "
            f"order it is {points(comparison.floor_fixed, 2)}")
    removed = comparison.variance_removed
    significant = not math.isnan(comparison.p_value) and comparison.p_value < 0.05
    if removed > 0:
        effect = f"fixing the order removes {removed:.0%} of the seed variance"
    else:
        effect = f"fixing the order adds {-removed:.0%} to the seed variance"
    if significant:
        return f"{head}: {effect} (F test p = {comparison.p_value:.3f})."
    sentence = f"{head}: {effect}, but the F test (p = {comparison.p_value:.2f}) cannot tell the two apart"
    if 0 <= removed < 0.5:
        # With the order fixed only the init seed varies, so its variance is the fixed-order floor.
        return sentence + "; the init seed causes most of the noise."
    return sentence + "."


def tie_sentence(scores: SeedScores) -> str:
    """Count the architectures whose all-seed mean is within two standard errors of the best one's.

    The standard error of a difference of two n-seed means is noise floor x sqrt(2 / n), with
    the noise floor pooled over all architectures.
    """
    means = scores.scores.mean(axis=1)
    floor = float(np.sqrt(scores.scores.var(axis=1, ddof=1).mean()))
    standard_error = floor * math.sqrt(2 / scores.n_seeds)
    best = means.max()
    others = int((best - means <= 2 * standard_error).sum()) - 1
    head = f"By the mean of all {scores.n_seeds} seeds"
    margin = f"within two standard errors ({points(2 * standard_error, 2)}) of the best"
    if others == 0:
        return f"{head}, no other architecture is {margin}: the best stands out from the rest."
    verb = "is" if others == 1 else "are"
    return (f"{head}, {others} other architecture{'s' if others > 1 else ''} {verb} {margin}. These {others + 1} "
            "are statistically tied, so \"the best by all seeds\" is one draw among them, and a ranking by this "
            "many seeds cannot separate them.")


def pick_sentence(outcome: PickOutcome) -> str:
    """Say where the learner's one-seed pick lands on the seeds they did not see."""
    change = outcome.mean_other_seeds - outcome.one_seed
    direction = "falls" if change < 0 else "rises"
    seen = percent(outcome.one_seed, 2)
    if outcome.tied_labels:
        names = list(outcome.tied_labels)
        others = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        seen += f", tied with {others}; ties are ordered by label"
    return (f"You picked {outcome.label}: rank {outcome.rank_one_seed} of {outcome.n_archs} on the seed you saw "
            f"({seen}). On the other seeds it averages {percent(outcome.mean_other_seeds, 2)}"
            f" and ranks {outcome.rank_other_seeds}: its score {direction} by {points(change, 2)}.")

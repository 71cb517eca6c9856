"""The bundled lesson experiments show their failure mode, and their fixes pass, by the project's verdicts.

These tests read the real bundles in data/lessons/ (produced by scripts/make_lessons.py) through a
real DuckDB file, exactly as the dashboard opens them.
"""

from __future__ import annotations

import numpy as np
import pytest

from nasdiag.diagnostics import diagnose
from nasdiag.lessons.bundles import (
    bundle_folder,
    bundled_experiment_id,
    load_lesson_data,
    open_bundled,
)
from nasdiag.lessons.catalog import lesson_experiments
from nasdiag.lessons.mismatch import mismatch_outcome, outcome_sentences
from nasdiag.lessons.noise import (
    compare_data_order,
    curse_sentence,
    data_order_sentence,
    rank_by_seeds,
    ranking_sentence,
    seed_count_effects,
    seed_scores,
)
from nasdiag.lessons.proxy import (
    cheapest_holding,
    correlation_sentence,
    proxy_sweep,
    regret_sentence,
    tau_check_level,
)
from nasdiag.lessons.wording import percent, points
from nasdiag.store import Store

MAX_BUNDLE_BYTES = 1_000_000
EXPERIMENTS = {(e.lesson, e.variant): e for e in lesson_experiments()}


@pytest.fixture(scope="module")
def lessons(tmp_path_factory):
    """Every bundle loaded into one database, keyed by (lesson, variant)."""
    store = Store(tmp_path_factory.mktemp("lessons") / "lessons.duckdb")
    found = {}
    for key in EXPERIMENTS:
        experiment_id = open_bundled(store, *key)
        found[key] = load_lesson_data(store, experiment_id, source="bundled")
    return found


def diagnosis_of(data, **overrides):
    context = {**data.context, **overrides}
    return diagnose(data.trials, curves=data.curves, **context)


@pytest.mark.parametrize("key", list(EXPERIMENTS))
def test_bundle_is_small(key):
    folder = bundle_folder(*key)
    size = sum(path.stat().st_size for path in folder.iterdir())
    assert size < MAX_BUNDLE_BYTES


@pytest.mark.parametrize("key", list(EXPERIMENTS))
def test_bundle_loads_again_without_copy(tmp_path, key):
    store = Store(tmp_path / "db.duckdb")
    first = open_bundled(store, *key)
    assert open_bundled(store, *key) == first
    assert first == bundled_experiment_id(*key)


@pytest.mark.slow
@pytest.mark.parametrize("key", list(EXPERIMENTS))
def test_bundle_matches_catalog_config(key):
    """A bundle made from an older config (or older presets) has another id; regenerate it then."""
    from nasdiag.search.setup import build_search_config

    expected = build_search_config(**EXPERIMENTS[key].search).experiment_id()
    assert bundled_experiment_id(*key) == expected


def test_narrow_space_fails_coverage(lessons):
    verdict = diagnosis_of(lessons["mismatch", "narrow"]).verdicts["coverage"]
    assert verdict.level in ("warn", "fail")
    assert {c.name for c in verdict.checks if c.level != "ok"} >= {"lacking_ops", "rf_share_below_input"}


def test_widened_space_passes_structural_checks(lessons):
    verdict = diagnosis_of(lessons["mismatch", "widened"]).verdicts["coverage"]
    levels = {c.name: c.level for c in verdict.checks}
    assert levels["lacking_ops"] == "ok"
    assert levels["baselines_outside_space"] == "ok"
    assert levels["rf_share_below_input"] == "ok"


def test_widened_space_passes_coverage(lessons):
    assert diagnosis_of(lessons["mismatch", "widened"]).verdicts["coverage"].level == "ok"


def test_widened_gap_within_noise(lessons):
    """The evidence behind the expected failure above."""
    outcome = mismatch_outcome(diagnosis_of(lessons["mismatch", "widened"]))
    assert outcome.gap < 0
    assert outcome.gap_ci[0] < 0 < outcome.gap_ci[1]


def test_mismatch_sentences_match_numbers(lessons):
    for key in (("mismatch", "narrow"), ("mismatch", "widened")):
        outcome = mismatch_outcome(diagnosis_of(lessons[key]))
        sentence = outcome_sentences(outcome)[0]
        assert f"reaches {percent(outcome.best_found_mean)} vs the baseline's {percent(outcome.baseline_mean)}" \
            in sentence
        if round(100 * outcome.gap, 1) != 0:
            side = "below" if outcome.gap < 0 else "above"
            assert f"{points(outcome.gap)} {side}" in sentence


def test_narrow_best_below_baseline(lessons):
    outcome = mismatch_outcome(diagnosis_of(lessons["mismatch", "narrow"]))
    assert outcome.gap < 0
    assert outcome.share_rf_below_input == 1.0


def test_cheapest_proxy_fails(lessons):
    data = lessons["proxy", "sweep"]
    points_found = proxy_sweep(data.trials, data.fidelities)
    assert points_found[0].proxy == "p1"
    assert points_found[0].level in ("warn", "fail")


def test_costliest_proxy_rank_correlation_holds(lessons):
    data = lessons["proxy", "sweep"]
    points_found = proxy_sweep(data.trials, data.fidelities)
    holding = cheapest_holding(points_found)
    assert holding is not None
    assert holding.proxy == points_found[-1].proxy
    assert tau_check_level(holding) == "ok"
    assert all(tau_check_level(p) != "ok" for p in points_found[:-1])


def test_some_proxy_passes_whole_verdict(lessons):
    data = lessons["proxy", "sweep"]
    assert any(p.level == "ok" for p in proxy_sweep(data.trials, data.fidelities))


def test_proxy_sentences_match_numbers(lessons):
    data = lessons["proxy", "sweep"]
    for point in proxy_sweep(data.trials, data.fidelities):
        text = correlation_sentence(point)
        assert f"Kendall tau {point.kendall_tau:.2f}, 95% interval [{point.tau_ci[0]:.2f}, {point.tau_ci[1]:.2f}]" \
            in text
        regret = regret_sentence(point)
        if point.pick_rank == 1:
            assert "no regret" in regret
        else:
            assert f"costs {points(point.regret, 2)}" in regret


def test_one_seed_ranking_fails_noise(lessons):
    diagnosis = diagnosis_of(lessons["noise", "varied"])
    assert diagnosis.noise.ranking_seeds == 1
    verdict = diagnosis.verdicts["noise"]
    assert verdict.level in ("warn", "fail")
    assert "seed_tau_top" in {c.name for c in verdict.checks if c.level != "ok"}


def test_three_seed_ranking_passes_noise(lessons):
    assert lessons["noise", "fixed"].data_order == "fixed"
    assert lessons["noise", "varied"].data_order == "varied"
    diagnosis = diagnosis_of(lessons["noise", "fixed"])
    assert diagnosis.noise.ranking_seeds == 3
    verdict = diagnosis.verdicts["noise"]
    assert verdict.level == "ok"
    assert "report them as tied" in verdict.fix  # the top archs lie within one noise floor
    tau = next(check for check in verdict.checks if check.name == "seed_tau_top")
    assert not tau.judged
    assert tau.to_dict()["judged"] is False


def test_averaging_not_data_order_is_the_fix(lessons):
    """Judged as a one-seed ranking, the fixed-order data still fails; as a 3-seed ranking the shuffled one passes."""
    assert diagnosis_of(lessons["noise", "fixed"], ranking_seeds=1).verdicts["noise"].level == "fail"
    assert diagnosis_of(lessons["noise", "varied"], ranking_seeds=3).verdicts["noise"].level == "ok"


def test_noise_top_archs_are_tied(lessons):
    """Why one seed cannot order the top: the fixed-order top 3 lie within one noise floor."""
    diagnosis = diagnosis_of(lessons["noise", "fixed"])
    means = diagnosis.noise.per_arch["mean"].sort_values(ascending=False)
    assert means.iloc[0] - means.iloc[2] < diagnosis.noise.noise_floor.sd
    assert diagnosis.noise.rank_tau_top < 0.2


def test_noise_sentences_match_numbers(lessons):
    scores = seed_scores(lessons["noise", "varied"].trials)
    effects = seed_count_effects(scores)
    for n in range(1, scores.n_seeds + 1):
        ranking = rank_by_seeds(scores, n, rng=np.random.default_rng(0))
        assert percent(ranking.winner_mean_n, 2) in ranking_sentence(ranking, scores)
        curse = effects.set_index("n_seeds").loc[n, "winners_curse"]
        if n < scores.n_seeds:
            assert points(curse, 2) in curse_sentence(effects, n)
    comparison = compare_data_order(scores, seed_scores(lessons["noise", "fixed"].trials))
    assert points(comparison.floor_varied, 2) in data_order_sentence(comparison)
    assert comparison.n_archs == scores.scores.shape[0]

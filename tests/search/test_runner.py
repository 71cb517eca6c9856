"""The search runner end to end: real training on digits into a real DuckDB file."""

from __future__ import annotations

import pandas as pd
import pytest

from nasdiag.search import InlineExecutor, run_search
from nasdiag.search.setup import build_search_config
from nasdiag.store import Store

pytestmark = pytest.mark.slow


def _config(**overrides):
    options = dict(
        space="digits_cell", task="digits", strategy="random", budget=3, seeds=2,
        proxies=["proxy:epochs=1,data=0.25"], target="target:epochs=2", with_baselines=False,
    )
    options.update(overrides)
    return build_search_config(**options)


def test_search_stores_every_trial_with_curves(tmp_path):
    store = Store(tmp_path / "db.duckdb")
    summary = run_search(_config(), store, executor=InlineExecutor())
    trials = store.load_trials(summary.experiment_id)
    assert summary.status == "finished"
    assert len(trials) == 3 * 2 * 2
    assert set(trials["fidelity"]) == {"proxy", "target"}
    assert set(trials["status"]) <= {"ok", "diverged"}
    assert trials["params"].notna().all()
    assert trials["receptive_field"].notna().all()
    curves = store.load_curves(summary.experiment_id)
    epochs = curves.groupby("trial_id")["epoch"].count()
    assert len(epochs) == len(trials)
    expected = trials.set_index("trial_id")["epochs"]
    assert (epochs.sort_index() == expected.sort_index()).all()
    assert store.get_experiment(summary.experiment_id)["status"] == "finished"


def test_same_search_twice_gives_identical_metrics(tmp_path):
    first = Store(tmp_path / "a.duckdb")
    second = Store(tmp_path / "b.duckdb")
    config = _config()
    run_search(config, first, executor=InlineExecutor())
    run_search(config, second, executor=InlineExecutor())
    columns = ["trial_id", "metric", "test_metric", "status"]
    a = first.load_trials(config.experiment_id())[columns].sort_values("trial_id").reset_index(drop=True)
    b = second.load_trials(config.experiment_id())[columns].sort_values("trial_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_another_search_seed_samples_other_archs(tmp_path):
    store = Store(tmp_path / "db.duckdb")
    one = run_search(_config(search_seed=0), store, executor=InlineExecutor())
    two = run_search(_config(search_seed=1), store, executor=InlineExecutor())
    archs_one = set(store.load_trials(one.experiment_id)["arch"])
    archs_two = set(store.load_trials(two.experiment_id)["arch"])
    assert archs_one != archs_two


def test_rerun_trains_nothing(tmp_path):
    store = Store(tmp_path / "db.duckdb")
    config = _config()
    first = run_search(config, store, executor=InlineExecutor())
    second = run_search(config, store, executor=InlineExecutor())
    assert first.trials_trained == 12
    assert second.trials_trained == 0
    assert second.trials_reused == 12
    assert second.history == first.history


def test_process_pool_matches_inline(tmp_path):
    config = _config(budget=2)
    inline = Store(tmp_path / "inline.duckdb")
    pooled = Store(tmp_path / "pool.duckdb")
    run_search(config, inline, executor=InlineExecutor())
    run_search(config, pooled, workers=2)
    columns = ["trial_id", "metric"]
    a = inline.load_trials(config.experiment_id())[columns].sort_values("trial_id").reset_index(drop=True)
    b = pooled.load_trials(config.experiment_id())[columns].sort_values("trial_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_baselines_trained_at_every_fidelity(tmp_path):
    store = Store(tmp_path / "db.duckdb")
    summary = run_search(_config(budget=1, seeds=1, with_baselines=True), store, executor=InlineExecutor())
    trials = store.load_trials(summary.experiment_id)
    baselines = trials[trials["is_baseline"]]
    assert len(baselines) > 0
    assert set(baselines["fidelity"]) == {"proxy", "target"}


def test_top_k_target_eval_limits_target_trials(tmp_path):
    store = Store(tmp_path / "db.duckdb")
    config = _config(budget=4, seeds=1, target_eval="top", top_k=1)
    summary = run_search(config, store, executor=InlineExecutor())
    trials = store.load_trials(summary.experiment_id)
    assert (trials["fidelity"] == "proxy").sum() == 4
    assert 1 <= (trials["fidelity"] == "target").sum() < 4


def test_halving_ends_at_target(tmp_path):
    store = Store(tmp_path / "db.duckdb")
    config = _config(strategy="halving", budget=3, seeds=1, strategy_options={"eta": 3})
    summary = run_search(config, store, executor=InlineExecutor())
    trials = store.load_trials(summary.experiment_id)
    assert (trials["fidelity"] == "proxy").sum() == 3
    assert (trials["fidelity"] == "target").sum() == 1


def test_cancel_request_stops_search(tmp_path):
    store = Store(tmp_path / "db.duckdb")
    config = _config(budget=6, seeds=1)
    calls = []

    def cancel_after_first(progress):
        calls.append(progress.done)
        if progress.done == 1:
            store.request_cancel(config.experiment_id())

    summary = run_search(config, store, executor=InlineExecutor(), progress=cancel_after_first)
    assert summary.status == "cancelled"
    assert store.get_experiment(summary.experiment_id)["status"] == "cancelled"
    assert store.trial_count(summary.experiment_id) < 6 * 2


def test_rank_seeds_scores_first_seeds(tmp_path):
    """With rank_seeds=1 the strategy is given seed 0's metric; the other seed only measures the noise."""
    store = Store(tmp_path / "db.duckdb")
    summary = run_search(_config(proxies=[], rank_seeds=1), store, executor=InlineExecutor())
    trials = store.load_trials(summary.experiment_id)
    assert set(trials["seed"]) == {0, 1}
    seed0 = trials.loc[trials["seed"] == 0].set_index("arch")["metric"]
    assert len(summary.history) == 3
    for arch, _, score in summary.history:
        assert score == seed0[arch]

"""Search set-up: config validation and the cost estimate."""

from __future__ import annotations

import pytest

from nasdiag.search.setup import (
    STARTUP_SECONDS,
    SearchSetupError,
    build_search_config,
    estimate_cost,
)


def test_readme_example_plans_132_trials():
    config = build_search_config(space="digits_cell", task="digits", budget=20, seeds=3)
    estimate = estimate_cost(config, train_samples=1078, workers=2)
    assert len(config.baselines) == 2
    assert estimate.trials == 20 * 3 * 2 + 2 * 3 * 2


def test_estimate_includes_startup():
    config = build_search_config(space="digits_cell", task="digits", budget=1, seeds=1, with_baselines=False)
    estimate = estimate_cost(config, train_samples=10, workers=2)
    assert estimate.wall_seconds > STARTUP_SECONDS


def test_halving_estimate_counts_rungs():
    config = build_search_config(space="digits_cell", task="digits", strategy="halving", budget=9, seeds=2,
                                 with_baselines=False, strategy_options={"eta": 3})
    assert estimate_cost(config, train_samples=100).trials == (9 + 3) * 2


def test_proxies_sorted_cheapest_first():
    config = build_search_config(space="digits_cell", task="digits",
                                 proxies=["big:epochs=5", "small:epochs=1,data=0.5"])
    assert config.fidelity_names == ["small", "big", "target"]


def test_duplicate_fidelity_names_rejected():
    with pytest.raises(SearchSetupError, match="must differ"):
        build_search_config(space="digits_cell", task="digits", proxies=["target:epochs=1"])


def test_class_outside_task_rejected():
    with pytest.raises(SearchSetupError, match="classes"):
        build_search_config(space="digits_cell", task="digits", proxies=["p:epochs=1,classes=8-12"])


def test_same_choices_same_experiment_id():
    first = build_search_config(space="digits_cell", task="digits", budget=4)
    second = build_search_config(space="digits_cell", task="digits", budget=4)
    third = build_search_config(space="digits_cell", task="digits", budget=5)
    assert first.experiment_id() == second.experiment_id()
    assert first.experiment_id() != third.experiment_id()


def test_rank_seeds_validated_and_normalised():
    with pytest.raises(SearchSetupError, match="--rank-seeds"):
        build_search_config(space="digits_cell", seeds=2, rank_seeds=3)
    with pytest.raises(SearchSetupError, match="--rank-seeds"):
        build_search_config(space="digits_cell", seeds=2, rank_seeds=-1)
    # Ranking by every seed is the default, so both spellings name one experiment.
    every = build_search_config(space="digits_cell", seeds=2, rank_seeds=2)
    assert every.rank_seeds == 0
    assert every.experiment_id() == build_search_config(space="digits_cell", seeds=2).experiment_id()
    assert build_search_config(space="digits_cell", seeds=2, rank_seeds=1).experiment_id() != every.experiment_id()


def test_rank_seeds_left_out_of_earlier_ids():
    """Experiments stored before rank_seeds existed keep their ids: the default is not hashed."""
    import dataclasses
    import hashlib
    import json

    config = build_search_config(space="digits_cell", seeds=2)
    fields = dataclasses.asdict(config)
    del fields["rank_seeds"]
    payload = json.dumps(fields, sort_keys=True, default=str)
    assert config.experiment_id() == hashlib.sha1(payload.encode()).hexdigest()[:12]

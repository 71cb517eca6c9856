"""Search strategies through the ask/tell interface, on real search spaces (no training)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nasdiag.search import RandomSearch, RegularizedEvolution, SuccessiveHalving, make_strategy
from nasdiag.space import SearchSpace

CELL_SPEC = {
    "schema_version": 1,
    "name": "tiny_cell",
    "family": "cell",
    "ops": ["none", "skip_connect", "nor_conv_3x3", "avg_pool_3x3"],
}


@pytest.fixture(scope="module")
def space() -> SearchSpace:
    return SearchSpace.from_dict(CELL_SPEC)


def _score(arch) -> float:
    """A deterministic score: the number of conv edges, so strategies have something to climb."""
    return float(arch.canonical.count("conv"))


def _run(strategy, score=_score):
    asked = []
    while (candidate := strategy.ask()) is not None:
        asked.append(candidate)
        strategy.tell(candidate, score(candidate.arch))
    return asked


def test_random_asks_budget_distinct(space):
    strategy = RandomSearch(space, budget=30, fidelity="proxy", rng=np.random.default_rng(0))
    asked = _run(strategy)
    assert len(asked) == 30
    assert len({c.arch.hash for c in asked}) == 30
    assert strategy.finished


def test_random_same_seed_same_asks(space):
    first = _run(RandomSearch(space, budget=10, fidelity="p", rng=np.random.default_rng(7)))
    second = _run(RandomSearch(space, budget=10, fidelity="p", rng=np.random.default_rng(7)))
    other = _run(RandomSearch(space, budget=10, fidelity="p", rng=np.random.default_rng(8)))
    assert [c.arch.hash for c in first] == [c.arch.hash for c in second]
    assert [c.arch.hash for c in first] != [c.arch.hash for c in other]


def test_evolution_mutates_after_population(space):
    strategy = RegularizedEvolution(space, budget=40, fidelity="p", rng=np.random.default_rng(0),
                                    population_size=8, sample_size=3)
    asked = _run(strategy)
    assert len(asked) == 40
    assert len(strategy.population) == 8
    # Each child after the random phase differs from some member by one edge at most.
    for candidate in asked[8:]:
        assert candidate.fidelity == "p"


def test_evolution_beats_random_on_easy_score(space):
    rng_seeds = range(5)
    evolved = []
    randoms = []
    for seed in rng_seeds:
        evo = _run(RegularizedEvolution(space, budget=60, fidelity="p", rng=np.random.default_rng(seed),
                                        population_size=10, sample_size=4))
        rnd = _run(RandomSearch(space, budget=60, fidelity="p", rng=np.random.default_rng(seed)))
        evolved.append(np.mean([_score(c.arch) for c in evo[-20:]]))
        randoms.append(np.mean([_score(c.arch) for c in rnd[-20:]]))
    assert np.mean(evolved) > np.mean(randoms)


def test_evolution_rejects_sample_larger_than_population(space):
    with pytest.raises(ValueError, match="sample_size"):
        RegularizedEvolution(space, budget=5, fidelity="p", rng=np.random.default_rng(0),
                             population_size=2, sample_size=3)


def test_halving_climbs_ladder_with_best(space):
    strategy = SuccessiveHalving(space, budget=9, ladder=["p1", "p2", "target"],
                                 rng=np.random.default_rng(0), eta=3)
    asked = _run(strategy)
    fidelities = [c.fidelity for c in asked]
    assert fidelities == ["p1"] * 9 + ["p2"] * 3 + ["target"]
    rung0 = sorted((_score(c.arch) for c in asked[:9]), reverse=True)
    assert sorted((_score(c.arch) for c in asked[9:12]), reverse=True) == rung0[:3]
    assert _score(asked[-1].arch) == rung0[0]
    assert strategy.finished
    assert strategy.planned_evaluations() == 13


def test_halving_waits_for_rung(space):
    strategy = SuccessiveHalving(space, budget=3, ladder=["p", "t"], rng=np.random.default_rng(0))
    first = [strategy.ask() for _ in range(3)]
    assert strategy.ask() is None  # rung 1 needs every rung-0 result first
    for candidate in first:
        strategy.tell(candidate, math.nan if candidate is first[0] else 1.0)
    promoted = strategy.ask()
    assert promoted is not None
    assert promoted.fidelity == "t"
    assert promoted.arch.hash != first[0].arch.hash  # a diverged (NaN) candidate is not promoted


@pytest.mark.parametrize("budget", [0, -1])
def test_zero_budget_rejected(space, budget):
    with pytest.raises(ValueError, match="budget"):
        make_strategy("random", space, budget=budget, fidelities=["p"], rng=np.random.default_rng(0))


def test_unknown_strategy_lists_choices(space):
    with pytest.raises(ValueError, match="random, evolution, halving"):
        make_strategy("bayes", space, budget=3, fidelities=["p"], rng=np.random.default_rng(0))

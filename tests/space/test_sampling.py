from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import stats

from nasdiag.space import SearchSpace


def chain_space(stages) -> SearchSpace:
    return SearchSpace.from_dict({"schema_version": 1, "family": "chain", "name": "tiny", "stages": stages})


# 2 widths * (2 + 2**2) ops = 12 architectures, with unequal counts per depth, so a sampler
# that draws the depth uniformly would fail the test.
TINY_CHAIN = [{"depth": [1, 2], "width": [8, 16], "ops": ["conv_3x3", "skip_connect"]}]
TINY_CELL = {
    "schema_version": 1,
    "family": "cell",
    "name": "tiny_cell",
    "ops": ["skip_connect", "nor_conv_3x3"],
    "edge_ops": {"2<-1": ["none", "skip_connect", "nor_conv_3x3"]},
}


def _chi_square_p(space: SearchSpace, draws: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    counts = Counter(tuple(space.sample(rng).choices) for _ in range(draws))
    members = [tuple(a.choices) for a in space.enumerate()]
    assert set(counts) <= set(members)
    observed = [counts.get(member, 0) for member in members]
    return stats.chisquare(observed).pvalue


def test_chain_sampling_is_uniform():
    space = chain_space(TINY_CHAIN)
    assert space.cardinality() == 12
    assert _chi_square_p(space, draws=6000, seed=0) > 0.01


def test_cell_sampling_is_uniform_over_choices():
    space = SearchSpace.from_dict(TINY_CELL)
    assert space.cardinality() == 2**5 * 3
    assert _chi_square_p(space, draws=9600, seed=1) > 0.01


def test_biased_sampler_fails_the_check():
    # Draw depth uniformly instead of in proportion to its count: the test above must catch it.
    space = chain_space(TINY_CHAIN)
    rng = np.random.default_rng(0)
    members = [tuple(a.choices) for a in space.enumerate()]
    counts = Counter()
    for _ in range(6000):
        depth = int(rng.integers(1, 3))
        width = (8, 16)[int(rng.integers(2))]
        ops = tuple(("conv_3x3", "skip_connect")[int(i)] for i in rng.integers(2, size=depth))
        counts[((depth, width, ops),)] += 1
    assert stats.chisquare([counts.get(m, 0) for m in members]).pvalue < 1e-6


def test_same_seed_same_samples(nb201_space):
    chain = SearchSpace.from_dict(
        {"schema_version": 1, "family": "chain", "name": "c", "stages": TINY_CHAIN * 3}
    )
    for space in (nb201_space, chain):
        rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
        a = [space.sample(rng_a) for _ in range(50)]
        b = [space.sample(rng_b) for _ in range(50)]
        assert a == b


def test_other_seed_other_samples(nb201_space):
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(8)
    a = [nb201_space.sample(rng_a).choices for _ in range(50)]
    b = [nb201_space.sample(rng_b).choices for _ in range(50)]
    assert a != b


def test_mutation_is_seeded(nb201_space):
    parent = nb201_space.sample(np.random.default_rng(0))
    first = [nb201_space.mutate(parent, np.random.default_rng(5)).choices for _ in range(3)]
    assert len(set(first)) == 1
    children = {nb201_space.mutate(parent, np.random.default_rng(seed)).choices for seed in range(20)}
    assert len(children) > 1

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nasdiag.space import ArchitectureParseError, OutOfSpaceError, SearchSpace
from nasdiag.space.chain import format_chain, parse_chain


def chain_space(stages, **overrides) -> SearchSpace:
    return SearchSpace.from_dict({"schema_version": 1, "family": "chain", "name": "test_chain", "stages": stages, **overrides})


def stage(depth, width, ops, stride=1):
    return {"depth": depth, "width": width, "ops": ops, "stride": stride}


SMALL_SPACES = [
    [stage([1], [8], ["conv_3x3"])],
    [stage([1, 2], [8, 16], ["conv_3x3", "skip_connect"])],
    [stage([1, 3], [8], ["conv_3x3", "conv_5x5", "max_pool_3x3"]), stage([2], [4, 8, 12], ["sep_conv_3x3", "avg_pool_3x3"], 2)],
]


@pytest.mark.parametrize("stages", SMALL_SPACES)
def test_cardinality_matches_enumeration(stages):
    space = chain_space(stages)
    archs = list(space.enumerate())
    assert len(archs) == space.cardinality()
    assert len({a.canonical for a in archs}) == len(archs)
    assert space.distinct_cardinality() == space.cardinality()


def test_cardinality_formula():
    # Stage 0: 1 width * (3**1 + 3**3) op choices; stage 1: 3 widths * 2**2.
    expected = (1 * (3**1 + 3**3)) * (3 * 2**2)
    assert chain_space(SMALL_SPACES[2]).cardinality() == expected


def test_cardinality_is_exact_for_huge_space():
    ops = ["conv_1x1", "conv_3x3", "conv_5x5", "conv_7x7", "sep_conv_3x3", "skip_connect"]
    space = chain_space([stage([1, 2, 3, 4, 5, 6, 7, 8], [8, 16, 32], ops)] * 6)
    per_stage = sum(3 * 6**d for d in range(1, 9))
    assert space.cardinality() == per_stage**6
    assert space.cardinality() > 2**64


def test_format_and_parse_round_trip():
    stages = ((2, 16, ("conv_3x3", "conv_5x5")), (1, 32, ("sep_conv_3x3",)))
    text = format_chain(stages)
    assert text == "chain:s0[d2,w16:conv_3x3,conv_5x5]|s1[d1,w32:sep_conv_3x3]"
    assert parse_chain(text) == stages


@pytest.mark.parametrize(
    "text",
    [
        "s0[d1,w8:conv_3x3]",
        "chain:",
        "chain:s0[d2,w8:conv_3x3]",
        "chain:s1[d1,w8:conv_3x3]",
        "chain:s0[d1,w8:conv_3x3]s1[d1,w8:conv_3x3]",
        "chain:s0[d1;w8:conv_3x3]",
        "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ],
)
def test_parse_rejects_malformed(text):
    space = chain_space([stage([1, 2], [8], ["conv_3x3"])])
    with pytest.raises(ArchitectureParseError):
        space.parse(text)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("chain:s0[d3,w8:conv_3x3,conv_3x3,conv_3x3]", "stages[0].depth", 3),
        ("chain:s0[d1,w9:conv_3x3]", "stages[0].width", 9),
        ("chain:s0[d2,w8:conv_3x3,conv_7x7]", "stages[0].ops[1]", "conv_7x7"),
        ("chain:s0[d1,w8:conv_3x3]|s1[d1,w8:conv_3x3]", "stages", 2),
    ],
)
def test_parse_rejects_out_of_space(text, field, value):
    space = chain_space([stage([1, 2], [8], ["conv_3x3", "skip_connect"])])
    with pytest.raises(OutOfSpaceError) as info:
        space.parse(text)
    assert info.value.field == field
    assert info.value.value == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chain:s0[d2,w8:conv_3x3,skip_connect]|s1[d1,w16:conv_3x3]", 0),
        ("chain:s0[d2,w8:conv_3x3,conv_7x7]|s1[d1,w16:conv_3x3]", 1),  # one op
        ("chain:s0[d2,w12:conv_3x3,conv_7x7]|s1[d1,w16:conv_3x3]", 2),  # width and one op
        ("chain:s0[d3,w8:conv_3x3,conv_3x3,conv_3x3]|s1[d1,w16:conv_3x3]", 1),  # drop a block
        ("chain:s0[d3,w8:conv_7x7,conv_7x7,conv_7x7]|s1[d1,w16:conv_3x3]", 2),  # d1: depth + op
        ("chain:s0[d1,w8:conv_3x3]|s1[d2,w16:conv_3x3,conv_3x3]", 1),  # s1 depth
        ("chain:s0[d1,w8:conv_3x3]", 3),  # missing s1: depth, width, one op
        ("chain:s0[d1,w8:conv_3x3]|s1[d1,w16:conv_3x3]|s2[d1,w8:conv_3x3]", 1),  # extra stage
    ],
)
def test_distance(text, expected):
    space = chain_space([stage([1, 2], [8], ["conv_3x3", "skip_connect"]), stage([1], [16], ["conv_3x3"], 2)])
    assert space.distance(text) == expected
    assert space.contains(text) == (expected == 0)


def test_distance_of_member_architecture_is_zero():
    space = chain_space(SMALL_SPACES[2])
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert space.distance(space.sample(rng)) == 0


def test_ops_used_sorted_and_unique():
    space = chain_space(SMALL_SPACES[2])
    arch = space.parse("chain:s0[d3,w8:max_pool_3x3,conv_3x3,max_pool_3x3]|s1[d2,w4:sep_conv_3x3,avg_pool_3x3]")
    assert arch.ops_used == ("avg_pool_3x3", "conv_3x3", "max_pool_3x3", "sep_conv_3x3")


def test_mutate_changes_exactly_one_choice():
    space = chain_space(SMALL_SPACES[2])
    rng = np.random.default_rng(11)
    kinds = set()
    for _ in range(300):
        parent = space.sample(rng)
        child = space.mutate(parent, rng)
        diffs = []
        for index, ((d0, w0, o0), (d1, w1, o1)) in enumerate(zip(parent.choices, child.choices, strict=True)):
            if d0 != d1:
                diffs.append((index, "depth"))
                # A depth change keeps the shared prefix of blocks.
                shared = min(d0, d1)
                assert o0[:shared] == o1[:shared]
            if w0 != w1:
                diffs.append((index, "width"))
            if d0 == d1:
                diffs.extend((index, "op", i) for i in range(d0) if o0[i] != o1[i])
        assert len(diffs) == 1
        kinds.add(diffs[0][1])
        assert space.contains(child)
    assert kinds == {"depth", "width", "op"}


def test_mutate_single_architecture_space_raises():
    space = chain_space([stage([1], [8], ["conv_3x3"])])
    arch = space.sample(np.random.default_rng(0))
    with pytest.raises(ValueError, match="single architecture"):
        space.mutate(arch, np.random.default_rng(0))


def test_enumerate_order_is_fixed():
    space = chain_space(SMALL_SPACES[1])
    first = [a.canonical for a in space.enumerate()]
    second = [a.canonical for a in space.enumerate()]
    assert first == second
    assert first[0] == "chain:s0[d1,w8:conv_3x3]"


def test_enumerate_all_stage_options():
    space = chain_space(SMALL_SPACES[1])
    expected = {
        format_chain(((d, w, ops),))
        for d in (1, 2)
        for w in (8, 16)
        for ops in itertools.product(["conv_3x3", "skip_connect"], repeat=d)
    }
    assert {a.canonical for a in space.enumerate()} == expected

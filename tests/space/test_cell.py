from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from nasdiag.space import ArchitectureParseError, OutOfSpaceError, SearchSpace
from nasdiag.space import cell as cell_module
from nasdiag.space.cell import format_cell, parse_cell, unique_key


def cell_spec(**overrides):
    return {"schema_version": 1, "family": "cell", "name": "test_cell", **overrides}

ALL_CONV = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ZERO_CELL = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


def test_nb201_cardinality(nb201_space):
    assert nb201_space.cardinality() == 15625


def test_nb201_distinct_matches_published_count(nb201_space):
    # NAS-Bench-201 (Dong and Yang, ICLR 2020) and NATS-Bench report 6,466 unique topologies
    # among the 15,625 cells.
    assert nb201_space.distinct_cardinality() == 6466


def test_enumerate_nb201_is_fast():
    space = SearchSpace.from_dict(cell_spec(name="fresh"))  # no warm cache
    start = time.perf_counter()
    archs = list(space.enumerate())
    elapsed = time.perf_counter() - start
    assert len(archs) == 15625
    assert len({a.canonical for a in archs}) == 6466
    assert len({a.hash for a in archs}) == 6466
    assert elapsed < 2.0


def test_canonical_is_member_and_fixed_point(nb201_space):
    for arch in nb201_space.enumerate():
        again = nb201_space.parse(arch.canonical)
        assert again.canonical == arch.canonical
        assert unique_key(parse_cell(arch.canonical)) == unique_key(arch.choices)


def test_dead_edge_out_of_dead_node_is_ignored(nb201_space):
    # Node 1 receives only `none`, so whatever leaves node 1 is zero.
    first = nb201_space.parse("|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|")
    second = nb201_space.parse("|none~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")
    assert first.canonical == second.canonical
    assert first.hash == second.hash
    assert first.canonical == "|none~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"


def test_unused_node_input_is_ignored(nb201_space):
    # Nothing reads node 1 (edges 2<-1 and 3<-1 are none), so its input edge is free.
    first = nb201_space.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|")
    second = nb201_space.parse("|avg_pool_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|")
    assert first.hash == second.hash
    assert first.ops_used == ("nor_conv_1x1", "nor_conv_3x3", "skip_connect")


def test_swap_behind_skip_merges(nb201_space):
    # Node 1 is a skip of the input, so edges 2<-0 and 2<-1 see the same tensor.
    first = nb201_space.parse("|skip_connect~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|")
    second = nb201_space.parse("|skip_connect~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|")
    assert first.hash == second.hash


def test_node_swap_at_output_merges(nb201_space):
    # Node 3 sums its inputs, so exchanging what reaches it from nodes 0 and 1 (when node 1
    # is a skip of the input) gives the same cell.
    first = nb201_space.parse("|skip_connect~0|+|none~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|")
    second = nb201_space.parse("|skip_connect~0|+|none~0|none~1|+|nor_conv_3x3~0|nor_conv_1x1~1|none~2|")
    assert first.hash == second.hash


def test_plain_relabel_stays_distinct(nb201_space):
    # The NAS-Bench-201 rule keeps zero terms, so node 2 (two inputs, one none) is not a
    # relabelled node 1; matching the published 6,466 depends on this.
    first = nb201_space.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|skip_connect~1|skip_connect~2|")
    second = nb201_space.parse("|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|skip_connect~2|")
    assert first.hash != second.hash


def test_zero_cell_canonical(nb201_space):
    arch = nb201_space.parse("|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|none~0|none~1|none~2|")
    assert arch.canonical == ZERO_CELL
    assert arch.ops_used == ()


def test_all_conv_cell_is_its_own_canonical(nb201_space):
    arch = nb201_space.parse(ALL_CONV)
    assert arch.canonical == ALL_CONV
    assert arch.ops_used == ("nor_conv_3x3",)
    assert len(arch.hash) == 12
    int(arch.hash, 16)


def test_hash_is_stable_across_spaces(nb201_space):
    other = SearchSpace.from_dict(cell_spec(name="other", stages=2, cells_per_stage=3))
    text = "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|"
    assert other.parse(text).hash == nb201_space.parse(text).hash


def test_class_search_matches_table(monkeypatch):
    # Spaces above the table limit search each class on demand; both paths must agree.
    table_space = SearchSpace.from_dict(cell_spec(name="table"))
    monkeypatch.setattr(cell_module, "_TABLE_LIMIT", 0)
    search_space = SearchSpace.from_dict(cell_spec(name="search"))
    for ops in itertools.islice(itertools.product(*search_space.typed_spec.edge_ops), 0, None, 37):
        text = format_cell(ops)
        assert search_space.parse(text).canonical == table_space.parse(text).canonical


def test_parse_round_trip(nb201_space):
    text = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    ops = parse_cell(text)
    assert ops == ("nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_1x1")
    assert format_cell(ops) == text
    assert nb201_space.parse(text).choices == ops


@pytest.mark.parametrize(
    "text",
    [
        "",
        "|nor_conv_3x3~0|+|none~0|none~1|",
        "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|",
        "|nor_conv_3x3~1|+|none~0|none~1|+|none~0|none~1|none~2|",
        "nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|nor_conv_3x3|+|none~0|none~1|+|none~0|none~1|none~2|",
        "chain:s0[d1,w8:conv_3x3]",
    ],
)
def test_parse_rejects_malformed(nb201_space, text):
    with pytest.raises(ArchitectureParseError):
        nb201_space.parse(text)


def test_parse_rejects_out_of_space_op(nb201_space):
    text = "|sep_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    with pytest.raises(OutOfSpaceError) as info:
        nb201_space.parse(text)
    assert info.value.field == "edge 1<-0"
    assert info.value.value == "sep_conv_3x3"
    assert "nor_conv_3x3" in str(info.value)


def test_parse_accepts_conv_alias(nb201_space):
    arch = nb201_space.parse("|conv_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|")
    assert arch.choices[0] == "nor_conv_3x3"


def test_distance_counts_foreign_edges(nb201_space):
    assert nb201_space.distance(ALL_CONV) == 0
    assert nb201_space.contains(ALL_CONV)
    text = "|sep_conv_3x3~0|+|dil_conv_3x3~0|none~1|+|none~0|skip_connect~1|max_pool_3x3~2|"
    assert nb201_space.distance(text) == 3
    assert not nb201_space.contains(text)


def test_per_edge_op_sets():
    space = SearchSpace.from_dict(
        cell_spec(ops=["skip_connect", "nor_conv_3x3"], edge_ops={"3<-0": ["none", "skip_connect", "nor_conv_1x1"]})
    )
    assert space.cardinality() == 2**5 * 3
    archs = list(space.enumerate())
    assert len(archs) == space.cardinality()
    assert {a.choices[3] for a in archs} == {"none", "skip_connect", "nor_conv_1x1"}
    assert space.ops == ("skip_connect", "nor_conv_3x3", "none", "nor_conv_1x1")
    with pytest.raises(OutOfSpaceError):
        space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")


def test_distinct_count_without_none():
    # Without none or skip_connect nothing merges: every cell is its own class.
    space = SearchSpace.from_dict(cell_spec(ops=["nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]))
    assert space.distinct_cardinality() == 3**6


def test_distinct_count_rejects_huge_space(monkeypatch):
    monkeypatch.setattr(cell_module, "_COUNT_LIMIT", 100)
    space = SearchSpace.from_dict(cell_spec(name="big"))
    with pytest.raises(ValueError, match="enumeration limit"):
        space.distinct_cardinality()


def test_mutate_changes_one_edge_and_the_class(nb201_space):
    rng = np.random.default_rng(3)
    for _ in range(200):
        parent = nb201_space.sample(rng)
        child = nb201_space.mutate(parent, rng)
        changed = [i for i in range(6) if parent.choices[i] != child.choices[i]]
        assert len(changed) == 1
        assert child.hash != parent.hash

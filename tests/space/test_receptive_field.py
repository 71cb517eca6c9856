from __future__ import annotations

import pytest

from nasdiag.space import OutOfSpaceError, SearchSpace
from nasdiag.space.receptive_field import path_receptive_field


def chain(stages, stem_kernel=1, dims=2) -> SearchSpace:
    return SearchSpace.from_dict(
        {"schema_version": 1, "family": "chain", "name": "rf", "stem_kernel": stem_kernel, "dims": dims, "stages": stages}
    )


def one_stage(ops, stride=1):
    return {"depth": [len(ops)], "width": [8], "ops": sorted(set(ops)), "stride": stride}


def rf_of(space: SearchSpace, text: str, input_size: int = 8) -> int:
    return space.receptive_field(space.parse(text), input_size)


def test_path_three_3x3_convs():
    assert path_receptive_field([(3, 1)] * 3) == (7, 1)


def test_chain_three_conv3x3_with_1x1_stem():
    space = chain([one_stage(["conv_3x3"] * 3)])
    assert rf_of(space, "chain:s0[d3,w8:conv_3x3,conv_3x3,conv_3x3]") == 7


def test_chain_stem_kernel_counts():
    space = chain([one_stage(["conv_3x3"] * 3)], stem_kernel=3)
    assert rf_of(space, "chain:s0[d3,w8:conv_3x3,conv_3x3,conv_3x3]") == 9


def test_chain_stride_between_stages():
    # conv (r 3, j 1) | stride-2 conv (r 5, j 2) | conv (r 5 + 2*2 = 9).
    space = chain([one_stage(["conv_3x3"]), one_stage(["conv_3x3", "conv_3x3"], stride=2)])
    assert rf_of(space, "chain:s0[d1,w8:conv_3x3]|s1[d2,w8:conv_3x3,conv_3x3]") == 9


def test_chain_dilated_conv3x3_is_5():
    space = chain([one_stage(["dil_conv_3x3"])])
    assert rf_of(space, "chain:s0[d1,w8:dil_conv_3x3]") == 5


def test_chain_dilated_conv5x5_is_9():
    space = chain([one_stage(["dil_conv_5x5"])])
    assert rf_of(space, "chain:s0[d1,w8:dil_conv_5x5]") == 9


def test_chain_pools_count_and_skips_do_not():
    space = chain([one_stage(["max_pool_3x3", "skip_connect", "sep_conv_7x7"])])
    assert rf_of(space, "chain:s0[d3,w8:max_pool_3x3,skip_connect,sep_conv_7x7]") == 1 + 2 + 0 + 6


def test_chain_strided_skip_still_multiplies_jump():
    # skip (1x1, stride 2: r 1, j 2) | conv_3x3 (r 1 + 2*2 = 5).
    space = chain([one_stage(["skip_connect"], stride=2), one_stage(["conv_3x3"])])
    assert rf_of(space, "chain:s0[d1,w8:skip_connect]|s1[d1,w8:conv_3x3]") == 5


def test_chain_1d_kernel_5():
    space = chain([one_stage(["conv_5x5", "conv_5x5"])], stem_kernel=3, dims=1)
    assert rf_of(space, "chain:s0[d2,w8:conv_5x5,conv_5x5]", input_size=40) == 3 + 4 + 4


def test_rf_is_not_capped_at_input_size():
    space = chain([one_stage(["conv_7x7"] * 3)])
    assert rf_of(space, "chain:s0[d3,w8:conv_7x7,conv_7x7,conv_7x7]", input_size=8) == 19


def cell_space(**overrides) -> SearchSpace:
    spec = {"schema_version": 1, "family": "cell", "name": "rf_cell", "stages": 1, "cells_per_stage": 1}
    spec.update(overrides)
    return SearchSpace.from_dict(spec)


def test_cell_only_skips_is_stem_rf():
    space = cell_space()
    text = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
    assert rf_of(space, text) == 3


def test_cell_longest_path_wins():
    # Path 0 -> 1 -> 2 -> 3 through three 3x3 convs grows by 6; the stem adds 2.
    space = cell_space()
    text = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
    assert rf_of(space, text) == 1 + 2 + 6


def test_cell_ignores_edges_from_dead_nodes():
    # Node 1 is cut off from the input, so its 3x3 convs cannot grow the field.
    space = cell_space()
    text = "|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|none~2|"
    assert rf_of(space, text) == 3 + 2


def test_cell_zero_cell_is_zero():
    space = cell_space()
    assert rf_of(space, "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|") == 0


def test_cell_macro_with_reductions():
    # stem 3x3: r 3. Stage 0, two cells of growth 2: r 7. Reduction: r 9, jump 2, r 13.
    # Stage 1, two cells: r 13 + 2 * 2 * 2 = 21.
    space = cell_space(stages=2, cells_per_stage=2)
    text = "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"
    assert rf_of(space, text) == 21


def test_input_size_must_be_positive():
    space = cell_space()
    arch = space.parse("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    with pytest.raises(ValueError, match="input_size"):
        space.receptive_field(arch, 0)


def test_rf_of_other_family_raises():
    cells = cell_space()
    chains = chain([one_stage(["conv_3x3"])])
    with pytest.raises(OutOfSpaceError):
        cells.receptive_field(chains.parse("chain:s0[d1,w8:conv_3x3]"), 8)

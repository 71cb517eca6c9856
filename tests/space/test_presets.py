from __future__ import annotations

import pytest

from nasdiag.space import list_presets, load_baselines, load_preset_space

ALL_CONV = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_required_presets_exist():
    required = {"digits_cell", "digits_chain", "digits_chain_narrow", "mnist1d_chain", "mnist1d_chain_narrow", "nb201"}
    assert required <= set(list_presets())


@pytest.mark.parametrize("name", ["digits_cell", "digits_chain", "digits_chain_narrow", "mnist1d_chain", "mnist1d_chain_narrow", "nb201"])
def test_preset_loads_with_its_name(name):
    space = load_preset_space(name)
    assert space.name == name
    assert space.cardinality() >= 1


def test_digits_cell_is_small_nb201():
    space = load_preset_space("digits_cell")
    assert space.ops == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    assert (space.spec["stem_channels"], space.spec["cells_per_stage"], space.spec["stages"]) == (16, 1, 3)


def test_narrow_spaces_are_narrow():
    digits = load_preset_space("digits_chain_narrow")
    mnist1d = load_preset_space("mnist1d_chain_narrow")
    for space, input_size in ((digits, 8), (mnist1d, 40)):
        assert space.ops == ("conv_3x3",)
        assert all(stage["depth"] == [1] for stage in space.spec["stages"])
        for arch in space.enumerate(limit=100):
            assert space.receptive_field(arch, input_size) < input_size
    assert mnist1d.dims == 1


def test_rich_mnist1d_space_can_see_whole_input():
    space = load_preset_space("mnist1d_chain")
    assert space.dims == 1
    assert {"conv_3x3", "conv_5x5", "conv_7x7", "dil_conv_3x3"} <= set(space.ops)
    assert max(max(stage["depth"]) for stage in space.spec["stages"]) == 3
    deepest = "chain:" + "|".join(f"s{i}[d3,w32:conv_7x7,conv_7x7,conv_7x7]" for i in range(3))
    assert space.receptive_field(space.parse(deepest), 40) > 40


def test_unknown_preset_lists_available():
    with pytest.raises(ValueError, match="digits_cell"):
        load_preset_space("nope")


@pytest.mark.parametrize("task", ["digits", "mnist1d"])
def test_baselines_are_members_of_their_space(task):
    baselines = load_baselines(task)
    assert baselines
    for baseline in baselines:
        assert baseline.space.contains(baseline.arch_string)
        assert baseline.space.parse(baseline.arch_string).canonical == baseline.arch_string
        assert baseline.description


def test_digits_baselines():
    baselines = {b.name: b for b in load_baselines("digits")}
    assert baselines["all_conv3x3_cell"].arch_string == ALL_CONV
    assert baselines["all_conv3x3_cell"].space.name == "digits_cell"
    assert baselines["resnet_chain"].space.family == "chain"
    assert baselines["resnet_chain"].space.spec["residual"] is True


def test_mnist1d_baseline_sees_whole_input():
    (baseline,) = load_baselines("mnist1d")
    arch = baseline.space.parse(baseline.arch_string)
    assert baseline.space.receptive_field(arch, 40) >= 40


def test_unknown_task_lists_tasks():
    with pytest.raises(ValueError, match="digits, mnist1d"):
        load_baselines("cifar")

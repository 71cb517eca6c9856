from __future__ import annotations

import copy

import pytest

from nasdiag.space import SearchSpace, SpaceValidationError

CHAIN = {
    "schema_version": 1,
    "family": "chain",
    "name": "valid_chain",
    "stages": [
        {"depth": [1, 2], "width": [8], "ops": ["conv_3x3", "conv_5x5"], "stride": 1},
        {"depth": [1], "width": [16], "ops": ["conv_1x1", "conv_3x3", "skip_connect"], "stride": 2},
    ],
}
CELL = {"schema_version": 1, "family": "cell", "name": "valid_cell"}


def edited(base, path, value):
    """Copy `base` and set (or, with value ..., delete) the item at `path`."""
    spec = copy.deepcopy(base)
    target = spec
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return spec


def rejected(spec) -> SpaceValidationError:
    with pytest.raises(SpaceValidationError) as info:
        SearchSpace.from_dict(spec)
    assert isinstance(info.value, ValueError)
    return info.value


def test_valid_specs_load():
    assert SearchSpace.from_dict(CHAIN).family == "chain"
    assert SearchSpace.from_dict(CELL).family == "cell"


def test_unknown_op_names_path_value_and_allowed():
    error = rejected(edited(CHAIN, ["stages", 1, "ops", 2], "conv3x3"))
    assert error.field == "stages[1].ops[2]"
    assert error.value == "conv3x3"
    assert "conv_1x1" in error.allowed and "conv_3x3" in error.allowed
    assert str(error).startswith("stages[1].ops[2]: unknown op 'conv3x3'; allowed: ")


def test_empty_op_set():
    error = rejected(edited(CHAIN, ["stages", 0, "ops"], []))
    assert error.field == "stages[0].ops"
    assert "empty op set" in str(error)


def test_cell_empty_op_set():
    assert rejected(edited(CELL, ["ops"], [])).field == "ops"


def test_none_rejected_in_chain():
    error = rejected(edited(CHAIN, ["stages", 0, "ops", 1], "none"))
    assert error.field == "stages[0].ops[1]"
    assert "only allowed in the cell family" in str(error)


def test_none_allowed_in_cell():
    assert "none" in SearchSpace.from_dict(edited(CELL, ["ops"], ["none", "conv_3x3"])).ops


def test_unknown_family():
    error = rejected(edited(CHAIN, ["family"], "graph"))
    assert error.field == "family"
    assert error.value == "graph"
    assert "cell" in error.allowed and "chain" in error.allowed


def test_unsupported_schema_version():
    error = rejected(edited(CELL, ["schema_version"], 2))
    assert error.field == "schema_version"
    assert error.value == 2


def test_missing_schema_version():
    assert rejected(edited(CELL, ["schema_version"], ...)).field == "schema_version"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (["name"], "name"),
        (["family"], "family"),
        (["stages"], "stages"),
        (["stages", 0, "depth"], "stages[0].depth"),
        (["stages", 1, "width"], "stages[1].width"),
        (["stages", 1, "ops"], "stages[1].ops"),
    ],
)
def test_missing_fields(path, field):
    error = rejected(edited(CHAIN, path, ...))
    assert error.field == field
    assert "missing field" in str(error)


def test_depth_below_one():
    error = rejected(edited(CHAIN, ["stages", 0, "depth"], [0, 1]))
    assert error.field == "stages[0].depth[0]"
    assert error.value == 0


def test_width_below_one():
    assert rejected(edited(CHAIN, ["stages", 0, "width"], [8, -4])).field == "stages[0].width[1]"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["stages", 0, "depth"], "2", "stages[0].depth"),
        (["stages", 0, "depth"], [1, 2.5], "stages[0].depth[1]"),
        (["stages", 0, "depth"], [True], "stages[0].depth[0]"),
        (["stages", 0, "ops"], "conv_3x3", "stages[0].ops"),
        (["stages", 0, "ops"], [3], "stages[0].ops[0]"),
        (["stages", 0], "conv_3x3", "stages[0]"),
        (["stages"], [], "stages"),
        (["stages"], {"depth": [1]}, "stages"),
        (["stem_channels"], 16.0, "stem_channels"),
        (["stem_kernel"], 4, "stem_kernel"),
        (["dims"], 3, "dims"),
        (["residual"], "yes", "residual"),
        (["name"], "", "name"),
        (["description"], 5, "description"),
    ],
)
def test_wrong_types_and_values(path, value, field):
    assert rejected(edited(CHAIN, path, value)).field == field


def test_invalid_stride():
    error = rejected(edited(CHAIN, ["stages", 1, "stride"], 3))
    assert error.field == "stages[1].stride"
    assert error.allowed == "1, 2"


def test_duplicate_values():
    assert rejected(edited(CHAIN, ["stages", 0, "ops"], ["conv_3x3", "conv_3x3"])).field == "stages[0].ops"
    assert rejected(edited(CHAIN, ["stages", 0, "width"], [8, 8])).field == "stages[0].width"


def test_unknown_top_level_field():
    error = rejected(edited(CHAIN, ["stagse"], []))
    assert error.field == "stagse"
    assert "stages" in error.allowed


def test_unknown_stage_field():
    assert rejected(edited(CHAIN, ["stages", 0, "kernel"], 3)).field == "stages[0].kernel"


def test_cell_fields_rejected_in_chain():
    assert rejected(edited(CHAIN, ["cells_per_stage"], 2)).field == "cells_per_stage"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["stages"], 0, "stages"),
        (["stages"], [1], "stages"),
        (["cells_per_stage"], 0, "cells_per_stage"),
        (["ops", 1], "sep_conv3x3", "ops[1]"),
        (["edge_ops"], ["conv_3x3"], "edge_ops"),
        (["edge_ops"], {"3<-3": ["conv_3x3"]}, "edge_ops.3<-3"),
        (["edge_ops"], {"2<-1": []}, "edge_ops.2<-1"),
        (["edge_ops"], {"2<-1": ["bogus"]}, "edge_ops.2<-1[0]"),
    ],
)
def test_cell_invalid_fields(path, value, field):
    spec = edited(CELL, ["ops"], ["none", "skip_connect", "nor_conv_3x3"])
    assert rejected(edited(spec, path, value)).field == field


def test_spec_not_a_mapping():
    assert rejected(["family", "cell"]).field == "<spec>"


def test_invalid_yaml():
    with pytest.raises(SpaceValidationError) as info:
        SearchSpace.from_yaml("family: [cell\n")
    assert info.value.field == "<yaml>"

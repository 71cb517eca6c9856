from __future__ import annotations

import numpy as np
import pytest

from nasdiag.space import Architecture, ArchitectureParseError, SearchSpace, load_space

CHAIN = {
    "schema_version": 1,
    "family": "chain",
    "name": "demo",
    "stages": [{"depth": [1, 2], "width": [8], "ops": ["conv_3x3", "skip_connect"]}],
}


def test_spec_has_defaults_and_version():
    spec = SearchSpace.from_dict(CHAIN).spec
    assert spec["schema_version"] == 1
    assert spec["dims"] == 2
    assert spec["stem_kernel"] == 3
    assert spec["residual"] is False
    assert spec["stages"][0]["stride"] == 1


def test_cell_defaults_to_nb201_ops():
    space = SearchSpace.from_dict({"schema_version": 1, "family": "cell", "name": "c"})
    assert space.ops == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    assert space.spec["stages"] == 3
    assert space.spec["cells_per_stage"] == 1


def test_yaml_round_trip(tmp_path):
    space = SearchSpace.from_dict(CHAIN)
    again = SearchSpace.from_yaml(space.to_yaml())
    assert again == space
    assert again.hash == space.hash
    path = tmp_path / "space.yaml"
    path.write_text(space.to_yaml())
    assert load_space(path).spec == space.spec


def test_hash_is_stable_and_ignores_name():
    space = SearchSpace.from_dict(CHAIN)
    renamed = SearchSpace.from_dict({**CHAIN, "name": "other", "description": "same choices"})
    assert space.hash == renamed.hash
    assert len(space.hash) == 12
    # The hash covers the normalised spec: writing a default explicitly changes nothing.
    assert SearchSpace.from_dict({**CHAIN, "dims": 2}).hash == space.hash
    wider = {**CHAIN, "stages": [{**CHAIN["stages"][0], "width": [8, 16]}]}
    assert SearchSpace.from_dict(wider).hash != space.hash


def test_spec_is_a_copy():
    space = SearchSpace.from_dict(CHAIN)
    space.spec["stages"][0]["width"].append(99)
    assert space.spec["stages"][0]["width"] == [8]


def test_load_space_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        load_space(tmp_path / "nope.yaml")


def test_enumerate_limit():
    space = SearchSpace.from_dict(CHAIN)
    assert space.cardinality() == 2 + 4
    assert len(list(space.enumerate(limit=6))) == 6
    with pytest.raises(ValueError, match="more than limit=5"):
        space.enumerate(limit=5)


def test_architecture_to_dict():
    space = SearchSpace.from_dict(CHAIN)
    arch = space.parse("chain:s0[d2,w8:conv_3x3,skip_connect]")
    assert arch.to_dict() == {
        "family": "chain",
        "canonical": "chain:s0[d2,w8:conv_3x3,skip_connect]",
        "hash": arch.hash,
        "ops_used": ["conv_3x3", "skip_connect"],
        "choices": [[2, 8, ["conv_3x3", "skip_connect"]]],
    }


def test_architecture_is_frozen():
    arch = SearchSpace.from_dict(CHAIN).sample(np.random.default_rng(0))
    with pytest.raises(AttributeError):
        arch.canonical = "x"  # type: ignore[misc]


def test_contains_rejects_other_family(nb201_space):
    chain_arch = SearchSpace.from_dict(CHAIN).sample(np.random.default_rng(0))
    with pytest.raises(ArchitectureParseError):
        nb201_space.contains(chain_arch)
    with pytest.raises(ArchitectureParseError):
        nb201_space.contains("chain:s0[d1,w8:conv_3x3]")


def test_contains_accepts_architecture(nb201_space):
    arch = nb201_space.sample(np.random.default_rng(1))
    assert isinstance(arch, Architecture)
    assert nb201_space.contains(arch)
    assert nb201_space.contains(arch.canonical)

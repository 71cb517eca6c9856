from __future__ import annotations

import numpy as np
import pytest
import torch

from nasdiag.space import SearchSpace, load_preset_space
from nasdiag.train.model import build_model
from nasdiag.train.profile import count_flops, profile_architecture

TINY = {
    "schema_version": 1,
    "family": "chain",
    "name": "tiny",
    "stem_channels": 2,
    "stem_kernel": 1,
    "stages": [{"depth": [1], "width": [4], "ops": ["conv_3x3", "avg_pool_3x3"]}],
}


def test_tiny_chain_by_hand():
    space = SearchSpace.from_dict(TINY)
    arch = space.parse("chain:s0[d1,w4:conv_3x3]")
    profile = profile_architecture(arch, space, (1, 4, 4), num_classes=3)
    # Params: stem conv 1*2, stem BN 2*2, conv 2*4*9, BN 2*4, linear 4*3 + 3.
    assert profile.params == 2 + 4 + 72 + 8 + 15
    # FLOPs on a 4x4 map (16 positions): stem conv 2*1*1*2*16, stem BN 2*2*16,
    # conv 2*2*9*4*16, BN 2*4*16, global pool 4*16, linear 2*4*3 + 3.
    assert profile.flops == 64 + 64 + 2304 + 128 + 64 + 27
    assert profile.receptive_field == 3


def test_pool_with_channel_change_by_hand():
    space = SearchSpace.from_dict(TINY)
    arch = space.parse("chain:s0[d1,w4:avg_pool_3x3]")
    profile = profile_architecture(arch, space, (1, 4, 4), num_classes=3)
    # The pool adapts 2 -> 4 channels with ReLU-Conv1x1-BN first: conv 2*2*1*4*16, BN 2*4*16;
    # then the 3x3 average pool: 9 * 4 * 16.
    assert profile.params == 2 + 4 + 8 + 8 + 15
    assert profile.flops == 64 + 64 + 256 + 128 + 576 + 64 + 27


def test_1d_by_hand():
    spec = {**TINY, "dims": 1, "stages": [{"depth": [1], "width": [4], "ops": ["conv_5x5"], "stride": 2}]}
    space = SearchSpace.from_dict(spec)
    arch = space.parse("chain:s0[d1,w4:conv_5x5]")
    profile = profile_architecture(arch, space, (1, 10), num_classes=3)
    # Stem on 10 samples: conv 2*1*2*10, BN 2*2*10. Stride-2 kernel-5 conv to 5 samples:
    # 2*2*5*4*5, BN 2*4*5. Pool 4*5, linear 27.
    assert profile.flops == 40 + 40 + 400 + 40 + 20 + 27
    assert profile.params == 2 + 4 + 40 + 8 + 15
    assert profile.receptive_field == 5


@pytest.mark.parametrize(
    ("name", "shape"),
    [("digits_cell", (1, 8, 8)), ("digits_chain", (1, 8, 8)), ("mnist1d_chain", (1, 40))],
)
def test_params_equal_model_numel(name, shape):
    space = load_preset_space(name)
    rng = np.random.default_rng(2)
    for _ in range(3):
        arch = space.sample(rng)
        profile = profile_architecture(arch, space, shape, 10, width_mult=0.5)
        model = build_model(arch, space, shape, 10, width_mult=0.5)
        assert profile.params == sum(p.numel() for p in model.parameters())
        assert profile.flops > 0
        assert profile.receptive_field == space.receptive_field(arch, shape[-1])


def test_profile_leaves_global_rng_alone():
    space = load_preset_space("digits_chain")
    arch = space.sample(np.random.default_rng(0))
    torch.manual_seed(9)
    expected = torch.rand(3)
    torch.manual_seed(9)
    profile_architecture(arch, space, (1, 8, 8), 10)
    assert torch.equal(torch.rand(3), expected)


def test_count_flops_restores_training_mode():
    space = SearchSpace.from_dict(TINY)
    model = build_model(space.parse("chain:s0[d1,w4:conv_3x3]"), space, (1, 4, 4), 3)
    model.train()
    count_flops(model, (1, 4, 4))
    assert model.training

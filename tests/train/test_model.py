from __future__ import annotations

import numpy as np
import pytest
import torch

from nasdiag.space import OutOfSpaceError, SearchSpace, load_baselines, load_preset_space
from nasdiag.train.model import build_model

PRESET_SHAPES = {
    "digits_cell": (1, 8, 8),
    "digits_chain": (1, 8, 8),
    "digits_chain_narrow": (1, 8, 8),
    "mnist1d_chain": (1, 40),
    "mnist1d_chain_narrow": (1, 40),
}


@pytest.mark.parametrize("name", sorted(PRESET_SHAPES))
def test_sampled_models_run_forward_and_backward(name):
    space = load_preset_space(name)
    shape = PRESET_SHAPES[name]
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    for _ in range(4):
        model = build_model(space.sample(rng), space, shape, num_classes=10)
        out = model(torch.randn(3, *shape))
        assert out.shape == (3, 10)
        assert torch.isfinite(out).all()
        out.sum().backward()


@pytest.mark.parametrize("task", ["digits", "mnist1d"])
def test_baselines_build(task):
    shape = (1, 8, 8) if task == "digits" else (1, 40)
    for baseline in load_baselines(task):
        model = build_model(baseline.space.parse(baseline.arch_string), baseline.space, shape, 10)
        assert model(torch.randn(2, *shape)).shape == (2, 10)


def test_cell_model_on_odd_input_size():
    space = load_preset_space("digits_cell")
    arch = space.parse("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|")
    model = build_model(arch, space, (3, 7, 9), num_classes=4)
    assert model(torch.randn(2, 3, 7, 9)).shape == (2, 4)


def test_zero_cell_output_ignores_input():
    space = load_preset_space("digits_cell")
    arch = space.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    model = build_model(arch, space, (1, 8, 8), 10).eval()
    a = model(torch.randn(2, 1, 8, 8))
    b = model(torch.randn(2, 1, 8, 8))
    assert torch.allclose(a, b)


def test_equivalent_cells_build_the_same_model():
    space = load_preset_space("digits_cell")
    first = space.parse("|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|")
    second = space.parse("|none~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")
    assert first.hash == second.hash
    shapes_a = [p.shape for p in build_model(first, space, (1, 8, 8), 10).parameters()]
    shapes_b = [p.shape for p in build_model(second, space, (1, 8, 8), 10).parameters()]
    assert shapes_a == shapes_b


def test_same_global_seed_same_weights():
    space = load_preset_space("digits_chain")
    arch = space.sample(np.random.default_rng(0))
    torch.manual_seed(5)
    a = build_model(arch, space, (1, 8, 8), 10)
    torch.manual_seed(5)
    b = build_model(arch, space, (1, 8, 8), 10)
    torch.manual_seed(6)
    c = build_model(arch, space, (1, 8, 8), 10)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters(), strict=True))


def test_generator_controls_weights():
    space = load_preset_space("mnist1d_chain")
    arch = space.sample(np.random.default_rng(1))
    a = build_model(arch, space, (1, 40), 10, generator=torch.Generator().manual_seed(3))
    torch.manual_seed(123)  # the global RNG must not matter
    b = build_model(arch, space, (1, 40), 10, generator=torch.Generator().manual_seed(3))
    c = build_model(arch, space, (1, 40), 10, generator=torch.Generator().manual_seed(4))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters(), strict=True))


def test_width_mult_scales_channels():
    space = load_preset_space("digits_chain_narrow")
    arch = space.parse("chain:s0[d1,w16:conv_3x3]|s1[d1,w32:conv_3x3]")
    full = build_model(arch, space, (1, 8, 8), 10)
    half = build_model(arch, space, (1, 8, 8), 10, width_mult=0.5)
    assert full.classifier.in_features == 32
    assert half.classifier.in_features == 16
    assert sum(p.numel() for p in half.parameters()) < sum(p.numel() for p in full.parameters())


@pytest.mark.parametrize(
    ("shape", "classes", "width", "match"),
    [
        ((1, 40), 10, 1.0, "does not fit a 2D space"),
        ((1, 8, 8, 8), 10, 1.0, "does not fit"),
        ((0, 8, 8), 10, 1.0, "does not fit"),
        ((1, 8, 8), 0, 1.0, "num_classes"),
        ((1, 8, 8), 10, 0.0, "width_mult"),
    ],
)
def test_build_rejects_bad_arguments(shape, classes, width, match):
    space = load_preset_space("digits_chain_narrow")
    arch = space.parse("chain:s0[d1,w16:conv_3x3]|s1[d1,w32:conv_3x3]")
    with pytest.raises(ValueError, match=match):
        build_model(arch, space, shape, classes, width_mult=width)


def test_build_rejects_architecture_of_other_space():
    chain_space = load_preset_space("digits_chain_narrow")
    cell_space = load_preset_space("digits_cell")
    arch = chain_space.parse("chain:s0[d1,w16:conv_3x3]|s1[d1,w32:conv_3x3]")
    with pytest.raises(OutOfSpaceError):
        build_model(arch, cell_space, (1, 8, 8), 10)
    other_chain = SearchSpace.from_dict(
        {"schema_version": 1, "family": "chain", "name": "x", "stages": [{"depth": [1], "width": [4], "ops": ["conv_1x1"]}]}
    )
    with pytest.raises(OutOfSpaceError):
        build_model(arch, other_chain, (1, 8, 8), 10)


@pytest.mark.slow
def test_digits_baseline_learns():
    """A real training run: the ResNet chain baseline fits 8x8 digits well above chance."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.tensor(digits.images[:1200], dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(digits.target[:1200])
    x_val = torch.tensor(digits.images[1200:], dtype=torch.float32).unsqueeze(1) / 16.0
    y_val = torch.tensor(digits.target[1200:])
    baseline = next(b for b in load_baselines("digits") if b.name == "resnet_chain")
    model = build_model(baseline.space.parse(baseline.arch_string), baseline.space, (1, 8, 8), 10,
                        generator=torch.Generator().manual_seed(0))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    order = torch.Generator().manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny convs gain nothing from more threads and the suite runs in parallel
    try:
        for _ in range(5):
            model.train()
            for batch in torch.randperm(len(x), generator=order).split(64):
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
                optimizer.step()
    finally:
        torch.set_num_threads(threads)
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
    assert accuracy > 0.8

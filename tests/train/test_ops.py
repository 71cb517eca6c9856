from __future__ import annotations

import pytest
import torch

from nasdiag.space import OPERATIONS
from nasdiag.train.ops import OPS, build_op

# (C_in, C_out, stride): same shape, a channel change, and a strided channel change.
SHAPES = [(4, 4, 1), (4, 6, 1), (4, 6, 2)]


def test_registry_covers_vocabulary():
    assert set(OPS) == set(OPERATIONS)


@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize(("c_in", "c_out", "stride"), SHAPES)
@pytest.mark.parametrize("name", sorted(OPS))
def test_op_forward_backward(name, c_in, c_out, stride, dims):
    torch.manual_seed(0)
    op = build_op(name, c_in, c_out, stride, dims)
    size = (7, 7) if dims == 2 else (9,)  # odd sizes exercise the rounding of stride 2
    x = torch.randn(2, c_in, *size, requires_grad=True)

    out = op(x)
    expected = tuple((n + stride - 1) // stride for n in size)
    assert out.shape == (2, c_out, *expected)
    assert torch.isfinite(out).all()

    out.square().mean().backward()
    for pname, param in op.named_parameters():
        assert param.grad is not None, f"{name}: no gradient on {pname}"
        assert torch.isfinite(param.grad).all()
        assert param.grad.abs().sum() > 0, f"{name}: zero gradient on {pname}"
    if name != "none":
        assert x.grad is not None and x.grad.abs().sum() > 0


def test_none_outputs_zeros():
    out = build_op("none", 3, 5, 2, 2)(torch.randn(1, 3, 8, 8))
    assert out.shape == (1, 5, 4, 4)
    assert not out.any()


def test_skip_connect_is_identity_when_shapes_match():
    x = torch.randn(2, 4, 5, 5)
    assert torch.equal(build_op("skip_connect", 4, 4, 1, 2)(x), x)


def test_nor_conv_is_conv_alias():
    a = build_op("nor_conv_3x3", 4, 4, 1, 2)
    b = build_op("conv_3x3", 4, 4, 1, 2)
    assert [p.shape for p in a.parameters()] == [p.shape for p in b.parameters()]


def test_dilated_conv_uses_dilation_two():
    conv = build_op("dil_conv_5x5", 4, 4, 1, 1)[1]
    assert conv.dilation == (2,)
    assert conv.kernel_size == (5,)


def test_sep_conv_is_depthwise_then_pointwise():
    op = build_op("sep_conv_3x3", 4, 6, 1, 2)
    assert op[1].groups == 4
    assert op[2].kernel_size == (1, 1)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("conv3x3", 4, 4, 1, 2), "unknown op 'conv3x3'"),
        (("conv_3x3", 4, 4, 3, 2), "stride"),
        (("conv_3x3", 4, 4, 1, 3), "dims"),
    ],
)
def test_build_op_rejects_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        build_op(*args)

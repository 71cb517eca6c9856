"""The op registry: one module factory per operation name of `nasdiag.space.OPERATIONS`.

Every factory has the signature ``factory(C_in, C_out, stride, dims) -> nn.Module``. `dims` is 2
for images (N, C, H, W) and 1 for sequences (N, C, L); a stride-2 op halves each spatial size,
rounding up. Convs follow NAS-Bench-201's pre-activation ReLU-Conv-BN order.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from nasdiag.space.operations import OPERATIONS, OpInfo

OpFactory = Callable[[int, int, int, int], nn.Module]


def conv_layer(dims: int) -> type[nn.Conv1d] | type[nn.Conv2d]:
    return nn.Conv2d if dims == 2 else nn.Conv1d


def batch_norm(channels: int, dims: int) -> nn.Module:
    return nn.BatchNorm2d(channels) if dims == 2 else nn.BatchNorm1d(channels)


class ReLUConvBN(nn.Sequential):
    """ReLU, then a (possibly dilated or strided) conv without bias, then batch norm."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, dims: int, dilation: int = 1) -> None:
        padding = dilation * (kernel // 2)  # keeps the size at stride 1, halves it (rounding up) at stride 2
        super().__init__(
            nn.ReLU(inplace=False),
            conv_layer(dims)(c_in, c_out, kernel, stride=stride, padding=padding, dilation=dilation, bias=False),
            batch_norm(c_out, dims),
        )


class SepConv(nn.Sequential):
    """ReLU, a depthwise conv, a pointwise 1x1 conv, then batch norm."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, dims: int) -> None:
        conv = conv_layer(dims)
        super().__init__(
            nn.ReLU(inplace=False),
            conv(c_in, c_in, kernel, stride=stride, padding=kernel // 2, groups=c_in, bias=False),
            conv(c_in, c_out, 1, bias=False),
            batch_norm(c_out, dims),
        )


class Pool(nn.Module):
    """A 3x3 max or average pool; a ReLU-Conv1x1-BN first adapts the channels when they change."""

    def __init__(self, mode: str, c_in: int, c_out: int, stride: int, dims: int) -> None:
        super().__init__()
        self.preprocess = ReLUConvBN(c_in, c_out, 1, 1, dims) if c_in != c_out else None
        if mode == "max":
            self.pool = (nn.MaxPool2d if dims == 2 else nn.MaxPool1d)(3, stride=stride, padding=1)
        else:
            self.pool = (nn.AvgPool2d if dims == 2 else nn.AvgPool1d)(
                3, stride=stride, padding=1, count_include_pad=False
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.preprocess is not None:
            x = self.preprocess(x)
        return self.pool(x)


class Zero(nn.Module):
    """The ``none`` op: zeros of the output shape (a cut edge)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.c_out = c_out
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (N, C, L) or (N, C, H, W)
        sliced = x[:, :1, :: self.stride] if x.dim() == 3 else x[:, :1, :: self.stride, :: self.stride]
        shape = (x.shape[0], self.c_out, *sliced.shape[2:])
        # Multiplying keeps the output in the autograd graph, like NAS-Bench-201's zero op.
        return sliced.mul(0.0).expand(shape).contiguous()


class Projection(nn.Sequential):
    """A 1x1 strided conv with batch norm: the skip connection when shapes change."""

    def __init__(self, c_in: int, c_out: int, stride: int, dims: int) -> None:
        super().__init__(
            conv_layer(dims)(c_in, c_out, 1, stride=stride, bias=False),
            batch_norm(c_out, dims),
        )


def skip_connect(c_in: int, c_out: int, stride: int, dims: int) -> nn.Module:
    if stride == 1 and c_in == c_out:
        return nn.Identity()
    return Projection(c_in, c_out, stride, dims)


def _factory(info: OpInfo) -> OpFactory:
    if info.kind == "zero":
        return lambda c_in, c_out, stride, dims: Zero(c_in, c_out, stride)
    if info.kind == "identity":
        return skip_connect
    if info.kind == "conv":
        return lambda c_in, c_out, stride, dims: ReLUConvBN(c_in, c_out, info.kernel, stride, dims, info.dilation)
    if info.kind == "sep_conv":
        return lambda c_in, c_out, stride, dims: SepConv(c_in, c_out, info.kernel, stride, dims)
    if info.kind == "pool":
        mode = "max" if info.name.startswith("max") else "avg"
        return lambda c_in, c_out, stride, dims: Pool(mode, c_in, c_out, stride, dims)
    raise ValueError(f"op {info.name!r} has unknown kind {info.kind!r}")


OPS: dict[str, OpFactory] = {name: _factory(info) for name, info in OPERATIONS.items()}


def build_op(name: str, c_in: int, c_out: int, stride: int, dims: int) -> nn.Module:
    """Build one op by name.

    Raises:
        ValueError: unknown op name, stride other than 1 or 2, or dims other than 1 or 2.
    """
    if name not in OPS:
        raise ValueError(f"unknown op {name!r}; allowed: {', '.join(OPS)}")
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got {stride!r}")
    if dims not in (1, 2):
        raise ValueError(f"dims must be 1 (sequences) or 2 (images), got {dims!r}")
    return OPS[name](c_in, c_out, stride, dims)

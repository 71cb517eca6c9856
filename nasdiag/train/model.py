"""Architecture to `nn.Module`: one factory, `build_model`, for both space families.

Cell family (NAS-Bench-201 macro skeleton): a stem conv with batch norm, then `stages` stages of
`cells_per_stage` cells, a stride-2 residual block between stages that doubles the channels, then
batch norm, ReLU, global average pooling and a linear head.

Chain family: a stem conv with batch norm, then the blocks of each stage (the first block of a
stride-2 stage downsamples), each with a shortcut when the space is residual, then ReLU, global
average pooling and a linear head.

Weight initialisation draws from the global torch RNG, as every `nn.Module` constructor does.
For reproducible weights, seed that RNG inside `torch.random.fork_rng()` (the trainer does this),
or pass a `torch.Generator` to `build_model`, which then re-initialises every weight from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from nasdiag.space import Architecture, OutOfSpaceError, SearchSpace
from nasdiag.space.cell import parse_cell
from nasdiag.space.spec import CELL_EDGES, CellSpec, ChainSpec
from nasdiag.train.ops import Projection, ReLUConvBN, batch_norm, build_op, conv_layer


class Cell(nn.Module):
    """A NAS-Bench-201 cell: node j sums op(node i) over its incoming edges; ``none`` edges are left out."""

    def __init__(self, ops: Sequence[str], channels: int, dims: int) -> None:
        super().__init__()
        self.edges = nn.ModuleDict()
        for (target, source), op in zip(CELL_EDGES, ops, strict=True):
            if op != "none":
                self.edges[f"{target}<-{source}"] = build_op(op, channels, channels, 1, dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            incoming = [
                self.edges[f"{target}<-{source}"](nodes[source])
                for source in range(target)
                if f"{target}<-{source}" in self.edges
            ]
            # A node without live inputs is zero, like the sum of NB201's zero ops.
            nodes.append(sum(incoming[1:], incoming[0]) if incoming else torch.zeros_like(x))
        return nodes[3]


class ReductionBlock(nn.Module):
    """NAS-Bench-201's residual block between stages: stride 2, channels change."""

    def __init__(self, c_in: int, c_out: int, dims: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, dims)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, dims)
        # ceil_mode keeps the shortcut's size equal to the strided conv's for odd inputs.
        pool = nn.AvgPool2d if dims == 2 else nn.AvgPool1d
        self.shortcut = nn.Sequential(
            pool(kernel_size=2, stride=2, ceil_mode=True),
            conv_layer(dims)(c_in, c_out, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_b(self.conv_a(x)) + self.shortcut(x)


class Block(nn.Module):
    """One chain block: op(x), plus a shortcut (identity or projection) when residual."""

    def __init__(self, op: str, c_in: int, c_out: int, stride: int, dims: int, residual: bool) -> None:
        super().__init__()
        self.op = build_op(op, c_in, c_out, stride, dims)
        self.shortcut: nn.Module | None = None
        if residual:
            self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else Projection(c_in, c_out, stride, dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.op(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return out


class Network(nn.Module):
    """Stem, body, then global average pooling and a linear classifier."""

    def __init__(self, stem: nn.Module, body: nn.Module, pre_pool: nn.Module, channels: int,
                 num_classes: int, dims: int) -> None:
        super().__init__()
        self.stem = stem
        self.body = body
        self.pre_pool = pre_pool
        self.pool = nn.AdaptiveAvgPool2d(1) if dims == 2 else nn.AdaptiveAvgPool1d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)  # (N, C, H, W) or (N, C, L)
        x = self.body(x)
        x = self.pre_pool(x)
        x = self.pool(x).flatten(1)  # (N, C)
        return self.classifier(x)  # (N, num_classes)


def build_model(arch: Architecture, space: SearchSpace, input_shape: tuple[int, ...], num_classes: int,
                width_mult: float = 1.0, generator: torch.Generator | None = None) -> nn.Module:
    """Build the network of `arch` in `space`.

    Cells are built from their canonical form, so architectures that share a hash share a model.

    Args:
        input_shape: (C, H, W) for a 2D space, (C, L) for a 1D space, without the batch axis.
        num_classes: outputs of the linear head.
        width_mult: scales every channel count (rounded, at least 1).
        generator: when given, every conv and linear weight is re-initialised from it with
            PyTorch's default scheme; otherwise initialisation uses the global torch RNG.

    Raises:
        ValueError: the input shape does not match the space's dims, num_classes < 1 or
            width_mult <= 0.
        OutOfSpaceError: `arch` is not a member of `space`.
    """
    dims = space.dims
    shape = tuple(input_shape)
    if len(shape) != dims + 1 or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in shape):
        expected = "(C, H, W)" if dims == 2 else "(C, L)"
        raise ValueError(f"input_shape {input_shape!r} does not fit a {dims}D space {space.name!r}; expected {expected} of positive ints")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    if not (isinstance(width_mult, (int, float)) and width_mult > 0 and math.isfinite(width_mult)):
        raise ValueError(f"width_mult must be a positive number, got {width_mult!r}")

    if not isinstance(arch, Architecture) or arch.family != space.family:
        raise OutOfSpaceError("family", getattr(arch, "family", type(arch).__name__), [space.family], space.name)
    member = space.parse(arch.canonical)
    spec = space.typed_spec
    if isinstance(spec, CellSpec):
        model = _cell_network(member, spec, shape[0], num_classes, width_mult)
    else:
        model = _chain_network(member, spec, shape[0], num_classes, width_mult)
    if generator is not None:
        reinitialise(model, generator)
    return model


def scaled(channels: int, width_mult: float) -> int:
    """Channels after the width multiplier: rounded, at least 1."""
    return max(1, int(round(channels * width_mult)))


def _stem(c_in: int, c_out: int, kernel: int, dims: int) -> nn.Module:
    return nn.Sequential(conv_layer(dims)(c_in, c_out, kernel, padding=kernel // 2, bias=False), batch_norm(c_out, dims))


def _cell_network(arch: Architecture, spec: CellSpec, c_in: int, num_classes: int, width_mult: float) -> nn.Module:
    ops = parse_cell(arch.canonical)
    channels = scaled(spec.stem_channels, width_mult)
    stem = _stem(c_in, channels, spec.stem_kernel, spec.dims)
    layers: list[nn.Module] = []
    for stage in range(spec.stages):
        if stage > 0:
            layers.append(ReductionBlock(channels, channels * 2, spec.dims))
            channels *= 2
        layers.extend(Cell(ops, channels, spec.dims) for _ in range(spec.cells_per_stage))
    pre_pool = nn.Sequential(batch_norm(channels, spec.dims), nn.ReLU(inplace=False))
    return Network(stem, nn.Sequential(*layers), pre_pool, channels, num_classes, spec.dims)


def _chain_network(arch: Architecture, spec: ChainSpec, c_in: int, num_classes: int, width_mult: float) -> nn.Module:
    channels = scaled(spec.stem_channels, width_mult)
    stem = _stem(c_in, channels, spec.stem_kernel, spec.dims)
    blocks: list[nn.Module] = []
    for stage_spec, (_, width, ops) in zip(spec.stages, arch.choices, strict=True):
        c_out = scaled(width, width_mult)
        for index, op in enumerate(ops):
            stride = stage_spec.stride if index == 0 else 1
            blocks.append(Block(op, channels, c_out, stride, spec.dims, spec.residual))
            channels = c_out
    return Network(stem, nn.Sequential(*blocks), nn.ReLU(inplace=False), channels, num_classes, spec.dims)


def reinitialise(model: nn.Module, generator: torch.Generator) -> None:
    """Re-draw every conv and linear weight and bias from `generator` with PyTorch's default init.

    The default (torch 2.x `_ConvNd.reset_parameters` and `Linear.reset_parameters`) is
    kaiming-uniform with a = sqrt(5) for weights and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for biases.
    Batch-norm parameters start at ones and zeros and need no RNG.
    """
    with torch.no_grad():
        for module in model.modules():
            if not isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
                continue
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
            if module.bias is not None:
                fan_in = module.weight[0].numel()
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)

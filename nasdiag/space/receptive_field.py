"""Analytic receptive fields, in input pixels (input samples for 1D).

For a path of layers, each with effective kernel k (1 + dilation * (k - 1)) and stride s,
starting from r = 1 and jump j = 1: ``r += (k - 1) * j`` then ``j *= s``. Pools count with
their kernel, skips and 1x1 convs add nothing. Where branches merge (cell nodes, residual
shortcuts) the larger receptive field wins. The value is not capped at the input size: a
network whose receptive field exceeds its input reports the larger number, so the gap to the
input size stays visible.
"""

from __future__ import annotations

from collections.abc import Iterable

from nasdiag.space.operations import OPERATIONS
from nasdiag.space.spec import CellSpec, ChainSpec

# NB201's reduction block between two cell stages: a 3x3 stride-2 conv then a 3x3 conv on the
# main path, which always outgrows the 2x2 average-pool shortcut.
REDUCTION_LAYERS: tuple[tuple[int, int], ...] = ((3, 2), (3, 1))


def path_receptive_field(layers: Iterable[tuple[int, int]], r: int = 1, jump: int = 1) -> tuple[int, int]:
    """Grow a receptive field along a path of (effective kernel, stride) layers.

    Returns:
        (receptive field, jump) after the last layer.
    """
    for kernel, stride in layers:
        r += (kernel - 1) * jump
        jump *= stride
    return r, jump


def chain_receptive_field(spec: ChainSpec, stages: Iterable[tuple[int, int, tuple[str, ...]]]) -> int:
    """Receptive field of a chain: the stem, then every block (strided first block where the stage says)."""
    layers = [(spec.stem_kernel, 1)]
    for stage_spec, (_, _, ops) in zip(spec.stages, stages, strict=True):
        for block, op in enumerate(ops):
            stride = stage_spec.stride if block == 0 else 1
            layers.append((OPERATIONS[op].rf_kernel, stride))
    r, _ = path_receptive_field(layers)
    return r


def cell_network_receptive_field(spec: CellSpec, growth: int | None) -> int:
    """Receptive field of the cell macro skeleton, given one cell's growth in feature-map pixels.

    Returns 0 when the cell's output does not depend on its input (the zero cell), because then
    the network output does not depend on the input either.
    """
    if growth is None:
        return 0
    r, jump = path_receptive_field([(spec.stem_kernel, 1)])
    for stage in range(spec.stages):
        if stage > 0:
            r, jump = path_receptive_field(REDUCTION_LAYERS, r, jump)
        r += spec.cells_per_stage * growth * jump
    return r

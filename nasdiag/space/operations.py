"""The operation vocabulary shared by both space families and both input ranks.

This module is plain data so that the space package needs no torch; `nasdiag.train.ops`
registers one module factory per name here, and a test checks that the two sets agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpInfo:
    """Facts the spec layer needs about one operation."""

    name: str
    kind: str  # "zero", "identity", "conv", "sep_conv" or "pool"
    kernel: int = 1  # kernel size along each spatial axis (1D: along the sequence)
    dilation: int = 1

    @property
    def rf_kernel(self) -> int:
        """Effective kernel size for the receptive field: 1 + dilation * (kernel - 1)."""
        return 1 + self.dilation * (self.kernel - 1)


def _vocabulary() -> dict[str, OpInfo]:
    ops = [OpInfo("none", "zero", kernel=1), OpInfo("skip_connect", "identity", kernel=1)]
    for k in (1, 3, 5, 7):
        ops.append(OpInfo(f"conv_{k}x{k}", "conv", kernel=k))
        # NAS-Bench-201 spells the same ReLU-Conv-BN op "nor_conv".
        ops.append(OpInfo(f"nor_conv_{k}x{k}", "conv", kernel=k))
    for k in (3, 5):
        ops.append(OpInfo(f"dil_conv_{k}x{k}", "conv", kernel=k, dilation=2))
    for k in (3, 5, 7):
        ops.append(OpInfo(f"sep_conv_{k}x{k}", "sep_conv", kernel=k))
    ops.append(OpInfo("max_pool_3x3", "pool", kernel=3))
    ops.append(OpInfo("avg_pool_3x3", "pool", kernel=3))
    return {op.name: op for op in ops}


OPERATIONS: dict[str, OpInfo] = _vocabulary()

# The five NAS-Bench-201 operations, in the order of its API.
NB201_OPS: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)


def op_info(name: str) -> OpInfo:
    """Look up one operation; raises KeyError for an unknown name."""
    return OPERATIONS[name]


def canonical_op_name(name: str) -> str:
    """Return the one spelling of an op for comparisons: NAS-Bench-201's `nor_conv_KxK` is `conv_KxK`."""
    return name[len("nor_"):] if name.startswith("nor_conv_") else name

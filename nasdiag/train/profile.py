"""Per-architecture cost: trainable parameters, forward FLOPs and receptive field.

FLOPs are counted per sample on the built model by forward hooks, in eval mode:

- conv: 2 * (C_in / groups) * kernel elements * output elements, plus one add per output element
  for a bias;
- linear: 2 * in_features * out_features, plus out_features for a bias;
- batch norm: 2 per output element (a scale and a shift after folding the statistics);
- max or average pool: kernel elements per output element; adaptive average pool: one per input
  element.

ReLUs, residual additions and the sums at cell nodes are not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from nasdiag.space import Architecture, SearchSpace
from nasdiag.train.model import build_model

_POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)
_ADAPTIVE_POOLS = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)


@dataclass(frozen=True)
class ArchProfile:
    """Cost of one architecture at one input shape and width."""

    params: int  # trainable parameters
    flops: int  # forward FLOPs per sample (2 x multiply-adds; see the module doc for what counts)
    receptive_field: int  # input pixels (1D: samples); 0 when the output ignores the input


def profile_architecture(arch: Architecture, space: SearchSpace, input_shape: tuple[int, ...],
                         num_classes: int, width_mult: float = 1.0) -> ArchProfile:
    """Build `arch` once and measure it.

    The model is built inside `torch.random.fork_rng()`, so profiling leaves the caller's global
    torch RNG untouched.

    Raises:
        ValueError, OutOfSpaceError: as `build_model`.
    """
    with torch.random.fork_rng(devices=[]):
        model = build_model(arch, space, input_shape, num_classes, width_mult=width_mult)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    flops = count_flops(model, tuple(input_shape))
    receptive_field = space.receptive_field(arch, input_size=max(input_shape[1:]))
    return ArchProfile(params=params, flops=flops, receptive_field=receptive_field)


def count_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Forward FLOPs of one sample of shape `input_shape` through `model` (rules in the module doc)."""
    total = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        total += _module_flops(module, inputs[0], output)

    handles = [
        module.register_forward_hook(hook)
        for module in model.modules()
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d, *_POOLS, *_ADAPTIVE_POOLS))
    ]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *input_shape)))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return total


def _module_flops(module: nn.Module, x: torch.Tensor, out: torch.Tensor) -> int:
    per_sample_out = out[0].numel()
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        kernel = math.prod(module.kernel_size)
        spatial_out = out[0, 0].numel()
        macs = (module.in_channels // module.groups) * kernel * module.out_channels * spatial_out
        return 2 * macs + (per_sample_out if module.bias is not None else 0)
    if isinstance(module, nn.Linear):
        return 2 * module.in_features * module.out_features + (module.out_features if module.bias is not None else 0)
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return 2 * per_sample_out
    if isinstance(module, _POOLS):
        kernel = module.kernel_size
        kernel_elements = math.prod(kernel) if isinstance(kernel, tuple) else kernel ** (out.dim() - 2)
        return kernel_elements * per_sample_out
    if isinstance(module, _ADAPTIVE_POOLS):
        return x[0].numel()
    return 0

"""Search spaces: specs, validation, canonical architecture strings, sampling and presets.

This package imports nothing else of nasdiag and needs no torch.
"""

from __future__ import annotations

from nasdiag.space.architecture import Architecture, arch_hash
from nasdiag.space.errors import ArchitectureParseError, OutOfSpaceError, SpaceValidationError
from nasdiag.space.operations import NB201_OPS, OPERATIONS, OpInfo, canonical_op_name
from nasdiag.space.presets import (
    Baseline,
    list_baseline_tasks,
    list_presets,
    load_baselines,
    load_preset_space,
)
from nasdiag.space.search_space import SearchSpace, load_space

__all__ = [
    "NB201_OPS",
    "OPERATIONS",
    "Architecture",
    "ArchitectureParseError",
    "Baseline",
    "OpInfo",
    "OutOfSpaceError",
    "SearchSpace",
    "SpaceValidationError",
    "arch_hash",
    "canonical_op_name",
    "list_baseline_tasks",
    "list_presets",
    "load_baselines",
    "load_preset_space",
    "load_space",
]

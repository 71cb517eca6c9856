"""Validation of search-space specs: a plain dict in, a frozen typed spec out.

Every error is a `SpaceValidationError` that names the field path, the bad value and the
allowed values, so a YAML typo can be fixed from the message alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nasdiag.space.errors import SpaceValidationError
from nasdiag.space.operations import NB201_OPS, OPERATIONS

SCHEMA_VERSION = 1
FAMILIES = ("cell", "chain")

# Edges of the NAS-Bench-201 cell as (target node, source node), in the order of its string.
CELL_EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
CELL_EDGE_KEYS: tuple[str, ...] = tuple(f"{t}<-{s}" for t, s in CELL_EDGES)

_COMMON_FIELDS = ("schema_version", "family", "name", "description", "dims", "stem_channels", "stem_kernel")
_CELL_FIELDS = (*_COMMON_FIELDS, "stages", "cells_per_stage", "ops", "edge_ops")
_CHAIN_FIELDS = (*_COMMON_FIELDS, "stages", "residual")
_STAGE_FIELDS = ("depth", "width", "ops", "stride")


@dataclass(frozen=True)
class CellSpec:
    """A NAS-Bench-201-style cell stacked in a fixed macro skeleton."""

    name: str
    description: str
    dims: int  # 2 for images (C, H, W), 1 for sequences (C, L)
    stem_channels: int  # channels of the first stage; each later stage doubles them
    stem_kernel: int  # kernel of the stem conv
    stages: int  # number of stages; a stride-2 residual block sits between two stages
    cells_per_stage: int
    edge_ops: tuple[tuple[str, ...], ...]  # allowed ops per edge, in CELL_EDGES order


@dataclass(frozen=True)
class StageSpec:
    """Choices of one chain stage."""

    depth: tuple[int, ...]  # allowed numbers of blocks
    width: tuple[int, ...]  # allowed output channels
    ops: tuple[str, ...]  # allowed op of each block
    stride: int  # 1, or 2 to downsample in the first block


@dataclass(frozen=True)
class ChainSpec:
    """A macro space: a stem, then stages of blocks, then global pooling and a linear head."""

    name: str
    description: str
    dims: int
    stem_channels: int
    stem_kernel: int
    residual: bool  # add a shortcut around every block (identity, or a 1x1 conv when shapes change)
    stages: tuple[StageSpec, ...]


def validate_spec(raw: Any) -> tuple[CellSpec | ChainSpec, dict[str, Any]]:
    """Validate a spec and fill its defaults.

    Returns:
        The typed spec and the normalised spec dict (defaults filled in, tuples as lists),
        which is what `SearchSpace.spec` exposes and hashes.

    Raises:
        SpaceValidationError: on any invalid, missing or unknown field.
    """
    if not isinstance(raw, Mapping):
        raise SpaceValidationError("<spec>", raw, "a mapping of fields", f"expected a mapping, got {type(raw).__name__}")
    if "schema_version" not in raw:
        raise SpaceValidationError("schema_version", None, [SCHEMA_VERSION], "missing field")
    version = raw["schema_version"]
    if isinstance(version, bool) or version != SCHEMA_VERSION:
        raise SpaceValidationError("schema_version", version, [SCHEMA_VERSION], f"unsupported schema version {version!r}")
    family = _required(raw, "family")
    if family not in FAMILIES:
        raise SpaceValidationError("family", family, FAMILIES, f"unknown family {family!r}")
    if family == "cell":
        return _validate_cell(raw)
    return _validate_chain(raw)


def _validate_cell(raw: Mapping[str, Any]) -> tuple[CellSpec, dict[str, Any]]:
    _reject_unknown_fields(raw, _CELL_FIELDS, "")
    common = _validate_common(raw)
    stages = _int(raw.get("stages", 3), "stages", minimum=1)
    cells_per_stage = _int(raw.get("cells_per_stage", 1), "cells_per_stage", minimum=1)
    ops = _op_list(raw.get("ops", list(NB201_OPS)), "ops", allow_none=True)

    edge_ops_raw = raw.get("edge_ops")
    per_edge = {key: ops for key in CELL_EDGE_KEYS}
    if edge_ops_raw is not None:
        if not isinstance(edge_ops_raw, Mapping):
            raise SpaceValidationError("edge_ops", edge_ops_raw, CELL_EDGE_KEYS, "expected a mapping from edge to op list")
        for key, value in edge_ops_raw.items():
            if key not in CELL_EDGE_KEYS:
                raise SpaceValidationError(f"edge_ops.{key}", key, CELL_EDGE_KEYS, f"unknown edge {key!r}")
            per_edge[key] = _op_list(value, f"edge_ops.{key}", allow_none=True)

    spec = CellSpec(
        name=common["name"],
        description=common["description"],
        dims=common["dims"],
        stem_channels=common["stem_channels"],
        stem_kernel=common["stem_kernel"],
        stages=stages,
        cells_per_stage=cells_per_stage,
        edge_ops=tuple(per_edge[key] for key in CELL_EDGE_KEYS),
    )
    normalised: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "family": "cell",
        **common,
        "stages": stages,
        "cells_per_stage": cells_per_stage,
        "ops": list(ops),
    }
    if edge_ops_raw is not None:
        normalised["edge_ops"] = {key: list(per_edge[key]) for key in CELL_EDGE_KEYS}
    return spec, normalised


def _validate_chain(raw: Mapping[str, Any]) -> tuple[ChainSpec, dict[str, Any]]:
    _reject_unknown_fields(raw, _CHAIN_FIELDS, "")
    common = _validate_common(raw)
    residual = raw.get("residual", False)
    if not isinstance(residual, bool):
        raise SpaceValidationError("residual", residual, ["true", "false"], "expected a boolean")

    stages_raw = _required(raw, "stages")
    if not isinstance(stages_raw, Sequence) or isinstance(stages_raw, str) or len(stages_raw) == 0:
        raise SpaceValidationError("stages", stages_raw, "a non-empty list of stage mappings", "expected a non-empty list")
    stages = tuple(_validate_stage(stage, f"stages[{i}]") for i, stage in enumerate(stages_raw))

    spec = ChainSpec(
        name=common["name"],
        description=common["description"],
        dims=common["dims"],
        stem_channels=common["stem_channels"],
        stem_kernel=common["stem_kernel"],
        residual=residual,
        stages=stages,
    )
    normalised: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "family": "chain",
        **common,
        "residual": residual,
        "stages": [
            {"depth": list(s.depth), "width": list(s.width), "ops": list(s.ops), "stride": s.stride}
            for s in stages
        ],
    }
    return spec, normalised


def _validate_stage(raw: Any, path: str) -> StageSpec:
    if not isinstance(raw, Mapping):
        raise SpaceValidationError(path, raw, _STAGE_FIELDS, "expected a mapping with fields")
    _reject_unknown_fields(raw, _STAGE_FIELDS, f"{path}.")
    depth = _int_list(_required(raw, "depth", path), f"{path}.depth", minimum=1)
    width = _int_list(_required(raw, "width", path), f"{path}.width", minimum=1)
    ops = _op_list(_required(raw, "ops", path), f"{path}.ops", allow_none=False)
    stride = raw.get("stride", 1)
    if isinstance(stride, bool) or stride not in (1, 2):
        raise SpaceValidationError(f"{path}.stride", stride, [1, 2], f"invalid stride {stride!r}")
    return StageSpec(depth=depth, width=width, ops=ops, stride=stride)


def _validate_common(raw: Mapping[str, Any]) -> dict[str, Any]:
    name = _required(raw, "name")
    if not isinstance(name, str) or not name.strip():
        raise SpaceValidationError("name", name, "a non-empty string", "invalid name")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise SpaceValidationError("description", description, "a string", "invalid description")
    dims = raw.get("dims", 2)
    if isinstance(dims, bool) or dims not in (1, 2):
        raise SpaceValidationError("dims", dims, [1, 2], f"invalid dims {dims!r} (2 for images, 1 for sequences)")
    stem_channels = _int(raw.get("stem_channels", 16), "stem_channels", minimum=1)
    stem_kernel = _int(raw.get("stem_kernel", 3), "stem_kernel", minimum=1)
    if stem_kernel % 2 == 0:
        raise SpaceValidationError("stem_kernel", stem_kernel, "an odd integer >= 1", "even kernels shift the feature map")
    return {
        "name": name,
        "description": description,
        "dims": dims,
        "stem_channels": stem_channels,
        "stem_kernel": stem_kernel,
    }


def _required(raw: Mapping[str, Any], key: str, path: str = "") -> Any:
    if key not in raw:
        field = f"{path}.{key}" if path else key
        raise SpaceValidationError(field, None, "see the spec reference", "missing field")
    return raw[key]


def _reject_unknown_fields(raw: Mapping[str, Any], known: Sequence[str], prefix: str) -> None:
    for key in raw:
        if key not in known:
            raise SpaceValidationError(f"{prefix}{key}", key, known, f"unknown field {key!r}")


def _int(value: Any, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpaceValidationError(field, value, f"an integer >= {minimum}", f"expected an integer, got {type(value).__name__}")
    if value < minimum:
        raise SpaceValidationError(field, value, f"an integer >= {minimum}", f"value {value} is below {minimum}")
    return value


def _int_list(value: Any, field: str, minimum: int) -> tuple[int, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise SpaceValidationError(field, value, f"a non-empty list of integers >= {minimum}", "expected a list")
    if len(value) == 0:
        raise SpaceValidationError(field, value, f"a non-empty list of integers >= {minimum}", "empty list")
    items = tuple(_int(item, f"{field}[{i}]", minimum) for i, item in enumerate(value))
    if len(set(items)) != len(items):
        raise SpaceValidationError(field, list(value), "distinct integers", "duplicate values")
    return items


def _op_list(value: Any, field: str, allow_none: bool) -> tuple[str, ...]:
    allowed = [name for name in OPERATIONS if allow_none or name != "none"]
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise SpaceValidationError(field, value, allowed, "expected a list of op names")
    if len(value) == 0:
        raise SpaceValidationError(field, value, allowed, "empty op set")
    for i, name in enumerate(value):
        if name == "none" and not allow_none:
            raise SpaceValidationError(f"{field}[{i}]", name, allowed, "op 'none' is only allowed in the cell family")
        if not isinstance(name, str) or name not in OPERATIONS:
            raise SpaceValidationError(f"{field}[{i}]", name, allowed, f"unknown op {name!r}")
    if len(set(value)) != len(value):
        raise SpaceValidationError(field, list(value), "distinct op names", "duplicate ops")
    return tuple(value)

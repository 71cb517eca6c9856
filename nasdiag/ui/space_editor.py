"""The search-space editor's model: widget values in, a spec dict out, and back.

The editor never asks for YAML. A cell space is a set of ops per edge of the NAS-Bench-201
cell; a chain space is a table of stages (depth choices, width choices, op choices, stride).
These functions turn those values into the spec dict that `SearchSpace.from_dict` validates,
and a validated spec back into widget values, so presets and uploaded YAML load into the editor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from nasdiag.space import OPERATIONS

# Edges of the NAS-Bench-201 cell in the order of its string: (target node, source node).
CELL_EDGE_KEYS = ("1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2")
CELL_OPS = tuple(OPERATIONS)
CHAIN_OPS = tuple(name for name in OPERATIONS if name != "none")
DEPTH_OPTIONS = tuple(str(depth) for depth in range(1, 7))
WIDTH_OPTIONS = tuple(str(width) for width in (4, 8, 12, 16, 24, 32, 48, 64, 96, 128))
STAGE_COLUMNS = ("depth", "width", "ops", "stride")

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


class EditorError(ValueError):
    """A value typed into the editor is invalid; the message names the row, column and fix."""


def cell_spec(
    *,
    name: str,
    dims: int,
    stem_channels: int,
    stem_kernel: int,
    stages: int,
    cells_per_stage: int,
    edge_ops: Mapping[str, Sequence[str]],
    description: str = "",
) -> dict[str, Any]:
    """Build a cell spec; one shared `ops` list when every edge offers the same ops."""
    per_edge = {key: list(edge_ops.get(key, ())) for key in CELL_EDGE_KEYS}
    spec: dict[str, Any] = {
        "schema_version": 1,
        "family": "cell",
        "name": name,
        "description": description,
        "dims": dims,
        "stem_channels": stem_channels,
        "stem_kernel": stem_kernel,
        "stages": stages,
        "cells_per_stage": cells_per_stage,
    }
    distinct = {tuple(ops) for ops in per_edge.values()}
    if len(distinct) == 1:
        spec["ops"] = per_edge[CELL_EDGE_KEYS[0]]
    else:
        # The union keeps `ops` meaningful for readers of the YAML; edge_ops decides membership.
        spec["ops"] = list(dict.fromkeys(op for ops in per_edge.values() for op in ops))
        spec["edge_ops"] = per_edge
    return spec


def chain_spec(
    *,
    name: str,
    dims: int,
    stem_channels: int,
    stem_kernel: int,
    residual: bool,
    stages: pd.DataFrame,
    description: str = "",
) -> dict[str, Any]:
    """Build a chain spec from the stage table of the editor.

    Raises:
        EditorError: a stage has no depth, width or op, or a width is not a positive integer.
    """
    rows = []
    for position, (_, row) in enumerate(stages.iterrows(), start=1):
        rows.append({
            "depth": _int_choices(row.get("depth"), position, "depth"),
            "width": _int_choices(row.get("width"), position, "width"),
            "ops": _op_choices(row.get("ops"), position),
            "stride": _stride(row.get("stride"), position),
        })
    if not rows:
        raise EditorError("the chain has no stages; add at least one row to the stage table")
    return {
        "schema_version": 1,
        "family": "chain",
        "name": name,
        "description": description,
        "dims": dims,
        "stem_channels": stem_channels,
        "stem_kernel": stem_kernel,
        "residual": residual,
        "stages": rows,
    }


def stage_table(spec: Mapping[str, Any]) -> pd.DataFrame:
    """Return a chain spec's stages as the editor's table (choices as lists of strings)."""
    rows = [
        {
            "depth": [str(depth) for depth in stage["depth"]],
            "width": [str(width) for width in stage["width"]],
            "ops": list(stage["ops"]),
            "stride": int(stage.get("stride", 1)),
        }
        for stage in spec.get("stages", [])
    ]
    return pd.DataFrame(rows, columns=list(STAGE_COLUMNS))


def cell_edge_ops(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """Return the op set of each cell edge from a (validated) cell spec."""
    edge_ops = spec.get("edge_ops")
    if edge_ops:
        return {key: list(edge_ops[key]) for key in CELL_EDGE_KEYS}
    return {key: list(spec.get("ops", [])) for key in CELL_EDGE_KEYS}


def safe_space_file_name(name: str) -> str:
    """Return a file name for saving a space: letters, digits, '-' and '_' only, plus `.yaml`.

    Raises:
        EditorError: nothing usable is left of the name.
    """
    stem = _SAFE_NAME.sub("_", name.strip()).strip("_-")[:64]
    if not stem:
        raise EditorError(f"space name {name!r} has no letters or digits; name it like my_space")
    return f"{stem}.yaml"


def _as_list(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item).strip() for item in value if str(item).strip()]


def _int_choices(value: Any, position: int, column: str) -> list[int]:
    items = _as_list(value)
    if not items:
        raise EditorError(f"stage {position}: pick at least one {column} choice")
    numbers = []
    for item in items:
        try:
            number = int(item)
        except ValueError:
            raise EditorError(
                f"stage {position}: {column} choice {item!r} is not a whole number; pick numbers like 16"
            ) from None
        if number < 1:
            raise EditorError(f"stage {position}: {column} choice {number} must be at least 1")
        numbers.append(number)
    return sorted(set(numbers))


def _op_choices(value: Any, position: int) -> list[str]:
    items = list(dict.fromkeys(_as_list(value)))
    if not items:
        raise EditorError(f"stage {position}: pick at least one op")
    unknown = [item for item in items if item not in CHAIN_OPS]
    if unknown:
        raise EditorError(f"stage {position}: unknown op {unknown[0]!r}; allowed: {', '.join(CHAIN_OPS)}")
    return items


def _stride(value: Any, position: int) -> int:
    try:
        stride = int(value)
    except (TypeError, ValueError):
        raise EditorError(f"stage {position}: stride {value!r} must be 1 or 2") from None
    if stride not in (1, 2):
        raise EditorError(f"stage {position}: stride {stride} must be 1 or 2")
    return stride

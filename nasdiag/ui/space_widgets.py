"""Session state of the search-space editor, shared by the Search space and Run pages.

The last valid space is kept as YAML under `SPACE_YAML_KEY`. Streamlit drops the state of
widgets that a run does not draw, so leaving the editor page would forget its widgets; the
editor therefore refills its widgets from that YAML whenever they are missing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from nasdiag.space import SearchSpace, load_preset_space
from nasdiag.ui.space_editor import (
    CELL_EDGE_KEYS,
    EditorError,
    cell_edge_ops,
    cell_spec,
    chain_spec,
    stage_table,
)

DEFAULT_PRESET = "digits_cell"
SPACE_YAML_KEY = "space_yaml"
SPACE_SOURCE_KEY = "space_source"  # where the current space came from, for the Run page
TASK_KEY = "task"
_EDITOR_VERSION_KEY = "editor_version"  # bumped on every load, so the stage table restarts
_WIDGET_PREFIX = "ed_"


def current_space() -> tuple[SearchSpace, str]:
    """Return the space the editor contains (the default preset on a first visit) and its source."""
    if SPACE_YAML_KEY not in st.session_state:
        space = load_preset_space(DEFAULT_PRESET)
        st.session_state[SPACE_YAML_KEY] = space.to_yaml()
        st.session_state[SPACE_SOURCE_KEY] = f"preset {DEFAULT_PRESET}"
    return SearchSpace.from_yaml(st.session_state[SPACE_YAML_KEY]), st.session_state.get(SPACE_SOURCE_KEY, "")


def load_into_editor(space: SearchSpace, source: str) -> None:
    """Make `space` the current space and refill every editor widget from it."""
    st.session_state[SPACE_YAML_KEY] = space.to_yaml()
    st.session_state[SPACE_SOURCE_KEY] = source
    for key in [key for key in st.session_state if str(key).startswith(_WIDGET_PREFIX)]:
        del st.session_state[key]
    st.session_state[_EDITOR_VERSION_KEY] = st.session_state.get(_EDITOR_VERSION_KEY, 0) + 1
    fill_widgets(space.spec)


def fill_widgets(spec: dict[str, Any]) -> None:
    """Set the editor widgets' values from a validated spec, where a widget has none yet."""
    values: dict[str, Any] = {
        "family": spec["family"],
        "name": spec["name"],
        "description": spec.get("description", ""),
        "dims": int(spec.get("dims", 2)),
        "stem_channels": int(spec.get("stem_channels", 16)),
        "stem_kernel": int(spec.get("stem_kernel", 3)),
    }
    if spec["family"] == "cell":
        edges = cell_edge_ops(spec)
        same = len({tuple(ops) for ops in edges.values()}) == 1
        values.update({
            "stages": int(spec.get("stages", 3)),
            "cells_per_stage": int(spec.get("cells_per_stage", 1)),
            "same_ops": same,
            "ops_all": list(edges[CELL_EDGE_KEYS[0]]),
        })
        values.update({f"edge_{key}": list(ops) for key, ops in edges.items()})
    else:
        values["residual"] = bool(spec.get("residual", False))
    for name, value in values.items():
        st.session_state.setdefault(_WIDGET_PREFIX + name, value)
    # Defaults for the other family, so that switching family starts from something sensible.
    st.session_state.setdefault(_WIDGET_PREFIX + "stages", 3)
    st.session_state.setdefault(_WIDGET_PREFIX + "cells_per_stage", 1)
    st.session_state.setdefault(_WIDGET_PREFIX + "same_ops", True)
    st.session_state.setdefault(_WIDGET_PREFIX + "ops_all", ["none", "skip_connect", "conv_1x1", "conv_3x3",
                                                            "avg_pool_3x3"])
    for key in CELL_EDGE_KEYS:
        st.session_state.setdefault(f"{_WIDGET_PREFIX}edge_{key}", list(st.session_state[_WIDGET_PREFIX + "ops_all"]))
    st.session_state.setdefault(_WIDGET_PREFIX + "residual", True)


def stage_base_table() -> pd.DataFrame:
    """Return the stage table the chain editor starts from (the current space's, or a default)."""
    space, _ = current_space()
    if space.family == "chain":
        return stage_table(space.spec)
    default = {"stages": [
        {"depth": [1, 2], "width": [16], "ops": ["conv_3x3", "sep_conv_3x3", "skip_connect"], "stride": 1},
        {"depth": [1, 2], "width": [32], "ops": ["conv_3x3", "sep_conv_3x3", "skip_connect"], "stride": 2},
    ]}
    return stage_table(default)


def editor_key(name: str) -> str:
    """Return the session-state key of an editor widget."""
    if name == "stage_table":
        return f"{_WIDGET_PREFIX}stage_table_{st.session_state.get(_EDITOR_VERSION_KEY, 0)}"
    return _WIDGET_PREFIX + name


def spec_from_widgets(stage_rows: pd.DataFrame | None) -> dict[str, Any]:
    """Return the spec dict the editor widgets describe.

    Raises:
        EditorError: a widget value cannot form a spec (the message says which and why).
    """
    get = st.session_state.get
    common = {
        "name": (get(editor_key("name")) or "").strip() or "my_space",
        "description": get(editor_key("description")) or "",
        "dims": int(get(editor_key("dims"), 2)),
        "stem_channels": int(get(editor_key("stem_channels"), 16)),
        "stem_kernel": int(get(editor_key("stem_kernel"), 3)),
    }
    if get(editor_key("family")) == "cell":
        if get(editor_key("same_ops")):
            edge_ops = {key: list(get(editor_key("ops_all")) or []) for key in CELL_EDGE_KEYS}
        else:
            edge_ops = {key: list(get(editor_key(f"edge_{key}")) or []) for key in CELL_EDGE_KEYS}
        empty = [key for key, ops in edge_ops.items() if not ops]
        if empty:
            raise EditorError(f"edge {empty[0]} has no op; pick at least one (use 'none' to allow cutting it)")
        return cell_spec(stages=int(get(editor_key("stages"), 3)),
                         cells_per_stage=int(get(editor_key("cells_per_stage"), 1)),
                         edge_ops=edge_ops, **common)
    if stage_rows is None:
        raise EditorError("the chain has no stage table")
    return chain_spec(residual=bool(get(editor_key("residual"), True)), stages=stage_rows, **common)

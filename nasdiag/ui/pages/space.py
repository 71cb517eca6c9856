"""Search space: define a space visually and check it against the task before training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from nasdiag.space import SearchSpace, SpaceValidationError, list_presets, load_preset_space
from nasdiag.tasks import TaskError, list_tasks
from nasdiag.ui import data
from nasdiag.ui.components import chart
from nasdiag.ui.space_editor import (
    CELL_EDGE_KEYS,
    CELL_OPS,
    CHAIN_OPS,
    DEPTH_OPTIONS,
    WIDTH_OPTIONS,
    EditorError,
    safe_space_file_name,
)
from nasdiag.ui.space_widgets import (
    SPACE_SOURCE_KEY,
    SPACE_YAML_KEY,
    TASK_KEY,
    current_space,
    editor_key,
    fill_widgets,
    load_into_editor,
    spec_from_widgets,
    stage_base_table,
)
from nasdiag.ui.state import USER_SPACES_DIR
from nasdiag.viz.ui_extra import cell_figure, chain_figure

st.title("Search space")
st.caption("Define which architectures the search may pick. Everything below updates live, before any training.")

space, source = current_space()
fill_widgets(space.spec)

# --- Where the space comes from -------------------------------------------------------------
with st.expander(f"Load a space (current: {source})", expanded=False):
    left, middle, right = st.columns(3)
    with left:
        preset = st.selectbox("Preset", list_presets(), key="preset_choice")
        if st.button("Load preset", key="load_preset"):
            load_into_editor(load_preset_space(preset), f"preset {preset}")
            st.rerun()
    with middle:
        saved = sorted(path.name for path in USER_SPACES_DIR.glob("*.yaml")) if USER_SPACES_DIR.is_dir() else []
        chosen = st.selectbox("Saved space", saved, key="saved_choice", placeholder="none saved yet")
        if st.button("Load saved space", key="load_saved", disabled=not saved):
            try:
                loaded = SearchSpace.from_yaml((USER_SPACES_DIR / chosen).read_text(encoding="utf-8"))
            except SpaceValidationError as error:
                st.error(f"{chosen} is not a valid search space: {error}")
            else:
                load_into_editor(loaded, f"saved {chosen}")
                st.rerun()
    with right:
        upload = st.file_uploader("YAML file", type=["yaml", "yml"], key="space_upload")
        if upload is not None and st.button("Load uploaded YAML", key="load_upload"):
            try:
                loaded = SearchSpace.from_yaml(upload.getvalue().decode("utf-8", errors="replace"))
            except SpaceValidationError as error:
                st.error(f"{upload.name} is not a valid search space: {error}")
            else:
                load_into_editor(loaded, f"upload {upload.name}")
                st.rerun()

# --- The editor ------------------------------------------------------------------------------
tasks = list(list_tasks())
st.session_state.setdefault(TASK_KEY, "digits")
head = st.columns([2, 1, 1, 1, 1])
head[0].text_input("Name", key=editor_key("name"), help="Used for the file name when you save the space.")
head[1].radio("Family", ["cell", "chain"], key=editor_key("family"), horizontal=True,
              help="cell: one NAS-Bench-201 cell repeated; chain: stages of blocks with depth and width choices.")
head[2].selectbox("Input", [2, 1], key=editor_key("dims"),
                  format_func=lambda dims: "2D images" if dims == 2 else "1D sequences")
head[3].number_input("Stem channels", min_value=1, max_value=512, step=4, key=editor_key("stem_channels"))
head[4].selectbox("Stem kernel", [1, 3, 5, 7], key=editor_key("stem_kernel"))
st.text_input("Description", key=editor_key("description"), help="One line saved with the space.")

stage_rows = None
if st.session_state[editor_key("family")] == "cell":
    shape = st.columns(3)
    shape[0].number_input("Stages", min_value=1, max_value=6, key=editor_key("stages"),
                          help="A stride-2 reduction block sits between two stages.")
    shape[1].number_input("Cells per stage", min_value=1, max_value=8, key=editor_key("cells_per_stage"))
    shape[2].toggle("Same ops on every edge", key=editor_key("same_ops"))
    if st.session_state[editor_key("same_ops")]:
        st.multiselect("Ops on every edge", CELL_OPS, key=editor_key("ops_all"),
                       help="'none' lets the search cut an edge.")
    else:
        edge_columns = st.columns(3)
        for index, key in enumerate(CELL_EDGE_KEYS):
            target, source_node = key.split("<-")
            edge_columns[index % 3].multiselect(f"Edge {key} (node {source_node} to node {target})", CELL_OPS,
                                                key=editor_key(f"edge_{key}"))
else:
    st.toggle("Residual shortcut around every block", key=editor_key("residual"))
    stage_rows = st.data_editor(
        stage_base_table(), key=editor_key("stage_table"), num_rows="dynamic", hide_index=False,
        column_config={
            "depth": st.column_config.MultiselectColumn("depth choices (blocks)", options=DEPTH_OPTIONS,
                                                        required=True),
            "width": st.column_config.MultiselectColumn("width choices (channels)", options=WIDTH_OPTIONS,
                                                        accept_new_options=True, required=True),
            "ops": st.column_config.MultiselectColumn("op choices", options=CHAIN_OPS, required=True),
            "stride": st.column_config.SelectboxColumn("stride", options=[1, 2], required=True, default=1,
                                                       help="2 halves the feature map in the stage's first block"),
        },
    )
    st.caption("One row per stage, input side first. Add or delete rows at the table's edge.")

# --- Validate --------------------------------------------------------------------------------
try:
    spec = spec_from_widgets(stage_rows)
    edited = SearchSpace.from_dict(spec)
except (EditorError, SpaceValidationError) as error:
    st.error(f"This space is not valid yet: {error}")
    st.stop()
if edited.to_yaml() != st.session_state[SPACE_YAML_KEY]:
    st.session_state[SPACE_YAML_KEY] = edited.to_yaml()
    st.session_state[SPACE_SOURCE_KEY] = f"edited {edited.name}"
space = edited

if space.family == "cell":
    chart(cell_figure(dict(zip(CELL_EDGE_KEYS, space.typed_spec.edge_ops, strict=True)),
                      title="The cell: ops allowed on each edge"),
          "each node sums its incoming edges; an edge applies one of the ops written on it; node 3 is "
          "the cell's output.", key="cell_space_figure")

# --- Live checks -------------------------------------------------------------------------------
st.subheader("Before training")
task = st.selectbox("Task to check against", tasks, key="space_task", index=tasks.index(st.session_state[TASK_KEY])
                    if st.session_state[TASK_KEY] in tasks else 0)
st.session_state[TASK_KEY] = task
try:
    input_shape, _ = data.task_input_shape(task)
    if len(input_shape) - 1 != space.dims:
        st.warning(f"This space builds {space.dims}D models but task {task!r} has inputs of shape "
                   f"{input_shape}; set Input to {len(input_shape) - 1}D or pick another task.")
        st.stop()
    analysis = data.space_analysis(st.session_state[SPACE_YAML_KEY], task)
except TaskError as error:
    st.error(f"Task {task!r} could not be loaded: {error}")
    st.stop()

sizes = st.columns(3)
sizes[0].metric("Choice combinations", f"{analysis.cardinality:,}")
sizes[1].metric("Distinct architectures", "too many to count live" if analysis.distinct is None
                else f"{analysis.distinct:,}",
                help="Cells that compute the same function (isomorphic or with dead edges) count once.")
rf = analysis.receptive_field
sizes[2].metric("Receptive field (px)", f"{rf.low:.0f} to {rf.high:.0f}", delta=f"input {analysis.input_size} px",
                delta_color="off", help=f"Analytic receptive field over {analysis.n_sampled} sampled architectures.")
costs = st.columns(3)
if analysis.params is not None:
    costs[0].metric("Parameters (min to max)", f"{analysis.params.low / 1e3:,.1f}k to {analysis.params.high / 1e3:,.1f}k",
                    help=f"Over {analysis.n_profiled} sampled architectures; median {analysis.params.median:,.0f}.")
    costs[1].metric("FLOPs per sample (min to max)",
                    f"{analysis.flops.low / 1e6:.2f}M to {analysis.flops.high / 1e6:.2f}M",
                    help=f"Forward FLOPs, over {analysis.n_profiled} sampled architectures; median "
                         f"{analysis.flops.median / 1e6:.2f}M.")
    costs[2].metric("Sampled", f"{analysis.n_sampled} archs", help=f"Seeded sample; the first {analysis.n_profiled} "
                    "were built to count parameters and FLOPs.")
else:
    st.warning(f"Parameters and FLOPs could not be measured: {analysis.profile_error}")
if analysis.share_rf_below_input > 0:
    st.warning(f"{analysis.share_rf_below_input:.0%} of {analysis.n_sampled} sampled architectures see less than "
               f"the whole input ({analysis.input_size} px): add depth, larger kernels or downsampling.")
else:
    st.success(f"Every sampled architecture's receptive field covers the {analysis.input_size}-pixel input.")

st.markdown("##### Coverage against the task's baselines")
if not analysis.baselines:
    st.info(f"Task {task!r} has no hand-designed baselines of this input rank to compare with.")
else:
    if analysis.missing_ops:
        st.warning(f"The baselines use ops this space lacks: {', '.join(analysis.missing_ops)}. Add them, or "
                   "expect the search to miss what makes the baselines good.")
    baseline_rows = pd.DataFrame([
        {"baseline": fit.name, "in space": "yes" if fit.in_space else "no",
         "distance (choices)": fit.distance, "ops the space lacks": ", ".join(fit.missing_ops) or "none",
         "note": fit.note, "architecture": fit.arch}
        for fit in analysis.baselines
    ])
    st.dataframe(baseline_rows, hide_index=True)
    st.caption("**How to read this:** distance is the number of choices to change so a baseline becomes a "
               "member of the space; 0 means the search can find it.")

# --- A sampled architecture ------------------------------------------------------------------
st.markdown("##### A sampled architecture")
st.session_state.setdefault("sample_seed", 0)
if st.button("Draw another", key="draw_another"):
    st.session_state["sample_seed"] += 1
arch = space.sample(np.random.default_rng(st.session_state["sample_seed"]))
if space.family == "cell":
    figure = cell_figure(dict(zip(CELL_EDGE_KEYS, ([op] for op in arch.choices), strict=True)),
                         title=f"Sample {st.session_state['sample_seed']}: {arch.canonical}")
    how_to_read = "the op chosen on each edge; dashed grey edges are cut ('none')."
else:
    strides = [stage["stride"] for stage in space.spec["stages"]]
    figure = chain_figure(arch.choices, strides, title=f"Sample {st.session_state['sample_seed']}",
                          residual=bool(space.spec.get("residual")))
    how_to_read = "blocks from input (left) to classifier (right); colours alternate by stage."
chart(figure, how_to_read, key="sample_figure")
st.code(arch.canonical, language=None)

# --- Save and download ----------------------------------------------------------------------
st.markdown("##### Save")
save_columns = st.columns([2, 1, 1])
file_name = None
try:
    file_name = safe_space_file_name(space.name)
except EditorError as error:
    save_columns[0].error(str(error))
if file_name:
    save_columns[0].write(f"Saves to `data/spaces/user/{file_name}`; the Run page uses the space shown here.")
    overwrite = save_columns[1].checkbox("Overwrite", key="overwrite_space")
    if save_columns[1].button("Save YAML", key="save_space"):
        target = USER_SPACES_DIR / file_name
        if target.exists() and not overwrite:
            st.error(f"{target.name} already exists; tick Overwrite or rename the space.")
        else:
            USER_SPACES_DIR.mkdir(parents=True, exist_ok=True)
            target.write_text(space.to_yaml(), encoding="utf-8")
            st.success(f"Saved {target.name}.")
    save_columns[2].download_button("Download YAML", space.to_yaml(), file_name=file_name,
                                    mime="application/x-yaml", key="download_space")
with st.expander("YAML of this space"):
    st.code(space.to_yaml(), language="yaml")

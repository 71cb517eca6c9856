"""Import: bring a log of your own runs into the database as one experiment."""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import streamlit as st

from nasdiag.ingest import FORMATS, ImportFormatError, WideMapping, commit_import, parse_path
from nasdiag.store import StoreError
from nasdiag.ui.importing import (
    LONG_COLUMNS,
    REQUIRED_LONG_COLUMNS,
    apply_column_mapping,
    guess_mapping,
    is_table,
    parse_options,
    preview_table,
    save_upload,
)
from nasdiag.ui.state import RUNS_DIR, get_store, select_experiment

PARSED_KEY = "import_parsed"
NONE = "(none)"

st.title("Import a log")
st.caption("CSV, Parquet or JSON Lines tables (long or wide), NAS benchmark files, Optuna and NNI databases, "
           "TensorBoard exports. Nothing is written until you press Import, and then in one transaction.")

st.session_state.setdefault("upload_dir", str(RUNS_DIR / "uploads" / uuid.uuid4().hex[:12]))
source_kind = st.radio("Source", ["Upload a file", "Path on this machine"], horizontal=True, key="import_source")
path: Path | None = None
if source_kind == "Upload a file":
    upload = st.file_uploader("Log file", key="import_upload",
                              help="Up to 200 MB; the file is saved under data/runs/uploads/.")
    if upload is not None:
        try:
            path = save_upload(Path(st.session_state["upload_dir"]), upload.name, upload.getvalue())
        except ImportFormatError as error:
            st.error(f"The upload was rejected: {error}")
else:
    typed = st.text_input("File or folder path", key="import_path", placeholder="/path/to/results.csv")
    if typed.strip():
        path = Path(typed.strip()).expanduser()
        if not path.exists():
            st.error(f"{path} does not exist; check the path.")
            path = None
if path is None:
    st.info("Choose a file to see a preview.")
    st.stop()

formats = ["detect from content", *FORMATS]
chosen_format = st.selectbox("Format", formats, key="import_format",
                             format_func=lambda name: name if name not in FORMATS else f"{name}: {FORMATS[name][1]}")
format_name = None if chosen_format == formats[0] else chosen_format
options: dict = {}
import_path = path

if is_table(path) and format_name in (None, "table"):
    try:
        preview = preview_table(path)
    except ImportFormatError as error:
        st.error(f"The table could not be read: {error}")
        st.stop()
    st.markdown("**Preview** (first 20 rows)")
    st.dataframe(preview, hide_index=True)
    columns = [str(column) for column in preview.columns]
    shape = st.radio("Table shape", ["long: one row per trial", "wide: one column per seed",
                                     "wide: one column per fidelity"], horizontal=True, key="import_shape")
    meta = st.columns(2)
    options["metric_name"] = meta[0].text_input("Metric name", value="val_accuracy", key="import_metric_name")
    options["maximize"] = meta[1].toggle("Higher is better", value=True, key="import_maximize")
    if shape.startswith("long"):
        st.markdown("**Column mapping**: which column holds each field.")
        guess = guess_mapping(columns)
        mapping_columns = st.columns(4)
        mapping = {}
        for index, target in enumerate(LONG_COLUMNS):
            choices = [NONE, *columns]
            default = guess[target] if guess[target] in columns else NONE
            label = f"{target}{' (required)' if target in REQUIRED_LONG_COLUMNS else ''}"
            picked = mapping_columns[index % 4].selectbox(label, choices, index=choices.index(default),
                                                          key=f"map_{target}")
            mapping[target] = None if picked == NONE else picked
        fixed = st.columns(2)
        fixed_fidelity = fixed[0].text_input("Fidelity for every row (when no fidelity column)", value="target",
                                             key="import_fixed_fidelity")
        fixed_seed = fixed[1].number_input("Seed for every row (when no seed column)", value=0, key="import_fixed_seed")
        if mapping["fidelity"] is None:
            options["fidelity"] = fixed_fidelity.strip() or "target"
        if mapping["seed"] is None:
            options["seed"] = int(fixed_seed)
        if any(mapping[target] != target for target in LONG_COLUMNS if mapping[target]):
            try:
                import_path = apply_column_mapping(path, mapping, Path(st.session_state["upload_dir"]))
            except ImportFormatError as error:
                st.error(f"The column mapping does not fit the table: {error}")
                st.stop()
    else:
        axis = "seed" if "seed" in shape else "fidelity"
        wide_columns = st.columns(2)
        id_column = wide_columns[0].selectbox("Architecture column", columns, key="import_id_column",
                                              index=columns.index(guess_mapping(columns)["arch"] or columns[0]))
        value_columns = wide_columns[1].multiselect(f"Value columns (one per {axis})",
                                                    [c for c in columns if c != id_column], key="import_value_columns")
        labels = pd.DataFrame({"column": value_columns,
                               axis: [str(i) if axis == "seed" else ("target" if i == len(value_columns) - 1
                                                                     else f"proxy{i + 1}")
                                      for i in range(len(value_columns))]})
        edited = st.data_editor(labels, hide_index=True, disabled=["column"], key="import_wide_labels")
        fixed_value = st.text_input("Fidelity of every value" if axis == "seed" else "Seed of every value",
                                    value="target" if axis == "seed" else "0", key="import_wide_fixed")
        if value_columns:
            try:
                assigned = {row.column: (int(row[axis]) if axis == "seed" else str(row[axis]))
                            for _, row in edited.iterrows()}
                options["wide"] = WideMapping(
                    axis=axis, value_columns=assigned, id_column=id_column,
                    fidelity=fixed_value.strip() if axis == "seed" else None,
                    seed=None if axis == "seed" else int(fixed_value),
                )
            except (ValueError, ImportFormatError) as error:
                st.error(f"The wide mapping is not valid: {error}")
                st.stop()
        else:
            st.info(f"Pick the value columns, one per {axis}.")
            st.stop()
else:
    text = st.text_area("Format options (KEY=VALUE, one per line)", key="import_options",
                        help="For example metric_column=valid_acc for a NATS-Bench table; see "
                             "`nasdiag import --help-formats`.")
    try:
        options.update(parse_options(text))
    except ImportFormatError as error:
        st.error(str(error))
        st.stop()

if st.button("Validate", key="import_validate"):
    try:
        st.session_state[PARSED_KEY] = parse_path(import_path, format=format_name, **options)
    except ImportFormatError as error:
        st.session_state.pop(PARSED_KEY, None)
        st.error(f"This file cannot be imported as set up: {error}")

parsed = st.session_state.get(PARSED_KEY)
if parsed is None:
    st.stop()
report = parsed.report
st.markdown(f"**Validation report** — format `{parsed.format}`, metric `{parsed.metric_name}` "
            f"({'higher' if parsed.maximize else 'lower'} is better)")
counts = st.columns(5)
counts[0].metric("Trials", f"{report.n_trials:,}")
counts[1].metric("Architectures", f"{report.n_archs:,}")
counts[2].metric("Seeds", f"{len(report.seeds)}")
counts[3].metric("Fidelities", f"{len(report.fidelities)}")
counts[4].metric("Missing metrics", f"{report.n_missing_metric:,}")
for warning in report.warnings:
    st.warning(warning)
with st.expander("Full report and the first trials"):
    st.code(report.to_text(), language=None)
    st.dataframe(parsed.trials.head(20), hide_index=True)

name = st.text_input("Experiment name", value=Path(parsed.source).name, key="import_name")
if st.button("Import into the database", type="primary", key="import_commit"):
    try:
        experiment_id = commit_import(parsed, get_store(), name=name.strip() or None)
    except StoreError as error:
        st.error(f"The import failed and nothing was written: {error}")
        st.stop()
    st.session_state.pop(PARSED_KEY, None)
    select_experiment(experiment_id)
    st.success(f"Imported {report.n_trials:,} trials as experiment {experiment_id}.")
    st.page_link("nasdiag/ui/pages/overview.py", label="Open it on the Overview", icon=":material/dashboard:")

"""Architecture detail: one architecture's spec, drawing, cost and learning curves."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nasdiag.ui import data
from nasdiag.ui.arch_detail import arch_drawing, best_per_run, decode_spec, fidelity_summary
from nasdiag.ui.components import chart, current_experiment, format_metric, metric_axis_label
from nasdiag.ui.state import select_arch, selected_arch
from nasdiag.viz import plot_learning_curves

st.title("Architecture detail")

context = current_experiment()
if context is None:
    st.stop()
archs = data.load_architectures(context.db, context.experiment_id, context.n_trials)
if archs.empty:
    st.info("This experiment has no architectures yet.")
    st.stop()

hashes = archs["arch_hash"].astype(str).tolist()
labels = dict(zip(hashes, archs["arch"].astype(str), strict=True))
chosen = selected_arch()
if chosen not in labels:
    chosen = hashes[0]
    st.caption("Pick an architecture below, or click a point or a row on any diagnostics page.")
picked = st.selectbox("Architecture", hashes, index=hashes.index(chosen), format_func=labels.get, key="arch_picker")
if picked != selected_arch():
    select_arch(picked)
row = archs.set_index(archs["arch_hash"].astype(str)).loc[picked]
arch = str(row["arch"])

st.code(arch, language=None)
columns = st.columns(4)
columns[0].metric("Parameters", "—" if pd.isna(row.get("params")) else f"{int(row['params']):,}")
columns[1].metric("FLOPs per sample", "—" if pd.isna(row.get("flops")) else f"{row['flops'] / 1e6:.2f} M")
columns[2].metric("Receptive field", "—" if pd.isna(row.get("receptive_field")) else f"{int(row['receptive_field'])} px")
columns[3].metric("Baseline", "yes" if bool(row.get("is_baseline")) else "no",
                  help="A hand-designed reference architecture trained next to the search.")
st.caption(f"Ops used: {row.get('ops') or '—'}; hash {picked}.")

space_spec = None
if context.experiment.get("space_hash"):
    space_spec = data.load_space_spec(context.db, context.experiment["space_hash"])
spec = decode_spec(row.get("spec_json"))
figure = arch_drawing(spec, space_spec, title="Drawing")
if figure is None:
    st.info("No drawing: this architecture was imported without a cell or chain spec.")
else:
    chart(figure, "a cell shows the op on each edge (dashed: cut); a chain shows its blocks from input to "
          "classifier.", key="arch_drawing")

st.subheader("Metric per fidelity")
trials = context.trials()
summary = fidelity_summary(trials, arch, maximize=context.maximize)
if summary.empty:
    st.warning("This architecture has no finished trial with a metric (failed runs or NaN metrics).")
else:
    st.dataframe(summary, hide_index=True,
                 column_config={name: st.column_config.NumberColumn(format="%.4f")
                                for name in ("mean", "sd", "ci_low", "ci_high")})
    st.caption("**How to read this:** mean over seeds with its 95% t-interval per fidelity; one seed gives no "
               "interval.")
own = trials.loc[trials["arch"].astype(str) == arch,
                 ["fidelity", "seed", "data_seed", "metric", "test_metric", "status", "epochs", "wall_time_s"]]
with st.expander(f"All {len(own)} trials of this architecture"):
    st.dataframe(own.sort_values(["fidelity", "seed"]), hide_index=True,
                 column_config={"metric": st.column_config.NumberColumn(format="%.4f"),
                                "test_metric": st.column_config.NumberColumn(format="%.4f")})
    failed = own.loc[own["status"] != "ok"]
    if len(failed):
        st.caption(f"{len(failed)} trial(s) did not finish with status ok; the statistics leave them out.")

st.subheader("Learning curves")
curves = data.load_curves(context.db, context.experiment_id, context.n_trials, arch_hash=picked)
chart(plot_learning_curves(curves, arch, metric_name=f"validation {metric_axis_label(context.metric_name)}"),
      "validation metric after each epoch, one line per seed and fidelity; lines that cross late mean the "
      "ranking settles late.", key="arch_curves")
if not curves.empty:
    best = best_per_run(curves)
    st.caption("Best validation value per run: " + ", ".join(
        f"{r.fidelity} seed {r.seed}: {format_metric(r.val_metric)}" for r in best.itertuples()))

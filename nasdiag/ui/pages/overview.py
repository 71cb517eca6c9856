"""Overview: the experiments in the database, their verdicts at a glance, and the picker."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nasdiag.store import StoreError
from nasdiag.ui import data
from nasdiag.ui.components import format_metric, level_badge, seeds_text, show_notes, verdict_box
from nasdiag.ui.state import (
    db_path,
    default_experiment,
    ranking_seeds_key,
    select_experiment,
    selected_experiment,
)

st.title("nasdiag: can this architecture search be trusted?")
st.caption("Three checks with numbers: evaluation noise across seeds, proxy vs target ranking, "
           "and whether the search space covers what the task needs.")

db = str(db_path())
try:
    experiments = data.list_experiments(db)
except StoreError as error:
    st.error(f"The database {db} could not be read: {error}")
    st.stop()

if experiments.empty:
    st.info("The database has no experiments yet. Define a search space on **Search space**, start a "
            "search on **Run**, or import a log of your own runs on **Import**.")
    st.stop()

rows = []
for row in experiments.itertuples():
    outcome = data.diagnosis(db, row.experiment_id, int(row.n_trials),
                             ranking_seeds=st.session_state.get(ranking_seeds_key(row.experiment_id)))
    levels = {mode: "—" for mode in ("noise", "proxy", "coverage")}
    if outcome.diagnosis is not None:
        levels = {mode: level_badge(v.level, icon=False) for mode, v in outcome.diagnosis.verdicts.items()}
    rows.append({
        "name": row.name, "status": row.status, "kind": row.kind, "task": row.task if pd.notna(row.task) and row.task else "—",
        "archs": int(row.n_archs), "seeds": int(row.n_seeds), "trials": int(row.n_trials),
        # One column for every experiment: a column per metric name left other rows empty.
        "metric": row.metric_name if pd.notna(row.metric_name) and row.metric_name else "metric",
        "best": row.best_target_metric,
        "noise": levels["noise"], "proxy": levels["proxy"], "coverage": levels["coverage"],
        "created": pd.Timestamp(row.created_at).strftime("%Y-%m-%d %H:%M") if pd.notna(row.created_at) else "",
    })
table = pd.DataFrame(rows)
ids = experiments["experiment_id"].tolist()
current = selected_experiment(ids, default_experiment(experiments))

st.subheader("Experiments")
event = st.dataframe(
    table, hide_index=True, on_select="rerun", selection_mode="single-row", key="overview_table",
    column_config={"best": st.column_config.NumberColumn(format="%.4f")},
)
st.caption("**How to read this:** one row per search or import; *best* is the best architecture's mean "
           "target value of its *metric* over its seeds; the last three columns are the verdicts. Click a row to open it.")
picked = event.selection.rows if event is not None else []
if picked and ids[picked[0]] != current:
    select_experiment(ids[picked[0]])
    st.rerun()

if current not in ids:
    st.info("The search you started is still starting; follow it on the **Run** page.")
    st.stop()
experiment = experiments.set_index("experiment_id").loc[current]
chosen_ranking = st.session_state.get(ranking_seeds_key(current))
outcome = data.diagnosis(db, current, int(experiment["n_trials"]), ranking_seeds=chosen_ranking)
st.subheader(f"Selected: {experiment['name']}")
columns = st.columns(4)
columns[0].metric("Trials", f"{int(experiment['n_trials']):,}")
columns[1].metric("Architectures", f"{int(experiment['n_archs']):,}")
columns[2].metric("Seeds", f"{int(experiment['n_seeds'])}")
best_label = f"Best {experiment['metric_name']} (target)"
if outcome.diagnosis is not None and outcome.diagnosis.noise is not None and len(outcome.diagnosis.noise.per_arch):
    per_arch = outcome.diagnosis.noise.per_arch.sort_values("mean_score", ascending=False)
    top = per_arch.iloc[0]
    interval = (f"95% CI {format_metric(top['ci_low'])} to {format_metric(top['ci_high'])}"
                if pd.notna(top.get("ci_low")) else "one seed: no interval")
    columns[3].metric(best_label, format_metric(top["mean"]), help=f"{per_arch.index[0]}; {interval}")
    st.caption(f"Best architecture at {outcome.diagnosis.noise.fidelity!r}: `{per_arch.index[0]}` — mean "
               f"{format_metric(top['mean'])} over {int(top['n_seeds'])} seed(s), {interval}.")
else:
    columns[3].metric(best_label, format_metric(experiment["best_target_metric"]))

if experiment["status"] == "running":
    st.info("This search is still running; the numbers update as trials finish. Follow it on **Run**.")
if outcome.error:
    st.warning(f"No diagnosis yet: {outcome.error}")
else:
    st.markdown("#### Verdicts")
    if chosen_ranking is not None:
        st.caption(f"The noise verdict judges a ranking by {seeds_text(chosen_ranking)}, as set on the Noise page.")
    for mode in ("noise", "proxy", "coverage"):
        verdict_box(outcome.diagnosis.verdicts[mode], show_checks=False)
    show_notes(outcome.diagnosis.notes)
    links = st.columns(4)
    links[0].page_link("nasdiag/ui/pages/noise.py", label="Noise details", icon=":material/blur_on:")
    links[1].page_link("nasdiag/ui/pages/proxy.py", label="Proxy details", icon=":material/compare_arrows:")
    links[2].page_link("nasdiag/ui/pages/coverage.py", label="Coverage details", icon=":material/grid_view:")
    links[3].page_link("nasdiag/ui/pages/report.py", label="Report", icon=":material/description:")

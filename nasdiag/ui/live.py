"""The live view of a search: progress with ETA, best so far with seed bands, the latest trials.

It polls the database from a fragment that reruns every `POLL_S` seconds while the search runs,
so only this part of the page refreshes. All state is in the database (and the experiment id in
the URL), so the view survives reloads, second tabs and searches started from the CLI.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

from nasdiag.store import StoreError
from nasdiag.ui import data
from nasdiag.ui.components import chart, follow_selection
from nasdiag.ui.runs import format_seconds, process_alive, run_progress, tail
from nasdiag.ui.state import get_store
from nasdiag.viz import plot_best_so_far

logger = logging.getLogger(__name__)

POLL_S = 2.0
RECENT_TRIALS = 15
_STATUS_KEY = "live_status_{}"


def render_live(db: str, experiment_id: str) -> None:
    """Show the experiment's progress; refresh it every POLL_S seconds while it runs."""
    try:
        status = data.get_experiment(db, experiment_id)["status"]
    except StoreError:
        status = None
    launched_pid = st.session_state.get(f"pid_{experiment_id}")
    waiting_for_start = status is None and launched_pid is not None
    if status is None and not waiting_for_start:
        return
    poll = POLL_S if status == "running" or waiting_for_start else None
    st.session_state[_STATUS_KEY.format(experiment_id)] = status
    st.fragment(run_every=poll)(_live_body)(db, experiment_id)


def _live_body(db: str, experiment_id: str) -> None:
    log_path = st.session_state.get(f"log_{experiment_id}")
    pid = st.session_state.get(f"pid_{experiment_id}")
    try:
        experiment = data.get_experiment(db, experiment_id)
    except StoreError:
        if pid is not None and not process_alive(pid):
            st.error("The search process stopped before it created its experiment. Its last output:")
            st.code(tail(Path(log_path)) if log_path else "(no log)", language=None)
        else:
            st.info(f"Starting the search (process {pid}); the first trials appear within a minute.")
        return
    previous = st.session_state.get(_STATUS_KEY.format(experiment_id))
    if previous != experiment["status"]:
        st.session_state[_STATUS_KEY.format(experiment_id)] = experiment["status"]
        # Running -> finished, or the first sight of a new search: redraw the whole page once, so
        # the refresh interval follows the status and the other sections see the new numbers.
        st.rerun(scope="app")

    n_trials = data.trial_count(db, experiment_id)
    trials = data.load_trials(db, experiment_id, n_trials)
    status = experiment["status"]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    progress = run_progress(trials["finished_at"], experiment.get("planned_trials"),
                            now=now if status == "running" else None)

    st.subheader(f"Search: {experiment['name']}")
    eta = ""
    if status == "running":
        eta = (f", about {format_seconds(progress.eta_s)} left (estimate)" if progress.eta_s is not None
               else ", time left shown after the first trials")
    st.progress(progress.fraction, text=f"{progress.done} of {progress.planned} trials{eta} — {status}")
    _status_line(experiment, status, progress, log_path)

    if trials.empty:
        return
    fidelities = [experiment.get("target_fidelity")] + list(experiment.get("proxy_fidelities") or [])
    present = [name for name in fidelities if name and name in set(trials["fidelity"])]
    present += sorted(set(trials["fidelity"]) - set(present))
    fidelity = st.radio("Fidelity", present, horizontal=True, key=f"live_fidelity_{experiment_id}")
    figure = plot_best_so_far(trials, fidelity, maximize=bool(experiment["maximize"]),
                              metric_name=experiment['metric_name'])
    chart(figure, "the line is the best mean over seeds after each new architecture; the band spans what a "
          "search with a single seed would have reported, from its luckiest to its unluckiest seed.",
          key=f"best_so_far_{experiment_id}")

    recent = trials.sort_values("finished_at", ascending=False).head(RECENT_TRIALS)
    columns = ["arch", "fidelity", "seed", "metric", "status", "epochs", "wall_time_s", "finished_at"]
    st.markdown("**Latest trials** (click a row for the architecture's detail)")
    event = st.dataframe(recent[columns], hide_index=True, on_select="rerun", selection_mode="single-row",
                         key=f"live_trials_{experiment_id}",
                         column_config={"metric": st.column_config.NumberColumn(format="%.4f"),
                                        "wall_time_s": st.column_config.NumberColumn("wall time (s)", format="%.2f")})
    follow_selection(event, recent.reset_index(drop=True), key=f"live_trials_{experiment_id}")


def _status_line(experiment: dict, status: str, progress, log_path: str | None) -> None:
    experiment_id = experiment["experiment_id"]
    if status == "running":
        alive = process_alive(experiment.get("pid"))
        if experiment.get("pid") and not alive:
            st.warning("The search process is gone but the experiment is still marked running: it was "
                       "killed or crashed. Start the same search again to resume; finished trials are kept.")
        elif experiment.get("cancel_requested"):
            st.info("Cancel requested: the search stops after its current trials.")
        elif st.button("Cancel search", key=f"cancel_{experiment_id}"):
            get_store().request_cancel(experiment_id)
            st.info("Cancel requested: the search stops after its current trials.")
        if progress.rate_per_s:
            st.caption(f"{progress.rate_per_s * 60:.1f} trials per minute so far.")
    elif status == "failed":
        st.error("The search failed. Its last output is below; fix the cause and start it again to resume.")
    elif status == "cancelled":
        st.info("The search was cancelled. Start the same setup again to resume it.")
    if log_path:
        with st.expander("Search output (log)", expanded=status == "failed"):
            st.code(tail(Path(log_path)) or "(empty so far)", language=None)

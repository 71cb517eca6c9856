"""The sidebar shown on every page: the database in use and the experiment picker."""

from __future__ import annotations

import streamlit as st

from nasdiag.store import StoreError
from nasdiag.ui import data
from nasdiag.ui.state import (
    EXPERIMENT_KEY,
    db_path,
    default_experiment,
    is_pending,
    select_experiment,
    selected_experiment,
)

PICKER_KEY = "sidebar_experiment_picker"


def _on_pick() -> None:
    select_experiment(st.session_state[PICKER_KEY])


def render() -> None:
    """Draw the experiment picker and keep the selection in the session and the URL."""
    db = str(db_path())
    with st.sidebar:
        try:
            experiments = data.list_experiments(db)
        except StoreError as error:
            st.error(f"The database {db} could not be read: {error}")
            return
        ids = experiments["experiment_id"].tolist()
        current = selected_experiment(ids, default_experiment(experiments))
        if is_pending(current):
            st.caption(f"Starting search `{current}`; it appears here once its first record is stored.")
            return
        if not ids:
            st.caption(f"Database: `{db}` (no experiments yet)")
            return
        labels = {
            row.experiment_id: f"{row.name} ({row.status}, {row.n_trials} trials)"
            for row in experiments.itertuples()
        }
        if st.session_state.get(PICKER_KEY) != current:
            st.session_state[PICKER_KEY] = current
        st.selectbox("Experiment", ids, format_func=labels.get, key=PICKER_KEY, on_change=_on_pick,
                     help="The experiment every page shows. The choice is kept in the URL.")
        st.caption(f"Database: `{db}`")
        st.session_state.setdefault(EXPERIMENT_KEY, current)

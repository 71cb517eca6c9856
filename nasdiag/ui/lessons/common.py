"""Widgets shared by the lesson pages: opening the bundled experiment, reruns, and questions.

Pages call these for layout, and numbers and sentences come from `nasdiag.lessons`. A rerun is
a background `nasdiag search` process (see `nasdiag.ui.runs`) writing into the dashboard's
database. The page polls the database from a fragment and never trains in its own process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from nasdiag.lessons import bundles, live
from nasdiag.lessons.bundles import LessonData
from nasdiag.store import StoreError
from nasdiag.ui import data, state
from nasdiag.ui.runs import format_seconds, launch_search, process_alive, run_progress, tail
from nasdiag.ui.state import REPO_ROOT, db_path, get_store

logger = logging.getLogger(__name__)

POLL_SECONDS = 2.0
LEVEL_ICONS = {"ok": ":material/check_circle:", "warn": ":material/warning:", "fail": ":material/error:",
               "insufficient data": ":material/help:"}


def database() -> str:
    return str(db_path())


def runs_dir():
    """Return the folder for rerun logs and generated spaces (read at call time, so tests can move it)."""
    return state.RUNS_DIR


def open_bundled(lesson: str, variant: str) -> LessonData | None:
    """Load a prepared experiment into the dashboard's database and return its data, or show why not."""
    try:
        experiment_id = _load_bundle_once(database(), lesson, variant)
        return lesson_data(database(), experiment_id, data.trial_count(database(), experiment_id), "bundled")
    except (StoreError, OSError, KeyError, ValueError) as error:
        logger.error("lesson bundle %s/%s could not be opened: %s", lesson, variant, error)
        st.error(f"The prepared experiment {lesson}/{variant} could not be opened: {error}. Regenerate it with "
                 f"`python scripts/make_lessons.py --only {lesson}/{variant}`.")
        return None


@st.cache_resource(show_spinner="Opening the prepared experiment...")
def _load_bundle_once(db: str, lesson: str, variant: str) -> str:
    return bundles.open_bundled(get_store(), lesson, variant)


@st.cache_data(show_spinner=False, max_entries=16)
def lesson_data(db: str, experiment_id: str, n_trials: int, source: str) -> LessonData:
    """Read an experiment's trials and context; ``n_trials`` keys the cache to the stored count."""
    return bundles.load_lesson_data(get_store(), experiment_id, source=source)


def source_note(*shown: LessonData) -> None:
    """State where the numbers below come from: the bundled run or the learner's rerun, with ids."""
    ids = ", ".join(f"`{item.experiment_id}`" for item in shown)
    noun = "experiment" if len(shown) == 1 else "experiments"
    if all(item.source == "bundled" for item in shown):
        st.caption(f":material/inventory_2: Numbers below come from the **bundled run** ({noun} {ids}, produced "
                   f"by `scripts/make_lessons.py` with a fixed seed), not from your rerun.")
    else:
        names = "; ".join(item.name for item in shown)
        st.caption(f":material/replay: Numbers below come from **your rerun** ({noun} {ids}: {names}).")


def verdict_box(verdict: Any) -> None:
    """Show one verdict with its level, summary and fix."""
    text = f"**{verdict.mode} verdict: {verdict.level}.** {verdict.summary}\n\n**Fix:** {verdict.fix}"
    if verdict.level == "fail":
        st.error(text, icon=LEVEL_ICONS["fail"])
    elif verdict.level in ("warn", "insufficient data"):
        st.warning(text, icon=LEVEL_ICONS[verdict.level])
    else:
        st.success(text, icon=LEVEL_ICONS["ok"])


def questions(items: Sequence[tuple[str, str]], *, key: str) -> None:
    """Interview-style questions, each answer hidden in an expander until the learner opens it."""
    st.subheader("Check yourself")
    for index, (question, answer) in enumerate(items, start=1):
        st.markdown(f"**Q{index}.** {question}")
        with st.expander(f"Show the model answer to Q{index}"):
            st.markdown(answer)


# ----------------------------------------------------------------------------- reruns


@dataclass(frozen=True)
class RunState:
    """A rerun the learner started from a lesson page."""

    experiment_id: str
    pid: int | None  # None when the same settings had already finished
    log_path: str | None
    search: dict


def _run_key(lesson: str) -> str:
    return f"lesson_{lesson}_run"


def current_run(lesson: str) -> RunState | None:
    return st.session_state.get(_run_key(lesson))


def start_rerun(lesson: str, search: dict) -> RunState | None:
    """Start (or find finished) the rerun for ``search``; show an error and return None when invalid."""
    try:
        experiment_id = live.experiment_id_for(search)
    except ValueError as error:
        st.error(f"These settings cannot run: {error}")
        return None
    store = get_store()
    existing = store.find_experiment_by_id(experiment_id)
    if existing is not None and existing["status"] == "finished":
        state = RunState(experiment_id, None, None, search)
    elif existing is not None and existing["status"] == "running" and process_alive(existing.get("pid")):
        state = RunState(experiment_id, existing.get("pid"), None, search)
    else:
        command = live.cli_command(search, db_path())
        pid, log_path = launch_search(command, log_dir=runs_dir(), cwd=REPO_ROOT)
        state = RunState(experiment_id, pid, str(log_path), search)
    st.session_state[_run_key(lesson)] = state
    return state


def cancel_rerun(lesson: str) -> None:
    """Ask the running rerun to stop after its current trials (the runner checks the flag)."""
    state = current_run(lesson)
    if state is not None and get_store().find_experiment_by_id(state.experiment_id) is not None:
        get_store().request_cancel(state.experiment_id)


def rerun_status(lesson: str, render_results: Callable[[LessonData], None]) -> None:
    """Follow the learner's rerun: progress while it runs, then ``render_results`` on its data."""
    state = current_run(lesson)
    if state is None:
        st.caption("No rerun yet: change the settings above and press **Run**.")
        return
    running = _is_running(state)

    @st.fragment(run_every=POLL_SECONDS if running else None)
    def follow() -> None:
        experiment = get_store().find_experiment_by_id(state.experiment_id)
        if experiment is None:
            if state.pid is not None and not process_alive(state.pid):
                st.error("The search process ended before creating its experiment. Its log:")
                st.code(tail(_path(state.log_path)) or "(empty log)")
            else:
                st.info("Starting the search process...")
            return
        n_trials = data.trial_count(database(), state.experiment_id)
        status = experiment["status"]
        if status == "running" and (state.pid is None or process_alive(state.pid)):
            finished = data.load_trials(database(), state.experiment_id, n_trials)
            planned = experiment.get("planned_trials") or 0
            progress = run_progress(finished["finished_at"], planned)
            st.progress(progress.fraction, text=f"{progress.done} of {progress.planned} trials trained; "
                                                 f"about {format_seconds(progress.eta_s)} left")
            st.button("Cancel the rerun", key=f"cancel_{lesson}", on_click=cancel_rerun, args=(lesson,))
            return
        if status != "finished":
            st.warning(f"The rerun ended as **{status}** after {n_trials} trials.")
            if state.log_path:
                with st.expander("Search log"):
                    st.code(tail(_path(state.log_path)) or "(empty log)")
            if n_trials == 0:
                return
        if running:
            st.rerun()  # leave the polling fragment for a full run that draws the results once
        render_results(lesson_data(database(), state.experiment_id, n_trials, "rerun"))

    follow()


def _is_running(state: RunState) -> bool:
    experiment = get_store().find_experiment_by_id(state.experiment_id)
    if experiment is None:
        return state.pid is not None and process_alive(state.pid)
    return experiment["status"] == "running" and (state.pid is None or process_alive(state.pid))


def _path(text: str | None):
    from pathlib import Path

    return Path(text) if text else Path("/nonexistent")

"""Cached reads of the store for the pages.

Every cached function takes the database path, the experiment id and the experiment's trial
count. The count is not used in the body: it is part of the cache key, so a finished trial
(from a search running in another process) invalidates the cached tables and statistics while
a rerun with nothing new is served from the cache. DataFrames are cached, never connections.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from nasdiag.store import Store

logger = logging.getLogger(__name__)

_CACHE_ENTRIES = 32


def _store(db: str) -> Store:
    from nasdiag.ui.state import _store_for

    return _store_for(db)


def list_experiments(db: str) -> pd.DataFrame:
    """Return the experiments table (uncached: one cheap query, and statuses change while running)."""
    return _store(db).list_experiments()


def trial_count(db: str, experiment_id: str) -> int:
    """Return the experiment's stored trial count (the cache key of everything below)."""
    return _store(db).trial_count(experiment_id)


@st.cache_data(show_spinner=False, max_entries=_CACHE_ENTRIES)
def load_trials(db: str, experiment_id: str, n_trials: int) -> pd.DataFrame:
    """Return the tidy trials table of the experiment."""
    return _store(db).load_trials(experiment_id)


@st.cache_data(show_spinner=False, max_entries=_CACHE_ENTRIES)
def load_curves(db: str, experiment_id: str, n_trials: int, arch_hash: str | None = None) -> pd.DataFrame:
    """Return the per-epoch curves of the experiment, or of one architecture."""
    return _store(db).load_curves(experiment_id, arch_hash=arch_hash)


@st.cache_data(show_spinner=False, max_entries=_CACHE_ENTRIES)
def load_architectures(db: str, experiment_id: str, n_trials: int) -> pd.DataFrame:
    """Return the experiment's architectures with params, FLOPs and receptive field."""
    return _store(db).load_architectures(experiment_id)


@st.cache_data(show_spinner=False, max_entries=_CACHE_ENTRIES)
def load_fidelities(db: str, experiment_id: str, n_trials: int) -> pd.DataFrame:
    """Return the experiment's fidelities with their role and spec."""
    return _store(db).load_fidelities(experiment_id)


@st.cache_data(show_spinner=False, max_entries=_CACHE_ENTRIES)
def load_space_spec(db: str, space_hash: str) -> dict[str, Any] | None:
    """Return the stored search-space spec of an experiment, or None."""
    return _store(db).load_space_spec(space_hash)


def get_experiment(db: str, experiment_id: str) -> dict[str, Any]:
    """Return one experiment's row (uncached: status and progress change while it runs)."""
    return _store(db).get_experiment(experiment_id)


@dataclass(frozen=True)
class DiagnosisOutcome:
    """A diagnosis, or the sentence that says why there is none."""

    diagnosis: Any | None  # nasdiag.diagnostics.Diagnosis
    error: str | None
    context: dict[str, Any]  # the keyword arguments `diagnose` got, minus tables


@st.cache_data(show_spinner="Computing the diagnosis...", max_entries=_CACHE_ENTRIES)
def diagnosis(db: str, experiment_id: str, n_trials: int, proxy: str | None = None,
              target: str | None = None, seed: int = 0, ranking_seeds: int | None = None) -> DiagnosisOutcome:
    """Diagnose the experiment (noise, proxy vs target, coverage) with its stored context.

    `proxy` and `target` override the experiment's own fidelities, and `ranking_seeds` the seeds
    per architecture its search ranked by. Input the diagnostics reject
    (no usable trials, a fidelity that is not in the table) gives an outcome with `error` set.
    """
    from nasdiag.commands import load_experiment_for_diagnosis
    from nasdiag.diagnostics import DiagnoseInputError, diagnose

    if n_trials == 0:
        return DiagnosisOutcome(None, "This experiment has no trials yet.", {})
    trials, curves, context = load_experiment_for_diagnosis(_store(db), experiment_id)
    if proxy:
        context["proxy"] = proxy
    if target:
        context["target"] = target
    if ranking_seeds is not None:
        context["ranking_seeds"] = ranking_seeds
    fidelities = set(trials["fidelity"].astype(str))
    for role in ("proxy", "target"):
        if context.get(role) and context[role] not in fidelities:
            # A stored fidelity with no trials yet (a search that just started): let diagnose choose.
            context.pop(role)
    if context.get("proxy") and context.get("proxy") == context.get("target"):
        context.pop("proxy")
    try:
        result = diagnose(trials, curves=curves, seed=seed, **context)
    except DiagnoseInputError as error:
        logger.info("experiment %s cannot be diagnosed: %s", experiment_id, error)
        return DiagnosisOutcome(None, str(error), _plain(context))
    return DiagnosisOutcome(result, None, _plain(context))


def _plain(context: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in context.items() if not isinstance(value, pd.DataFrame)}


@st.cache_data(show_spinner="Sampling and profiling architectures...", max_entries=_CACHE_ENTRIES)
def space_analysis(space_yaml: str, task: str, seed: int = 0) -> Any:
    """Return `analyse_space` of the space in `space_yaml` for `task` (cached on the YAML text)."""
    from nasdiag.space import SearchSpace
    from nasdiag.ui.space_analysis import analyse_space

    return analyse_space(SearchSpace.from_yaml(space_yaml), task=task, seed=seed)


@st.cache_data(show_spinner=False, max_entries=8)
def task_input_shape(task: str) -> tuple[tuple[int, ...], int]:
    """Return (input shape without the batch axis, number of classes) of a task."""
    from nasdiag.tasks import load_task

    loaded = load_task(task, split_seed=0)
    return tuple(int(size) for size in loaded.input_shape), int(loaded.num_classes)


@st.cache_data(show_spinner="Rendering the report...", max_entries=8)
def report_text(db: str, experiment_id: str, n_trials: int, fmt: str, with_figures: bool = True,
                ranking_seeds: int | None = None) -> str:
    """Return the experiment's report as Markdown (`fmt='md'`) or standalone HTML (`fmt='html'`).

    The HTML embeds the plotly.js bundle (about 4 MB) when `with_figures`, so it works offline.
    `ranking_seeds` overrides the seeds the search ranked by, as on the Noise page.
    """
    from nasdiag.report import render_html, render_markdown
    from nasdiag.viz import diagnosis_figures

    outcome = diagnosis(db, experiment_id, n_trials, ranking_seeds=ranking_seeds)
    if outcome.diagnosis is None:
        raise ValueError(f"experiment {experiment_id} has no diagnosis: {outcome.error}")
    experiment = get_experiment(db, experiment_id)
    meta = {"title": f"nasdiag diagnosis: {experiment['name']}", "experiment_id": experiment_id,
            "source": str(experiment.get("source") or ""), "database": db}
    if fmt == "md":
        return render_markdown(outcome.diagnosis, meta)
    figures = diagnosis_figures(outcome.diagnosis, metric_name=str(experiment.get("metric_name") or "metric"))
    return render_html(outcome.diagnosis, meta, figures if with_figures else None,
                       plotly_js="inline" if with_figures else "omit")

"""Session state of the dashboard: the database path, the store and the selected experiment.

The selected experiment lives in `st.session_state` and in the URL (`?experiment=ID`), so a
reload or a second tab opens the same experiment. The store is cached per database path, and
it contains a path, not a connection (see `nasdiag.store.connection` for why no connection stays open).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from nasdiag.store import DB_ENV_VAR, DEFAULT_DB_PATH, Store, StoreError, load_bundle

logger = logging.getLogger(__name__)

DEMO_ENV_VAR = "NASDIAG_DEMO"  # a bundle folder to load into an empty database, or "off"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_BUNDLE = REPO_ROOT / "data" / "demo"
RUNS_DIR = REPO_ROOT / "data" / "runs"
USER_SPACES_DIR = REPO_ROOT / "data" / "spaces" / "user"

EXPERIMENT_KEY = "experiment"  # the session-state key and the query parameter
PENDING_KEY = "pending_experiment"  # a search this session started that has not stored its experiment yet
ARCH_KEY = "arch_hash"


def db_path() -> Path:
    """Return the database file: `$NASDIAG_DB`, or `data/nasdiag.duckdb` under the repository."""
    configured = os.environ.get(DB_ENV_VAR)
    if configured:
        return Path(configured).expanduser().resolve()
    return (REPO_ROOT / DEFAULT_DB_PATH).resolve()


@st.cache_resource(show_spinner=False)
def _store_for(path: str) -> Store:
    return Store(path)


def get_store() -> Store:
    """Return the store of the configured database, creating the file on first use."""
    return _store_for(str(db_path()))


def demo_bundle() -> Path | None:
    """Return the demo bundle folder: `$NASDIAG_DEMO`, or `data/demo`; None when set to "off"."""
    configured = os.environ.get(DEMO_ENV_VAR, "").strip()
    if configured.lower() == "off":
        return None
    return Path(configured).expanduser() if configured else DEMO_BUNDLE


@st.cache_resource(show_spinner=False)
def _demo_checked(path: str, bundle: str | None) -> str | None:
    """Load the demo into an empty database once per server process; return its id."""
    store = _store_for(path)
    if bundle is None or not store.list_experiments().empty:
        return None
    if not (Path(bundle) / "experiment.json").is_file():
        logger.warning("database %s is empty and the demo bundle %s is missing", path, bundle)
        return None
    experiment_id = load_bundle(store, bundle)
    logger.info("loaded the demo experiment %s into %s", experiment_id, path)
    return experiment_id


def ensure_demo_loaded() -> str | None:
    """Open a first start on the bundled demo: load it when the database has no experiments.

    Returns the demo's experiment id when it was loaded now, else None. A failure to load is
    logged and shown as a warning, never raised, so the dashboard still opens on an empty database.
    """
    try:
        bundle = demo_bundle()
        return _demo_checked(str(db_path()), None if bundle is None else str(bundle))
    except (StoreError, OSError, ValueError) as error:
        logger.error("loading the demo bundle into %s failed: %s", db_path(), error)
        st.warning(f"The demo experiment could not be loaded ({error}). The dashboard starts empty.")
        return None


def selected_experiment(known_ids: list[str] | tuple[str, ...], default: str | None = None) -> str | None:
    """Return the selected experiment id if it is still in `known_ids`, else `default` or the first known id.

    The URL wins over the session, so that a shared link opens the experiment it names.
    """
    from_url = st.query_params.get(EXPERIMENT_KEY)
    pending = st.session_state.get(PENDING_KEY)
    if pending and pending in known_ids:
        del st.session_state[PENDING_KEY]
    elif pending and pending in (from_url, st.session_state.get(EXPERIMENT_KEY)):
        # The search process is still starting: keep following it instead of falling back.
        select_experiment(pending)
        return pending
    candidates = [from_url, st.session_state.get(EXPERIMENT_KEY)]
    for candidate in candidates:
        if candidate and candidate in known_ids:
            if candidate != st.session_state.get(EXPERIMENT_KEY) or from_url != candidate:
                select_experiment(candidate)
            return candidate
    if known_ids:
        fallback = default if default in known_ids else known_ids[0]
        select_experiment(fallback)
        return fallback
    return None


# Names of the lessons' bundled experiments and of the learners' reruns (nasdiag.lessons).
LESSON_NAME_PREFIXES = ("lesson: ", "lesson rerun: ")


def default_experiment(experiments: pd.DataFrame) -> str | None:
    """Return the experiment a new session opens: the newest one that is not a lesson's, else the newest."""
    if experiments.empty:
        return None
    own = experiments.loc[~experiments["name"].astype(str).str.startswith(LESSON_NAME_PREFIXES)]
    chosen = own if len(own) else experiments
    return str(chosen["experiment_id"].iloc[0])


def ranking_seeds_key(experiment_id: str) -> str:
    """Return the session key of the ranking-seed count chosen on the Noise page for one experiment."""
    return f"ranking_seeds_{experiment_id}"


def is_pending(experiment_id: str | None) -> bool:
    """Return whether the experiment is a search this session started that is not stored yet."""
    return experiment_id is not None and st.session_state.get(PENDING_KEY) == experiment_id


def select_experiment(experiment_id: str | None) -> None:
    """Remember the experiment in the session and in the URL; None clears both."""
    if experiment_id is None:
        st.session_state.pop(EXPERIMENT_KEY, None)
        if EXPERIMENT_KEY in st.query_params:
            del st.query_params[EXPERIMENT_KEY]
        return
    if st.session_state.get(EXPERIMENT_KEY) != experiment_id:
        # Another experiment: the architecture picked in the old one no longer applies.
        st.session_state.pop(ARCH_KEY, None)
    st.session_state[EXPERIMENT_KEY] = experiment_id
    if st.query_params.get(EXPERIMENT_KEY) != experiment_id:
        st.query_params[EXPERIMENT_KEY] = experiment_id


def selected_arch() -> str | None:
    """Return the architecture hash picked on any page (chart point or table row), or None."""
    return st.session_state.get(ARCH_KEY) or st.query_params.get(ARCH_KEY)


def select_arch(arch_hash: str | None) -> None:
    """Remember the architecture for the Architecture detail page (session and URL)."""
    if arch_hash is None:
        st.session_state.pop(ARCH_KEY, None)
        if ARCH_KEY in st.query_params:
            del st.query_params[ARCH_KEY]
        return
    st.session_state[ARCH_KEY] = arch_hash
    st.query_params[ARCH_KEY] = arch_hash

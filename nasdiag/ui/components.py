"""Building blocks shared by the pages: the experiment context, charts with captions, and
architecture selection from charts and tables."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from nasdiag.store import StoreError
from nasdiag.ui import data
from nasdiag.ui.state import (
    db_path,
    default_experiment,
    is_pending,
    ranking_seeds_key,
    select_arch,
    selected_experiment,
)

logger = logging.getLogger(__name__)

ARCH_PAGE = "nasdiag/ui/pages/architecture.py"


@dataclass(frozen=True)
class ExperimentContext:
    """The selected experiment: its database, id, stored row and trial count."""

    db: str
    experiment_id: str
    experiment: dict[str, Any]
    n_trials: int

    @property
    def name(self) -> str:
        return str(self.experiment.get("name") or self.experiment_id)

    @property
    def metric_name(self) -> str:
        return str(self.experiment.get("metric_name") or "metric")

    @property
    def maximize(self) -> bool:
        return bool(self.experiment.get("maximize", True))

    def trials(self) -> pd.DataFrame:
        return data.load_trials(self.db, self.experiment_id, self.n_trials)


def current_experiment() -> ExperimentContext | None:
    """Return the selected experiment, or show why there is none and return None."""
    db = str(db_path())
    try:
        experiments = data.list_experiments(db)
        experiment_id = selected_experiment(experiments["experiment_id"].tolist(), default_experiment(experiments))
        if experiment_id is None:
            st.info("The database has no experiments yet. Start a search on the **Run** page or "
                    "import a log on the **Import** page.")
            return None
        if is_pending(experiment_id):
            st.info("The search you started is still starting; follow it on the **Run** page.")
            return None
        experiment = data.get_experiment(db, experiment_id)
        n_trials = data.trial_count(db, experiment_id)
    except StoreError as error:
        st.error(f"The database {db} could not be read: {error}")
        return None
    return ExperimentContext(db, experiment_id, experiment, n_trials)


def chart(figure: go.Figure, how_to_read: str, *, key: str, selectable: bool = False):
    """Draw a Plotly figure with its one-line "How to read this" caption.

    With `selectable`, clicking a point returns the selection event (see `arch_from_selection`).
    """
    event = st.plotly_chart(
        figure, key=key, on_select="rerun" if selectable else "ignore",
        selection_mode=("points",) if selectable else ("points", "box", "lasso"),
        config={"displaylogo": False},
    )
    st.caption(f"**How to read this:** {how_to_read}")
    return event


def _values(item: Any) -> Iterable[Any]:
    if isinstance(item, (list, tuple)):
        for value in item:
            yield from _values(value)
    elif item is not None:
        yield item


def arch_from_point(point: dict[str, Any], archs: pd.DataFrame) -> str | None:
    """Return the arch hash that a selected chart point names, or None.

    Figures name their architecture in `customdata`, `hovertext`, `text` or an axis value; the
    first value that equals a known architecture string or hash wins.
    """
    by_arch = dict(zip(archs["arch"].astype(str), archs["arch_hash"].astype(str), strict=False))
    hashes = set(by_arch.values())
    for field in ("customdata", "hovertext", "text", "x", "y"):
        for value in _values(point.get(field)):
            text = str(value)
            if text in hashes:
                return text
            if text in by_arch:
                return by_arch[text]
    return None


def follow_selection(event: Any, archs: pd.DataFrame, *, key: str) -> None:
    """Open the Architecture detail page for a newly selected chart point or table row.

    A selection is followed once: the last followed one is remembered under `key`, so coming
    back to the page with the selection still set does not jump away again.
    """
    selection = getattr(event, "selection", None) if event is not None else None
    if selection is None:
        return
    arch_hash = None
    points = selection.get("points") if isinstance(selection, dict) else getattr(selection, "points", None)
    rows = selection.get("rows") if isinstance(selection, dict) else getattr(selection, "rows", None)
    if points:
        for point in points:
            arch_hash = arch_from_point(point, archs)
            if arch_hash:
                break
    elif rows:
        index = rows[0]
        if 0 <= index < len(archs) and pd.notna(archs.iloc[index]["arch_hash"]):
            arch_hash = str(archs.iloc[index]["arch_hash"])
    memory = f"followed_{key}"
    if arch_hash is None:
        st.session_state.pop(memory, None)
        return
    if st.session_state.get(memory) == arch_hash:
        return
    st.session_state[memory] = arch_hash
    select_arch(arch_hash)
    st.switch_page(ARCH_PAGE, query_params={"experiment": st.session_state.get("experiment", ""),
                                            "arch_hash": arch_hash})


def format_metric(value: Any, digits: int = 4) -> str:
    """Return a metric for display; NaN and None become an em dash."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    if number != number:
        return "—"
    return f"{number:.{digits}f}"


# Material icon shortcodes render in Streamlit markdown without an emoji font.
_LEVEL_ICONS = {"ok": ":material/check_circle:", "warn": ":material/warning:", "fail": ":material/cancel:",
                "insufficient data": ":material/help:"}
_MODE_TITLES = {"noise": "Evaluation noise", "proxy": "Proxy vs target", "coverage": "Search-space coverage"}


def level_badge(level: str, *, icon: bool = True) -> str:
    """Return a verdict level for display: with a Material icon for markdown, plain for tables."""
    if not icon:
        return level.upper() if level in ("warn", "fail") else level
    return f"{_LEVEL_ICONS.get(level, '')} {level}".strip()


def escape_markdown(text: str) -> str:
    """Escape the characters of architecture strings that Streamlit's markdown would format.

    NAS-Bench-201 strings such as `|nor_conv_3x3~0|+|...` contain `~` (strikethrough), `|`
    (tables) and `_` and `*` (emphasis).
    """
    for char in ("\\", "~", "*", "_", "|", "[", "]"):
        text = text.replace(char, "\\" + char)
    return text


def verdict_box(verdict: Any, *, show_checks: bool = True) -> None:
    """Show one verdict: its level, the summary with its numbers, the checks and the fix."""
    title = f"**{_MODE_TITLES.get(verdict.mode, verdict.mode)}: {level_badge(verdict.level)}**"
    body = f"{title}\n\n{escape_markdown(verdict.summary)}\n\n**Fix:** {escape_markdown(verdict.fix)}"
    box = {"ok": st.success, "warn": st.warning, "fail": st.error}.get(verdict.level, st.info)
    box(body)
    if show_checks and verdict.checks:
        rows = [
            {"check": check.name, "value": check.value, "threshold": check.threshold,
             "level": level_badge(check.level, icon=False) if check.judged else "not judged",
             "what it measures": check.message}
            for check in verdict.checks
        ]
        with st.expander("Checks behind this verdict", expanded=False):
            st.dataframe(pd.DataFrame(rows), hide_index=True,
                         column_config={"value": st.column_config.NumberColumn(format="%.4f"),
                                        "threshold": st.column_config.NumberColumn(format="%.4f")})


def show_notes(notes: Iterable[str]) -> None:
    """Show the choices the diagnosis made for the user (fidelities picked, rows left out)."""
    for note in notes:
        st.caption(f"ℹ️ {note}")


def metric_axis_label(metric_name: str) -> str:
    """Return the metric name with its unit for axis titles ('val_accuracy (fraction)')."""
    if "acc" in metric_name.lower() and "(" not in metric_name:
        return f"{metric_name} (fraction)"
    return metric_name


def current_diagnosis(context: ExperimentContext, *, proxy: str | None = None, target: str | None = None,
                      ranking_seeds: int | None = None):
    """Return the experiment's Diagnosis, or show why there is none and return None.

    Without `ranking_seeds`, the noise verdict judges the ranking-seed count chosen on the Noise
    page for this experiment, else the search's own, so every page shows one verdict.
    """
    chosen = st.session_state.get(ranking_seeds_key(context.experiment_id))
    if ranking_seeds is None and chosen is not None:
        ranking_seeds = chosen
        st.caption(f"The noise verdict judges a ranking by {seeds_text(chosen)}, as set on the Noise page.")
    outcome = data.diagnosis(context.db, context.experiment_id, context.n_trials, proxy=proxy, target=target,
                             ranking_seeds=ranking_seeds)
    if outcome.diagnosis is None:
        st.warning(f"No diagnosis for {context.name}: {outcome.error}")
        return None
    if context.experiment.get("status") == "running":
        st.info(f"This search is still running ({context.n_trials} trials so far); the numbers update as "
                "trials finish.")
    return outcome.diagnosis


def seeds_text(n_seeds: int) -> str:
    """Return "1 seed" or "the mean of n seeds", for sentences about a ranking."""
    return "1 seed" if n_seeds == 1 else f"the mean of {n_seeds} seeds"


def ci_text(low: float, high: float, digits: int = 3) -> str:
    """Return '[low, high]' for an interval, or 'no interval' when either end is NaN."""
    if low != low or high != high:
        return "no interval"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"

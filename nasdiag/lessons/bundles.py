"""Open the lessons' prepared experiments: bundle folder -> store -> diagnosis inputs."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nasdiag.lessons.catalog import LESSONS_DIR, get_experiment
from nasdiag.store import Store, StoreError, load_bundle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LessonData:
    """One experiment's trials with the context `diagnose` needs, from a bundle or a rerun."""

    experiment_id: str
    name: str
    source: str  # "bundled" or "rerun"
    trials: pd.DataFrame
    curves: pd.DataFrame
    context: dict[str, Any]  # keyword arguments for nasdiag.diagnostics.diagnose
    fidelities: tuple[dict[str, Any], ...]  # Fidelity.to_dict() dicts, proxies first, target last
    data_order: str = "varied"  # the search's data order: "varied" (shuffled per seed) or "fixed"


def bundle_folder(lesson: str, variant: str, root: Path = LESSONS_DIR) -> Path:
    """Return the bundle folder of a prepared experiment (it may be missing on a broken install)."""
    get_experiment(lesson, variant)  # raises KeyError on an unknown pair
    return root / lesson / variant


def bundled_experiment_id(lesson: str, variant: str, root: Path = LESSONS_DIR) -> str:
    """Return the experiment id written in a bundle's header, without loading it.

    Raises:
        StoreError: the bundle folder or its header is missing.
    """
    header = bundle_folder(lesson, variant, root) / "experiment.json"
    if not header.is_file():
        raise StoreError(f"lesson bundle {header.parent} is missing; regenerate it with "
                         f"`python scripts/make_lessons.py --only {lesson}/{variant}`")
    return json.loads(header.read_text(encoding="utf-8"))["experiment"]["experiment_id"]


def open_bundled(store: Store, lesson: str, variant: str, root: Path = LESSONS_DIR) -> str:
    """Load a prepared experiment into ``store`` (once; later calls find it) and return its id."""
    return load_bundle(store, bundle_folder(lesson, variant, root))


def load_lesson_data(store: Store, experiment_id: str, *, source: str) -> LessonData:
    """Read an experiment's trials and diagnosis context from the store."""
    from nasdiag.commands import load_experiment_for_diagnosis

    experiment = store.get_experiment(experiment_id)
    trials, curves, context = load_experiment_for_diagnosis(store, experiment_id)
    config = experiment.get("config") or {}
    if isinstance(config, str):
        config = json.loads(config)
    return LessonData(
        experiment_id=experiment_id,
        name=str(experiment.get("name")),
        source=source,
        trials=trials,
        curves=curves,
        context=context,
        fidelities=tuple(config.get("fidelities") or ()),
        data_order=str(config.get("data_order") or "varied"),
    )

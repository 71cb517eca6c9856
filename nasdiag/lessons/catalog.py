"""The prepared lesson experiments: the search configs behind every bundle in `data/lessons/`.

`scripts/make_lessons.py` runs these configs and exports each finished experiment as a bundle
folder `data/lessons/<lesson>/<variant>/`. The dashboard loads the bundles, so a lesson opens
without training. The configs are fixed here (search seed included), so the script gives the
same trials again on the same software and CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nasdiag.lessons.mismatch import FULL_WIDENING, Widening, widened_space

REPO_ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = REPO_ROOT / "data" / "lessons"

MISMATCH = "mismatch"
PROXY = "proxy"
NOISE = "noise"
LESSON_IDS = (MISMATCH, PROXY, NOISE)

# Lesson 1 trains every architecture at one fidelity; 8 epochs is where MNIST-1D models
# have nearly converged with the default cosine schedule.
MISMATCH_TARGET = "target:epochs=8"

# Lesson 2's proxies, cheapest first; each costs epochs x data fraction of one full-data epoch.
PROXY_SWEEP = (
    "p1:epochs=1,data=0.1",
    "p2:epochs=1,data=0.5",
    "p3:epochs=3,data=0.5",
    "p4:epochs=6,data=1.0",
)
PROXY_TARGET = "target:epochs=10"

NOISE_TARGET = "target:epochs=10"


@dataclass(frozen=True)
class LessonExperiment:
    """One prepared experiment: where its bundle lives and the search that produced it."""

    lesson: str
    variant: str  # e.g. "narrow", "widened", "varied", "fixed"
    role: str  # "failure" shows the failure mode, "fix" the setup that removes it, "comparison" neither
    search: dict[str, Any] = field(default_factory=dict)  # keyword arguments of build_search_config

    @property
    def folder(self) -> Path:
        return LESSONS_DIR / self.lesson / self.variant


def narrow_space_path() -> Path:
    """Return the YAML file of lesson 1's narrow space (written by `write_lesson_spaces`)."""
    return LESSONS_DIR / MISMATCH / "narrow_space.yaml"


def widened_space_path() -> Path:
    """Return the YAML file of lesson 1's fully widened space (written by `write_lesson_spaces`)."""
    return LESSONS_DIR / MISMATCH / "widened_space.yaml"


def write_lesson_spaces() -> None:
    """Write the search-space files the lesson configs name, so the configs resolve."""
    for path, widening in ((narrow_space_path(), Widening()), (widened_space_path(), FULL_WIDENING)):
        path.parent.mkdir(parents=True, exist_ok=True)
        text = widened_space(widening).to_yaml()
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def lesson_experiments() -> tuple[LessonExperiment, ...]:
    """Return every prepared experiment, failure first within each lesson."""
    mismatch_common = dict(task="mnist1d", strategy="random", seeds=3, proxies=[], target=MISMATCH_TARGET,
                           with_baselines=True, search_seed=0)
    proxy_common = dict(space="digits_chain", task="digits", strategy="random", budget=30, seeds=2,
                        proxies=list(PROXY_SWEEP), target=PROXY_TARGET, target_eval="all",
                        with_baselines=True, search_seed=0)
    noise_common = dict(space="digits_chain", task="digits", strategy="random", budget=20, seeds=5,
                        proxies=[], target=NOISE_TARGET, with_baselines=False, search_seed=0)
    return (
        LessonExperiment(MISMATCH, "narrow", "failure", dict(
            mismatch_common, space=str(narrow_space_path()), budget=8, name="lesson: narrow space on MNIST-1D")),
        LessonExperiment(MISMATCH, "widened", "fix", dict(
            mismatch_common, space=str(widened_space_path()), budget=10,
            name="lesson: widened space on MNIST-1D")),
        LessonExperiment(PROXY, "sweep", "failure", dict(
            proxy_common, name="lesson: proxy sweep on digits")),
        # The failure ranks by one seed, as most searches do; its other 4 seeds only measure the noise.
        LessonExperiment(NOISE, "varied", "failure", dict(
            noise_common, data_order="varied", rank_seeds=1,
            name="lesson: seed noise, one-seed ranking, shuffled data order")),
        # The fix ranks by the mean of 3 seeds with a fixed data order. On this task the fixed order
        # removes little variance (the lesson measures it), so the averaging makes the verdict ok.
        LessonExperiment(NOISE, "fixed", "fix", dict(
            noise_common, data_order="fixed", rank_seeds=3,
            name="lesson: seed noise, 3-seed ranking, fixed data order")),
    )


def get_experiment(lesson: str, variant: str) -> LessonExperiment:
    """Return one prepared experiment.

    Raises:
        KeyError: no such lesson and variant; the message lists the known ones.
    """
    for experiment in lesson_experiments():
        if experiment.lesson == lesson and experiment.variant == variant:
            return experiment
    known = ", ".join(f"{e.lesson}/{e.variant}" for e in lesson_experiments())
    raise KeyError(f"no prepared lesson experiment {lesson}/{variant}; known: {known}")

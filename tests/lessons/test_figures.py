"""Lesson figures draw their numbers, and empty input gives a titled figure with a message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nasdiag.lessons.figures import (
    plot_pick,
    plot_recheck,
    plot_seed_effects,
    plot_space_gap,
    plot_tau_vs_cost,
)
from nasdiag.lessons.mismatch import MismatchOutcome
from nasdiag.lessons.noise import SeedScores


def message_of(figure) -> str:
    return " ".join(a.text for a in figure.layout.annotations)


def test_empty_inputs_give_messages():
    assert "No experiment" in message_of(plot_space_gap({}))
    assert "no proxy" in message_of(plot_tau_vs_cost([]))
    assert "No architectures" in message_of(plot_recheck(pd.DataFrame(columns=["k", "regret"]), "p1"))
    assert "No seeds" in message_of(plot_seed_effects(pd.DataFrame()))


def test_space_gap_bars_in_percent():
    outcome = MismatchOutcome("warn", 8, "a", 0.975, "b", 0.984, -0.009, (-0.02, 0.002), 0.0, 1.0)
    figure = plot_space_gap({"narrow": outcome})
    assert list(figure.data[0].y) == [pytest.approx(97.5)]
    assert figure.data[0].error_y.arrayminus[0] == pytest.approx(97.5 - 96.4)


def test_seed_effects_marks_selected_count():
    effects = pd.DataFrame({"n_seeds": [1, 2, 3], "winners_curse": [0.01, 0.005, np.nan],
                            "share_best": [0.2, 0.5, 1.0]})
    figure = plot_seed_effects(effects, selected=2)
    assert list(figure.data[0].marker.color)[1] != list(figure.data[0].marker.color)[0]
    assert list(figure.data[1].y) == [20.0, 50.0, 100.0]


def test_pick_highlights_the_pick():
    scores = SeedScores(("a", "b"), ("arch 1", "arch 2"), (0, 1), np.array([[0.9, 0.92], [0.95, 0.91]]))
    figure = plot_pick(scores, "arch 2")
    pick = next(trace for trace in figure.data if trace.name == "your pick")
    assert list(pick.x) == [95.0]
    assert list(pick.y) == [91.0]

"""Sentences pick their words from the numbers they state."""

from __future__ import annotations

import math

from nasdiag.lessons.wording import gap_sentence, interval, percent, points


def test_percent_formats_accuracy():
    assert percent(0.9731) == "97.3%"
    assert percent(0.9731, 2) == "97.31%"
    assert percent(math.nan) == "n/a"


def test_points_drops_the_sign():
    assert points(-0.004) == "0.4 points"
    assert points(0.0123, 2) == "1.23 points"


def test_interval_is_signed():
    assert interval(-0.009, 0.001) == "[-0.9, +0.1] points"


def test_gap_clearly_below():
    text = gap_sentence(0.95, 0.97, (-0.03, -0.01), found_label="A", reference_label="B")
    assert "2.0 points below" in text
    assert "lies below zero" in text
    assert "within seed noise" not in text


def test_gap_below_within_noise():
    text = gap_sentence(0.965, 0.97, (-0.012, 0.002), found_label="A", reference_label="B")
    assert "0.5 points below" in text
    assert "includes zero: within seed noise" in text


def test_gap_above_never_says_below():
    text = gap_sentence(0.98, 0.97, (0.004, 0.016), found_label="A", reference_label="B")
    assert "below" not in text
    assert "1.0 points above" in text
    assert "lies above zero" in text


def test_gap_rounding_to_zero_says_same():
    text = gap_sentence(0.97001, 0.97, (-0.01, 0.01), found_label="A", reference_label="B")
    assert "the same to one decimal" in text
    assert "below" not in text
    assert "above" not in text


def test_gap_without_interval():
    text = gap_sentence(0.96, 0.97, (math.nan, math.nan), found_label="A", reference_label="B")
    assert "too few seeds for an interval" in text


def test_gap_states_both_accuracies():
    text = gap_sentence(0.9512, 0.9688, (-0.03, -0.01), found_label="The best", reference_label="the baseline")
    assert text.startswith("The best reaches 95.1% vs the baseline's 96.9%")

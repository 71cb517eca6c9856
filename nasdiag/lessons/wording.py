"""Sentences built from numbers, so that a lesson's text never claims what its data lacks.

Every helper takes the numbers and picks its wording from their sign and size. The lesson
modules call these helpers, and the tests check the choice of words against the numbers.
"""

from __future__ import annotations

import math


def percent(value: float, digits: int = 1) -> str:
    """Format an accuracy in [0, 1] as a percentage, e.g. 0.9731 -> '97.3%'; NaN -> 'n/a'."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{100 * value:.{digits}f}%"


def points(value: float, digits: int = 1) -> str:
    """Format an accuracy difference as percentage points without a sign, e.g. -0.004 -> '0.4 points'."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{100 * abs(value):.{digits}f} points"


def interval(low: float, high: float, digits: int = 1) -> str:
    """Format an accuracy-difference interval in signed percentage points, e.g. '[-0.9, +0.1] points'."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "[n/a]"
    return f"[{100 * low:+.{digits}f}, {100 * high:+.{digits}f}] points"


def gap_sentence(found: float, reference: float, ci: tuple[float, float], *, found_label: str,
                 reference_label: str) -> str:
    """Compare two accuracies, choosing the wording from the gap and its 95% interval.

    ``ci`` is the interval of ``found - reference``. The sentence contains "below" only when the
    gap is negative, and calls a gap clear only when the whole interval is on one side of 0.
    """
    gap = found - reference
    head = f"{found_label} reaches {percent(found)} vs {reference_label}'s {percent(reference)}"
    low, high = ci
    known = not (math.isnan(low) or math.isnan(high))
    if math.isnan(gap):
        return f"{head}; the gap cannot be computed."
    if round(100 * gap, 1) == 0:
        return f"{head}: the same to one decimal."
    side = "below" if gap < 0 else "above"
    sentence = f"{head}: {points(gap)} {side}"
    if not known:
        return f"{sentence} (too few seeds for an interval)."
    if high < 0 or low > 0:
        return f"{sentence}, and the whole 95% interval of the gap, {interval(low, high)}, lies {side} zero."
    return f"{sentence}, but the 95% interval of the gap, {interval(low, high)}, includes zero: within seed noise."

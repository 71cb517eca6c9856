"""Seeds needed to separate two architectures, against G*Power's published sample sizes."""

from __future__ import annotations

import math

import pytest

from nasdiag.diagnostics.power import exact_power, seeds_needed


# G*Power 3.1, t-test of two independent means, two tails, alpha 0.05, power 0.80, allocation 1:
# effect size d = 0.5 -> 64 per group, 0.8 -> 26, 1.0 -> 17, 2.0 -> 6.
@pytest.mark.parametrize(("effect", "expected"), [(0.5, 64), (0.8, 26), (1.0, 17), (2.0, 6)])
def test_seeds_needed_known_answers(effect, expected):
    assert seeds_needed(effect * 0.3, 0.3) == expected


@pytest.mark.parametrize("effect", [0.3, 0.7, 1.3, 2.5])
def test_seeds_needed_is_smallest_with_power(effect):
    n = int(seeds_needed(effect, 1.0))
    assert exact_power(n, effect, 1.0) >= 0.8
    if n > 2:
        assert exact_power(n - 1, effect, 1.0) < 0.8


def test_exact_power_known_answer():
    # d = 0.5 with 64 per group has power 0.8015 (G*Power 3.1 reports 0.8014596).
    assert exact_power(64, 0.5, 1.0) == pytest.approx(0.80146, abs=1e-4)


def test_seeds_needed_edge_cases():
    assert seeds_needed(0.0, 1.0) == math.inf
    assert seeds_needed(0.1, 0.0) == 2
    assert math.isnan(seeds_needed(math.nan, 1.0))
    assert seeds_needed(-0.5, 1.0) == seeds_needed(0.5, 1.0)


@pytest.mark.parametrize(("kwargs", "word"), [({"alpha": 0}, "alpha"), ({"power": 1.5}, "power")])
def test_seeds_needed_rejects_bad_levels(kwargs, word):
    with pytest.raises(ValueError, match=word):
        seeds_needed(0.5, 1.0, **kwargs)

"""Lesson 2's numbers: the proxy sweep, regret with re-checking, and the sentences."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nasdiag.diagnostics import Thresholds
from nasdiag.lessons.proxy import (
    cheapest_holding,
    cheapest_sentence,
    correlation_sentence,
    fidelity_costs,
    proxy_sweep,
    recheck_regret,
    recheck_sentence,
    recheck_table,
    regret_sentence,
)

FIDELITIES = (
    {"name": "cheap", "epochs": 1, "data_fraction": 0.1},
    {"name": "good", "epochs": 5, "data_fraction": 1.0},
    {"name": "target", "epochs": 10, "data_fraction": 1.0},
)


def synthetic_trials(n_archs: int = 24, seed: int = 0) -> pd.DataFrame:
    """Archs with a true quality; 'good' tracks it closely, 'cheap' is noise; 2 seeds everywhere."""
    rng = np.random.default_rng(seed)
    quality = np.linspace(0.90, 0.97, n_archs)
    rows = []
    for i, q in enumerate(quality):
        for s in range(2):
            target = q + rng.normal(0, 0.001)
            rows.append({"arch": f"a{i:02d}", "seed": s, "fidelity": "target", "metric": target})
            rows.append({"arch": f"a{i:02d}", "seed": s, "fidelity": "good", "metric": q - 0.02 + rng.normal(0, 0.001)})
            rows.append({"arch": f"a{i:02d}", "seed": s, "fidelity": "cheap", "metric": rng.uniform(0.3, 0.5)})
    frame = pd.DataFrame(rows)
    frame["status"] = "ok"
    frame["is_baseline"] = False
    return frame


def means_frame(proxy: list[float], target: list[float]) -> pd.DataFrame:
    index = pd.Index([f"a{i}" for i in range(len(proxy))], name="arch")
    return pd.DataFrame({"proxy_mean": proxy, "target_mean": target}, index=index)


def test_fidelity_costs_from_dicts():
    costs = fidelity_costs(FIDELITIES)
    assert costs["cheap"] == (1, 0.1, pytest.approx(0.1))
    assert costs["target"][2] == 10


def test_recheck_regret_known_answer():
    means = means_frame(proxy=[0.9, 0.8, 0.7, 0.6], target=[0.91, 0.93, 0.95, 0.92])
    assert recheck_regret(means, 1) == pytest.approx(0.04)  # pick a0 (0.91), best is a2 (0.95)
    assert recheck_regret(means, 2) == pytest.approx(0.02)  # best of a0, a1 is 0.93
    assert recheck_regret(means, 3) == 0.0


def test_recheck_regret_rejects_zero_k():
    with pytest.raises(ValueError, match="at least 1"):
        recheck_regret(means_frame([0.5], [0.5]), 0)


def test_recheck_table_never_rises_with_k():
    rng = np.random.default_rng(3)
    means = means_frame(list(rng.uniform(size=12)), list(rng.uniform(size=12)))
    table = recheck_table(means)
    assert list(table["k"]) == [1, 3, 5, 10]
    assert (np.diff(table["regret"]) <= 0).all()


def test_sweep_orders_by_cost_and_judges():
    points = proxy_sweep(synthetic_trials(), FIDELITIES)
    assert [p.proxy for p in points] == ["cheap", "good"]
    cheap, good = points
    assert cheap.cost_share == pytest.approx(0.01)
    assert good.cost_share == pytest.approx(0.5)
    assert cheap.level == "fail"
    assert good.level == "ok"
    assert good.kendall_tau > 0.9
    assert cheap.n_archs == 24


def test_sweep_regret_matches_recheck_at_k1():
    for point in proxy_sweep(synthetic_trials(), FIDELITIES):
        assert recheck_regret(point.diagnosis.proxy.means, 1) == pytest.approx(point.regret)


def test_sweep_rejects_unknown_target():
    with pytest.raises(ValueError, match="not among"):
        proxy_sweep(synthetic_trials(), FIDELITIES, target="full")


def test_correlation_sentence_wording_follows_thresholds():
    cheap, good = proxy_sweep(synthetic_trials(), FIDELITIES)
    assert cheap.kendall_tau < Thresholds().proxy_tau_fail
    assert "barely better than chance" in correlation_sentence(cheap)
    loose = replace(cheap, kendall_tau=0.45)
    assert "only loosely" in correlation_sentence(loose)
    text = correlation_sentence(good)
    assert "much like the target" in text
    assert f"Kendall tau {good.kendall_tau:.2f}" in text


def test_regret_sentence_states_rank():
    cheap, good = proxy_sweep(synthetic_trials(), FIDELITIES)
    assert cheap.pick_rank > 1
    assert f"ranks {cheap.pick_rank} of {cheap.n_archs}" in regret_sentence(cheap)
    assert f"costs {100 * cheap.regret:.2f} points" in regret_sentence(cheap)
    check = next(c for c in cheap.diagnosis.verdicts["proxy"].checks if c.name == "regret_in_noise_floors")
    assert f"That is {check.value:.1f} target noise floors, more than the 2 the verdict allows." \
        in regret_sentence(cheap)
    assert "no regret" in regret_sentence(good)


def test_recheck_sentence_wording():
    cheap, good = proxy_sweep(synthetic_trials(), FIDELITIES)
    # Re-checking every architecture always finds the target's best.
    assert "removes the regret" in recheck_sentence(cheap, cheap.n_archs)
    assert "changes nothing" in recheck_sentence(good, 5)


def test_cheapest_holding_picks_cheapest_ok():
    points = proxy_sweep(synthetic_trials(), FIDELITIES)
    assert cheapest_holding(points).proxy == "good"
    assert "is good (5 epochs on all the data, 50% of the target's cost)" in cheapest_sentence(points)
    assert "Its whole proxy verdict is ok." in cheapest_sentence(points)
    assert cheapest_holding(points[:1]) is None
    assert "No proxy" in cheapest_sentence(points[:1])


def test_correlation_sentence_nan_tau():
    point = proxy_sweep(synthetic_trials(), FIDELITIES)[0]
    blank = replace(point, kendall_tau=math.nan)
    assert "too few shared architectures" in correlation_sentence(blank)

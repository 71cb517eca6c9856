"""Proxy-versus-target figures: top-k overlap, regret, baselines, model size, matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasdiag.diagnostics.proxy import (
    analyse_proxy,
    correlation_matrix,
    epoch_correlations,
    top_k_overlaps,
)
from nasdiag.diagnostics.table import clean_trials
from tests.diagnostics.synthetic import make_trials


def _two_fidelity(proxy_values, target_values, baseline=None) -> pd.DataFrame:
    rows = []
    for i, (p, t) in enumerate(zip(proxy_values, target_values, strict=True)):
        rows.append({"arch": f"a{i:02d}", "seed": 0, "fidelity": "proxy", "metric": p, "params": 100 + i})
        rows.append({"arch": f"a{i:02d}", "seed": 0, "fidelity": "target", "metric": t, "params": 100 + i})
    if baseline is not None:
        rows.append({"arch": "baseline", "seed": 0, "fidelity": "target", "metric": baseline, "is_baseline": 1})
    frame = pd.DataFrame(rows)
    frame["is_baseline"] = frame.get("is_baseline", 0)
    return frame.fillna({"is_baseline": 0})


def test_precision_at_k_known_answer():
    target = pd.Series(np.arange(20.0)[::-1], index=[f"a{i:02d}" for i in range(20)])  # a00 best
    proxy = target.copy()
    proxy[["a00", "a01", "a02", "a03", "a04"]] = [0.5, 19.0, 18.0, 17.0, -1.0]  # top-5 overlap 3
    overlaps = {o.label: o for o in top_k_overlaps(proxy, target)}
    assert overlaps["1"].overlap == 0
    assert overlaps["5"].overlap == 3
    assert overlaps["5"].precision == pytest.approx(0.6)
    assert overlaps["10"].overlap == 8
    assert overlaps["top 5%"].k == 1


def test_regret_and_pick_rank():
    target = [0.90, 0.80, 0.70, 0.60, 0.50, 0.40, 0.30, 0.20, 0.10, 0.05]
    proxy = [1, 2, 10, 4, 5, 6, 7, 8, 9, 3]  # proxy prefers a02 (target 0.70, rank 3)
    table, _ = clean_trials(_two_fidelity(proxy, target))
    result = analyse_proxy(table, "proxy", "target", rng=np.random.default_rng(0), n_resamples=50)
    assert result.proxy_pick == "a02"
    assert result.target_best == "a00"
    assert result.regret == pytest.approx(0.20)
    assert result.proxy_pick_target_rank == 3


def test_correlation_matches_scipy_on_means():
    rng = np.random.default_rng(2)
    trials = make_trials(rng, n_archs=60, proxy_noise_sd=0.03)
    table, _ = clean_trials(trials)
    result = analyse_proxy(table, "proxy", "target", rng=np.random.default_rng(0), n_resamples=100)
    means = trials.groupby(["fidelity", "arch"])["metric"].mean().unstack(0)
    assert result.correlation.kendall_tau == pytest.approx(stats.kendalltau(means["proxy"], means["target"]).statistic)
    assert result.correlation.spearman_rho == pytest.approx(stats.spearmanr(means["proxy"], means["target"]).statistic)
    low, high = result.correlation.kendall_tau_ci
    assert low < result.correlation.kendall_tau < high


def test_minimise_flips_orientation():
    target = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]  # errors: a00 best
    proxy = [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]  # ranks the opposite way
    table, _ = clean_trials(_two_fidelity(proxy, target), maximize=False)
    result = analyse_proxy(table, "proxy", "target", rng=None, n_resamples=0)
    assert result.correlation.kendall_tau == pytest.approx(-1.0)
    assert result.target_best == "a00"
    assert result.proxy_pick == "a05"
    assert result.regret == pytest.approx(0.5)  # 0.6 - 0.1 in error units


def test_proxy_top_beats_baseline_share():
    target = [0.9, 0.85, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.04, 0.03]
    proxy = [10, 9, 8, 7, 6, 1, 2, 3, 4, 5]
    table, _ = clean_trials(_two_fidelity(proxy, target, baseline=0.8))
    result = analyse_proxy(table, "proxy", "target", rng=None)
    assert result.best_baseline == "baseline"
    assert result.proxy_top_beats_baseline[1] == 1.0
    assert result.proxy_top_beats_baseline[5] == pytest.approx(0.4)
    assert "baseline" not in result.means.index


def test_size_proxy_detected():
    trials = make_trials(np.random.default_rng(3), n_archs=80, proxy_from_size=True)
    table, _ = clean_trials(trials)
    result = analyse_proxy(table, "proxy", "target", rng=None)
    assert result.model_size.rho_proxy_params == pytest.approx(1.0)
    assert result.model_size.tau_params_target == pytest.approx(result.correlation.kendall_tau)


def test_fidelity_matrix_is_symmetric_with_unit_diagonal():
    rng = np.random.default_rng(4)
    wide = pd.DataFrame({"e1": rng.normal(size=30), "e2": rng.normal(size=30), "e3": rng.normal(size=30)})
    wide.loc[3, "e2"] = np.nan
    matrix = correlation_matrix(wide)
    np.testing.assert_allclose(matrix.kendall_tau, matrix.kendall_tau.T)
    np.testing.assert_allclose(np.diag(matrix.spearman_rho), 1.0)
    assert matrix.n[0, 1] == 29
    both = wide.dropna()
    assert matrix.kendall_tau[0, 1] == pytest.approx(stats.kendalltau(both["e1"], both["e2"]).statistic)


def test_epoch_correlations_from_curves():
    rng = np.random.default_rng(5)
    quality = rng.normal(size=20)
    curves = pd.DataFrame([{"arch": f"a{i}", "seed": 0, "epoch": e, "val_metric": quality[i] * e + rng.normal(0, 0.5)}
                           for i in range(20) for e in range(1, 6)])
    matrix = epoch_correlations(curves)
    assert matrix.labels == ("epoch 1", "epoch 2", "epoch 3", "epoch 4", "epoch 5")
    assert matrix.kendall_tau[3, 4] > matrix.kendall_tau[0, 4]


def test_epoch_correlations_need_columns():
    assert epoch_correlations(pd.DataFrame({"arch": ["a"], "epoch": [1]})) is None

"""Diagnostics on public NAS benchmarks: agree with scipy computed independently, and
surface what each benchmark is known for.

The fixture tests use the Apache-2.0 / MIT subsets in tests/fixtures/diagnostics; the
shared_data tests read the full files and skip where the shared data folder is absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasdiag.diagnostics import diagnose
from tests.diagnostics.benchmark_tables import (
    SHARED,
    fixture_ecnas,
    fixture_macro,
    fixture_naslib_zc,
    load_ecnas,
    load_macro,
    load_natsbench,
)

shared_data = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent")


def _seed_columns(trials: pd.DataFrame) -> pd.DataFrame:
    return trials.pivot_table(index="arch", columns="seed", values="metric")


@pytest.fixture(scope="module")
def macro():
    return fixture_macro()


@pytest.fixture(scope="module")
def naslib():
    return fixture_naslib_zc()


def test_macro_noise_matches_independent_scipy(macro):
    diagnosis = diagnose(macro, n_resamples=0)
    seeds = _seed_columns(macro)
    # Every arch has 3 seeds, so the pooled sd is the root of the mean sample variance.
    assert diagnosis.noise.noise_floor.sd == pytest.approx(np.sqrt(seeds.var(axis=1, ddof=1).mean()))
    f, _ = stats.f_oneway(*seeds.to_numpy())
    assert diagnosis.noise.icc.f_statistic == pytest.approx(f)
    tau_01 = stats.kendalltau(seeds[0], seeds[1]).statistic
    assert diagnosis.noise.rank_stability[0].tau_all == pytest.approx(tau_01)


def test_macro_seeds_agree_overall_not_at_top(macro):
    noise = diagnose(macro, n_resamples=0).noise
    # NAS-Bench-Macro's seeds order the whole space well but the top 10% barely.
    assert noise.rank_tau_all > 0.8
    assert noise.rank_tau_top < 0.4
    assert noise.rank_tau_top < noise.rank_tau_all / 2


def test_macro_pooled_sd_differs_from_shipped_population_sd(macro):
    # The file's std is ddof=0; the noise floor pools ddof=1 variances.
    diagnosis = diagnose(macro, n_resamples=0)
    seeds = _seed_columns(macro)
    population = np.sqrt(seeds.var(axis=1, ddof=0).mean())
    assert diagnosis.noise.noise_floor.sd == pytest.approx(population * np.sqrt(3 / 2))


@pytest.mark.parametrize("proxy", ["synflow", "nwot"])
def test_zero_cost_proxy_moderate_overall_weak_at_top(naslib, proxy):
    diagnosis = diagnose(naslib, proxy=proxy, target="target", seed=0)
    result = diagnosis.proxy
    wide = naslib.pivot_table(index="arch", columns="fidelity", values="metric")
    both = wide[[proxy, "target"]].replace([np.inf, -np.inf], np.nan).dropna()
    assert result.correlation.kendall_tau == pytest.approx(stats.kendalltau(both[proxy], both["target"]).statistic)
    assert result.correlation.spearman_rho == pytest.approx(stats.spearmanr(both[proxy], both["target"]).statistic)
    assert 0.45 < result.correlation.kendall_tau < 0.7
    assert result.top_correlation.kendall_tau < 0.35
    assert diagnosis.verdicts["proxy"].level in ("warn", "fail")


@pytest.mark.parametrize("proxy", ["params", "flops"])
def test_size_proxies_flagged_as_tracking_size(naslib, proxy):
    diagnosis = diagnose(naslib, proxy=proxy, target="target", n_resamples=100)
    assert abs(diagnosis.proxy.model_size.rho_proxy_params) > 0.95
    check = {c.name: c for c in diagnosis.verdicts["proxy"].checks}["tracks_model_size"]
    assert check.level == "warn"


def test_nwot_infinity_counted_as_missing(naslib):
    diagnosis = diagnose(naslib, proxy="nwot", target="target", n_resamples=0)
    assert diagnosis.excluded.n_missing_metric == 1
    assert diagnosis.proxy.n_common == 723


def test_ecnas_one_epoch_is_poor_proxy():
    diagnosis = diagnose(fixture_ecnas(), seed=0)
    assert (diagnosis.proxy_fidelity, diagnosis.target) == ("epoch_1", "epoch_4")
    assert diagnosis.proxy.correlation.kendall_tau < 0.4
    assert diagnosis.verdicts["proxy"].level == "fail"
    assert diagnosis.verdicts["noise"].level in ("warn", "fail")


@pytest.mark.shared_data
@shared_data
def test_full_macro_agrees_with_scipy():
    trials = load_macro()
    diagnosis = diagnose(trials, n_resamples=0)
    seeds = _seed_columns(trials)
    assert diagnosis.noise.n_archs == 6561
    assert diagnosis.noise.rank_stability[2].tau_all == pytest.approx(stats.kendalltau(seeds[1], seeds[2]).statistic)
    assert diagnosis.noise.rank_tau_top < 0.3


@pytest.mark.shared_data
@shared_data
def test_full_ecnas_matches_fixture():
    pd.testing.assert_frame_equal(load_ecnas().reset_index(drop=True), fixture_ecnas(), check_dtype=False)


@pytest.mark.shared_data
@shared_data
def test_natsbench_dataset_correlations():
    trials = load_natsbench()
    diagnosis = diagnose(trials, proxy="cifar10", target="imagenet16", n_resamples=200)
    wide = trials.pivot_table(index="arch", columns="fidelity", values="metric")
    expected = stats.kendalltau(wide["cifar10"], wide["imagenet16"]).statistic
    assert diagnosis.proxy.correlation.kendall_tau == pytest.approx(expected)
    labels = diagnosis.proxy.fidelity_matrix.labels
    assert set(labels) == {"cifar10", "cifar100", "imagenet16"}
    # Cross-dataset ranking is strong overall but much weaker among the best cells.
    assert diagnosis.proxy.correlation.kendall_tau > 0.7
    assert diagnosis.proxy.top_correlation.kendall_tau < diagnosis.proxy.correlation.kendall_tau - 0.2

"""Coverage figures: lacking ops, enrichment tests, op effects, receptive field, baseline gap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasdiag.diagnostics.coverage import analyse_coverage
from nasdiag.diagnostics.table import clean_trials
from tests.diagnostics.synthetic import make_trials


def _coverage(trials: pd.DataFrame, **kwargs):
    table, _ = clean_trials(trials)
    return analyse_coverage(table, "target", **kwargs)


def test_lacking_op_from_union_of_sampled_ops():
    trials = make_trials(np.random.default_rng(0), n_archs=40, baseline_offset=0.0,
                         baseline_ops="conv_3x3;dil_conv_3x3;skip_connect")
    result = _coverage(trials)
    assert result.lacking_ops == ("dil_conv_3x3",)
    assert result.space_ops_source == "union of sampled ops"
    assert result.baselines.at["resnet_like", "lacking_ops"] == "dil_conv_3x3"


def test_lacking_op_from_given_space():
    trials = make_trials(np.random.default_rng(0), n_archs=40, baseline_offset=0.0)
    result = _coverage(trials, space_ops=["conv_3x3", "conv_5x5", "max_pool_3x3"])
    assert result.lacking_ops == ("skip_connect",)
    assert result.space_ops_source == "given"


def test_op_enrichment_and_fisher_match_scipy():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(100):
        uses = i % 3 == 0
        metric = 0.9 + (0.05 if uses else 0.0) + rng.normal(0, 0.01)
        rows.append({"arch": f"a{i}", "seed": 0, "fidelity": "target", "metric": metric,
                     "ops": "conv_3x3;sep_conv_3x3" if uses else "conv_3x3"})
    result = _coverage(pd.DataFrame(rows))
    row = result.op_stats.loc["sep_conv_3x3"]
    table, _ = clean_trials(pd.DataFrame(rows))
    means = table.groupby("arch")["metric"].mean()
    top = set(means.nlargest(10).index)
    uses = {f"a{i}" for i in range(100) if i % 3 == 0}
    contingency = [[len(top & uses), len(top - uses)], [len(uses - top), 100 - len(top | uses)]]
    odds, p_value = stats.fisher_exact(contingency)
    assert row["p_value"] == pytest.approx(p_value)
    assert row["odds_ratio"] == pytest.approx(odds)
    assert row["freq_sampled"] == pytest.approx(34 / 100)
    assert row["enrichment"] == pytest.approx((len(top & uses) / 10) / 0.34)
    with_op = means[sorted(uses)]
    without = means[sorted(set(means.index) - uses)]
    welch = stats.ttest_ind(with_op, without, equal_var=False).confidence_interval(0.95)
    assert row["effect"] == pytest.approx(with_op.mean() - without.mean())
    assert row["effect_ci_low"] == pytest.approx(welch.low)
    assert row["effect_ci_high"] == pytest.approx(welch.high)


def test_receptive_field_share_and_rho():
    rows = [{"arch": f"a{i}", "seed": 0, "fidelity": "target", "metric": 0.5 + i / 100, "receptive_field": 5 + 2 * i}
            for i in range(20)]
    result = _coverage(pd.DataFrame(rows), input_size=28)
    assert result.receptive_field.share_below_input == pytest.approx(12 / 20)  # RF 5..27 below 28
    assert result.receptive_field.rho_with_metric == pytest.approx(1.0)


def test_baseline_gap_welch_interval():
    trials = make_trials(np.random.default_rng(2), n_archs=30, baseline_offset=0.05)
    result = _coverage(trials)
    gap = result.baseline_gap
    assert gap.best_baseline == "resnet_like"
    assert gap.gap < 0
    assert gap.gap_ci[1] < 0
    assert gap.share_beating_baseline == 0.0
    table, _ = clean_trials(trials)
    table = table.loc[table["fidelity"] == "target"]
    found = table.loc[table["arch"] == gap.best_found, "metric"]
    base = table.loc[table["arch"] == "resnet_like", "metric"]
    welch = stats.ttest_ind(found, base, equal_var=False).confidence_interval(0.95)
    assert gap.gap_ci == pytest.approx((welch.low, welch.high))


def test_membership_and_share_evaluated():
    trials = make_trials(np.random.default_rng(3), n_archs=20, baseline_offset=0.0)
    membership = pd.DataFrame({"baseline": ["resnet_like"], "in_space": [False], "distance": [3]})
    result = _coverage(trials, baseline_membership=membership, cardinality=1000)
    assert result.baselines.at["resnet_like", "in_space"] is False
    assert result.baselines.at["resnet_like", "distance"] == 3
    assert result.share_evaluated == pytest.approx(20 / 1000)


def test_duplicates_counted():
    trials = make_trials(np.random.default_rng(4), n_archs=10, proxy_noise_sd=None)
    doubled = pd.concat([trials, trials.head(4)])
    result = _coverage(doubled)
    assert result.n_duplicate_trials == 4


def test_no_ops_column_gives_empty_op_stats():
    trials = make_trials(np.random.default_rng(5), n_archs=10).drop(columns="ops")
    result = _coverage(trials)
    assert result.op_stats.empty
    assert result.lacking_ops == ()
    assert math.isnan(result.receptive_field.share_below_input)

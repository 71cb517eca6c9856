"""Figure builders: the numbers behind each figure, then traces, titles and empty input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from nasdiag.diagnostics import diagnose
from nasdiag.viz import diagnosis_figures
from nasdiag.viz.coverage import op_frequency_data, plot_op_frequency, receptive_field_data
from nasdiag.viz.curves import (
    best_so_far_data,
    learning_curves_data,
    plot_best_so_far,
    plot_learning_curves,
)
from nasdiag.viz.noise import (
    plot_seed_spread,
    prob_best_data,
    seed_spread_data,
    seeds_curve_data,
    winners_curse_data,
)
from nasdiag.viz.proxy import overlap_curve_data, plot_proxy_scatter, rank_flip_data
from tests.diagnostics.synthetic import make_trials


@pytest.fixture(scope="module")
def diagnosis():
    trials = make_trials(np.random.default_rng(0), n_archs=60, baseline_offset=-0.02,
                         baseline_ops="conv_3x3;dil_conv_3x3")
    trials["receptive_field"] = pd.to_numeric(trials["arch"].str[1:], errors="coerce") + 3  # 3..62; baseline NaN
    return diagnose(trials, input_size=32, n_resamples=100)


def _titles(figure: go.Figure) -> tuple[str, str, str]:
    layout = figure.layout
    return layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text


def test_every_standard_figure_has_traces_and_titles(diagnosis):
    figures = diagnosis_figures(diagnosis, metric_name="accuracy")
    assert len(figures) == 13
    for figure in figures:
        title, x_title, y_title = _titles(figure)
        assert title
        assert x_title, title
        assert y_title, title
        assert len(figure.data) >= 1, title
        assert figure.layout.template.layout.paper_bgcolor is not None


def test_hover_names_the_architecture(diagnosis):
    scatter = plot_proxy_scatter(diagnosis.proxy)
    assert "arch" in scatter.data[0].hovertemplate
    assert list(scatter.data[0].text) == [str(a) for a in diagnosis.proxy.means.index]


def test_seed_spread_numbers(diagnosis):
    data = seed_spread_data(diagnosis.noise, top_k=5)
    assert data.archs == [str(a) for a in diagnosis.noise.top.index[:5]]
    assert all(len(seeds) == 3 for seeds in data.seeds)
    np.testing.assert_allclose(data.means, [np.mean(s) for s in data.seeds])
    assert data.noise_floor == diagnosis.noise.noise_floor.sd


def test_noise_numbers(diagnosis):
    assert prob_best_data(diagnosis.noise).probabilities.sum() == pytest.approx(1.0)
    curse = winners_curse_data(diagnosis.noise)
    assert curse.mean_drop == pytest.approx(diagnosis.noise.winners_curse)
    assert len(curse.archs) == 3
    assert all(arch in diagnosis.noise.per_arch.index for arch in curse.archs)
    curve = seeds_curve_data(diagnosis.noise)
    assert np.all(np.diff(curve.seeds) <= 0)  # larger differences need fewer seeds


def test_overlap_curve_numbers(diagnosis):
    data = overlap_curve_data(diagnosis.proxy, max_k=20)
    listed = {o.k: o.precision for o in diagnosis.proxy.top_k}
    for k in (1, 5, 10):
        assert data.overlap[k - 1] == pytest.approx(listed[k])
    assert data.chance[-1] == pytest.approx(20 / 60)


def test_rank_flip_numbers(diagnosis):
    data = rank_flip_data(diagnosis.proxy, top_n=5)
    assert min(data.target_rank) == 1
    assert min(data.proxy_rank) == 1
    assert 5 <= len(data.archs) <= 10


def test_coverage_numbers(diagnosis):
    frequency = op_frequency_data(diagnosis.coverage)
    assert "dil_conv_3x3" in frequency.lacking
    assert frequency.freq_sampled[frequency.ops.index("dil_conv_3x3")] == 0
    rf = receptive_field_data(diagnosis.coverage)
    assert rf.input_size == 32
    assert len(rf.archs) == 60


def test_learning_curves_one_line_per_seed_and_fidelity():
    curves = pd.DataFrame([{"arch": "a", "seed": s, "fidelity": f, "epoch": e, "val_metric": 0.1 * e + s}
                           for s in range(2) for f in ("proxy", "target") for e in range(3)])
    data = learning_curves_data(curves, "a")
    assert len(data.lines) == 4
    figure = plot_learning_curves(curves, "a")
    assert len(figure.data) == 4
    assert "arch a" in figure.data[0].hovertemplate


def test_best_so_far_numbers():
    trials = pd.DataFrame({"arch": ["a", "a", "b", "b", "c", "c"], "seed": [0, 1] * 3, "fidelity": "target",
                           "metric": [0.5, 0.7, 0.9, 0.5, 0.6, 0.65]})
    data = best_so_far_data(trials, "target")
    np.testing.assert_allclose(data.best_mean, [0.6, 0.7, 0.7])
    np.testing.assert_allclose(data.band_low, [0.5, 0.7, 0.7])  # seed 1 search: 0.7, 0.7, 0.7
    np.testing.assert_allclose(data.band_high, [0.7, 0.9, 0.9])  # seed 0 search: 0.5, 0.9, 0.9
    assert data.best_arch == ["a", "b", "b"]
    minimised = best_so_far_data(trials, "target", maximize=False)
    np.testing.assert_allclose(minimised.best_mean, [0.6, 0.6, 0.6])
    assert len(plot_best_so_far(trials, "target").data) == 2


def test_best_so_far_leaves_out_baselines():
    trials = pd.DataFrame({"arch": ["base", "base", "a", "a", "b", "b"], "seed": [0, 1] * 3, "fidelity": "target",
                           "metric": [0.99, 0.99, 0.5, 0.7, 0.9, 0.5], "is_baseline": [True, True] + [False] * 4})
    data = best_so_far_data(trials, "target")
    np.testing.assert_array_equal(data.n_archs, [1, 2])
    np.testing.assert_allclose(data.best_mean, [0.6, 0.7])
    figure = plot_best_so_far(trials, "target")
    assert figure.layout.xaxis.dtick == 1


def test_empty_inputs_give_annotated_empty_figures():
    empty_curves = pd.DataFrame(columns=["arch", "seed", "fidelity", "epoch", "val_metric"])
    empty_trials = pd.DataFrame(columns=["arch", "seed", "fidelity", "metric"])
    figures = [plot_learning_curves(empty_curves, "a"), plot_best_so_far(empty_trials, "target"),
               plot_proxy_scatter(None)]
    for figure in figures:
        assert len(figure.data) == 0
        assert figure.layout.annotations[0].text
        assert all(_titles(figure))


def test_single_fidelity_diagnosis_draws_empty_proxy_figures():
    trials = make_trials(np.random.default_rng(1), n_archs=10, proxy_noise_sd=None)
    figures = diagnosis_figures(diagnose(trials))
    proxy_scatter = figures[5]
    assert len(proxy_scatter.data) == 0
    assert "No architectures" in proxy_scatter.layout.annotations[0].text
    assert len(plot_op_frequency(diagnose(trials).coverage).data) >= 1


def test_seed_spread_title_counts_what_it_shows():
    trials = pd.DataFrame({"arch": ["a", "a", "b", "b", "c", "c"], "seed": [0, 1] * 3, "fidelity": "target",
                           "metric": [0.5, 0.7, 0.9, 0.5, 0.6, 0.65]})
    noise = diagnose(trials, n_resamples=50).noise
    assert plot_seed_spread(noise).layout.title.text == "Seed spread of the top 3 architectures"

"""Figures of search-space coverage: op frequency and enrichment, marginal op effects,
receptive field against the metric, and the target distribution against baselines."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from nasdiag.diagnostics.coverage import CoverageResult
from nasdiag.viz.common import COLOURS, add_baseline_lines, base_figure, empty_figure


class OpFrequency(NamedTuple):
    ops: list[str]
    freq_space: np.ndarray
    freq_sampled: np.ndarray
    freq_top: np.ndarray
    enrichment: np.ndarray
    lacking: list[str]  # ops baselines use that the space lacks (frequency 0 everywhere)


def op_frequency_data(coverage: CoverageResult) -> OpFrequency:
    stats = coverage.op_stats
    lacking = [op for op in coverage.lacking_ops if op not in stats.index]
    ops = [str(o) for o in stats.index] + lacking
    pad = np.zeros(len(lacking))
    return OpFrequency(ops, np.r_[stats["freq_space"].to_numpy(dtype=float), pad],
                       np.r_[stats["freq_sampled"].to_numpy(dtype=float), pad],
                       np.r_[stats["freq_top"].to_numpy(dtype=float), pad],
                       np.r_[stats["enrichment"].to_numpy(dtype=float), np.full(len(lacking), np.nan)], lacking)


def plot_op_frequency(coverage: CoverageResult) -> go.Figure:
    """Share of architectures using each op in the space, the sample and the top; hover gives enrichment."""
    title, x_title, y_title = "Op frequency", "op", "share of architectures using the op"
    data = op_frequency_data(coverage)
    if not data.ops:
        return empty_figure(title, x_title, y_title, "The table has no ops column.")
    figure = base_figure(title + (f" (lacking: {', '.join(data.lacking)})" if data.lacking else ""), x_title, y_title)
    series = [("space", data.freq_space, COLOURS["muted"]), ("sampled", data.freq_sampled, COLOURS["main"]),
              (f"top {coverage.n_top}", data.freq_top, COLOURS["top"])]
    for name, values, colour in series:
        if np.isfinite(values).any():
            figure.add_trace(go.Bar(x=data.ops, y=values, name=name, marker_color=colour, customdata=data.enrichment,
                                    hovertemplate="op %{x}<br>share %{y:.2f}<br>enrichment %{customdata:.2f}"
                                                  f"<extra>{name}</extra>"))
    figure.update_layout(barmode="group")
    return figure


class OpEffects(NamedTuple):
    ops: list[str]
    effect: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


def op_effect_data(coverage: CoverageResult) -> OpEffects:
    stats = coverage.op_stats.sort_values("effect")
    return OpEffects([str(o) for o in stats.index], stats["effect"].to_numpy(dtype=float),
                     stats["effect_ci_low"].to_numpy(dtype=float), stats["effect_ci_high"].to_numpy(dtype=float))


def plot_op_effects(coverage: CoverageResult, metric_name: str = "metric") -> go.Figure:
    """Mean metric of archs using each op minus those not using it, with Welch 95% intervals."""
    title, x_title, y_title = "Marginal effect of each op", f"difference in mean {metric_name}", "op"
    data = op_effect_data(coverage)
    if not data.ops:
        return empty_figure(title, x_title, y_title, "The table has no ops column.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Scatter(
        x=data.effect, y=data.ops, mode="markers", marker={"size": 10, "color": COLOURS["main"]}, name="effect",
        error_x={"type": "data", "array": np.nan_to_num(data.ci_high - data.effect),
                 "arrayminus": np.nan_to_num(data.effect - data.ci_low)},
        hovertemplate="op %{y}<br>effect %{x:.4g}<extra></extra>"))
    figure.add_vline(x=0, line_color=COLOURS["muted"])
    return figure


class ReceptiveFieldPoints(NamedTuple):
    archs: list[str]
    receptive_field: np.ndarray
    metric: np.ndarray
    input_size: float


def receptive_field_data(coverage: CoverageResult) -> ReceptiveFieldPoints:
    rf = coverage.receptive_fields
    return ReceptiveFieldPoints([str(a) for a in rf.index], rf.to_numpy(dtype=float),
                                coverage.sampled_means.reindex(rf.index).to_numpy(dtype=float),
                                coverage.receptive_field.input_size)


def plot_receptive_field(coverage: CoverageResult, metric_name: str = "metric") -> go.Figure:
    """Receptive field of each sampled architecture against its target metric, input size marked."""
    title, x_title, y_title = "Receptive field vs metric", "receptive field (input pixels)", metric_name
    data = receptive_field_data(coverage)
    if not data.archs:
        return empty_figure(title, x_title, y_title, "No receptive fields in the table.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Scattergl(x=data.receptive_field, y=data.metric, mode="markers", text=data.archs,
                                  marker={"color": COLOURS["main"], "opacity": 0.6}, name="architecture",
                                  hovertemplate="arch %{text}<br>RF %{x}<br>metric %{y:.4g}<extra></extra>"))
    if np.isfinite(data.input_size):
        figure.add_vline(x=data.input_size, line_dash="dash", line_color=COLOURS["top"], annotation_text="input size")
    return figure


class TargetDistribution(NamedTuple):
    values: np.ndarray
    archs: list[str]
    baselines: dict[str, float]


def target_distribution_data(coverage: CoverageResult) -> TargetDistribution:
    return TargetDistribution(coverage.sampled_means.to_numpy(dtype=float), [str(a) for a in coverage.sampled_means.index],
                              {str(k): float(v) for k, v in coverage.baselines["target_mean"].items()})


def plot_target_distribution(coverage: CoverageResult, metric_name: str = "metric") -> go.Figure:
    """Histogram of the sampled architectures' target metric with a line per baseline."""
    title, x_title, y_title = "Target metric of sampled architectures", f"{metric_name} (mean over seeds)", "architectures"
    data = target_distribution_data(coverage)
    if not len(data.values):
        return empty_figure(title, x_title, y_title, "No sampled architectures at the target fidelity.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Histogram(x=data.values, nbinsx=40, marker_color=COLOURS["main"], name="sampled",
                                  hovertemplate="%{x}<br>%{y} architectures<extra></extra>"))
    add_baseline_lines(figure, dict(data.baselines), axis="x", colour=COLOURS["baseline"])
    # Counts are whole architectures: small histograms get one tick per architecture.
    counts, _ = np.histogram(np.asarray(data.values, dtype=float), bins=40)
    figure.update_yaxes(rangemode="tozero", tickformat="d", dtick=1 if counts.max() <= 8 else None)
    return figure
